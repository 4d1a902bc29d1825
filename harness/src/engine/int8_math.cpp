// TFLite QuantizeMultiplier and the public wrappers of the fixed-point helpers.
#include "int8_math.h"

#include <cmath>

#include "tinydet/kernels.h"

namespace tinydet {

void quantize_multiplier(double real_multiplier, int32_t* multiplier, int32_t* shift) {
  if (real_multiplier == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  int exponent = 0;
  const double fraction = std::frexp(real_multiplier, &exponent);  // in [0.5, 1)
  int64_t q_fixed = int64_t(std::round(fraction * double(int64_t(1) << 31)));
  if (q_fixed == (int64_t(1) << 31)) {
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {  // too small to represent: the product is zero anyway
    exponent = 0;
    q_fixed = 0;
  }
  if (exponent > 30) {  // too large: saturate as TFLite does
    exponent = 30;
    q_fixed = (int64_t(1) << 31) - 1;
  }
  *multiplier = int32_t(q_fixed);
  *shift = exponent;
}

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  return int8::multiply_by_quantized_multiplier(x, multiplier, shift);
}

namespace int8 {

void activation_range(Act act, const QuantParams& out, int32_t* act_min, int32_t* act_max) {
  *act_min = -128;
  *act_max = 127;
  if (act == Act::ReLU || act == Act::ReLU6) *act_min = std::max<int32_t>(-128, out.zero_point);
  if (act == Act::ReLU6) {
    const int32_t six = out.zero_point + int32_t(std::round(6.0 / double(out.scale)));
    *act_max = std::min<int32_t>(127, six);
  }
}

}  // namespace int8
}  // namespace tinydet
