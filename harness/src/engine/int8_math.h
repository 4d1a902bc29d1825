// TFLite-compatible fixed-point arithmetic for int8 requantisation (internal to the engine).
//
// These are inline so every kernel (reference and fast) shares one definition, which is
// what makes fast == reference bit-exact. Semantics follow TensorFlow Lite's
// SaturatingRoundingDoublingHighMul, RoundingDivideByPOT and MultiplyByQuantizedMultiplier
// (gemmlowp rounding: round half away from zero in the high-mul, half up-with-sign in the
// power-of-two division).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "tinydet/graph.h"

namespace tinydet::int8 {

/// (a * b * 2) >> 32 rounded to nearest, ties away from zero; saturates INT32_MIN^2.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  const int64_t ab = int64_t(a) * int64_t(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t high = int32_t((ab + nudge) / (int64_t(1) << 31));
  return overflow ? std::numeric_limits<int32_t>::max() : high;
}

/// x / 2^exponent rounded to nearest, ties away from zero (exponent in [0, 31]).
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = int32_t((int64_t(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/// x * multiplier * 2^shift / 2^31 with TFLite rounding. shift > 0 is a left shift.
/// The left shift saturates to int32 (TFLite leaves that overflow undefined).
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  int64_t shifted = int64_t(x) * (int64_t(1) << left_shift);
  shifted = std::clamp<int64_t>(shifted, std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max());
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(int32_t(shifted), multiplier),
                                right_shift);
}

inline int8_t saturate_int8(int32_t v) { return int8_t(std::clamp<int32_t>(v, -128, 127)); }

/// Clamp range of a fused activation in the output's quantised domain (TFLite's
/// CalculateActivationRangeQuantized). LeakyReLU and None clamp only to int8.
void activation_range(Act act, const QuantParams& out, int32_t* act_min, int32_t* act_max);

/// The conv / FC epilogue: requantise an int32 accumulator to the output scale, apply a
/// fused LeakyReLU (negative values rescaled by the alpha multiplier, in output units
/// before the zero point is added), add the output zero point and clamp.
struct Requant {
  int32_t output_zero_point = 0;
  int32_t act_min = -128, act_max = 127;
  bool leaky = false;
  int32_t alpha_multiplier = 0, alpha_shift = 0;
};

inline int8_t requantize(int32_t acc, int32_t multiplier, int32_t shift, const Requant& r) {
  int32_t y = multiply_by_quantized_multiplier(acc, multiplier, shift);
  if (r.leaky && y < 0) y = multiply_by_quantized_multiplier(y, r.alpha_multiplier, r.alpha_shift);
  y += r.output_zero_point;
  return int8_t(std::clamp(y, r.act_min, r.act_max));
}

/// Rescales one int8 value from quant `in` to quant `out` with a precomputed multiplier.
inline int8_t rescale(int8_t x, int32_t in_zero_point, int32_t out_zero_point,
                      int32_t multiplier, int32_t shift) {
  return saturate_int8(out_zero_point +
                       multiply_by_quantized_multiplier(int32_t(x) - in_zero_point, multiplier, shift));
}

inline bool same_quant(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

}  // namespace tinydet::int8
