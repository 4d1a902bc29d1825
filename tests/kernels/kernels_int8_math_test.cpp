// TFLite fixed-point arithmetic against hand-computed cases, and prepare_int8 layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "kernel_test_util.h"
#include "tinydet/kernels.h"

namespace tinydet {
namespace {

TEST(Int8Math, QuantizeMultiplierSplitsIntoQ31AndShift) {
  int32_t m = 0, s = 0;
  quantize_multiplier(0.5, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
  quantize_multiplier(0.25, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, -1);
  quantize_multiplier(1.0, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  quantize_multiplier(3.0, &m, &s);  // 0.75 * 2^2
  EXPECT_EQ(m, 3 << 29);
  EXPECT_EQ(s, 2);
  quantize_multiplier(0.0, &m, &s);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
  // A fraction that rounds up to 2^31 is renormalised.
  quantize_multiplier(0.99999999999, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  // Tiny multipliers flush to zero.
  quantize_multiplier(1e-12, &m, &s);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
}

TEST(Int8Math, MultiplyByQuantizedMultiplierRoundsLikeTflite) {
  const int32_t half = 1 << 30;  // 0.5 in Q31
  EXPECT_EQ(multiply_by_quantized_multiplier(10, half, 0), 5);
  // x * 0.5 with ties: SaturatingRoundingDoublingHighMul nudges ties upwards (+0.5 then
  // truncation toward zero): 1.5 -> 2, -1.5 -> -1.
  EXPECT_EQ(multiply_by_quantized_multiplier(3, half, 0), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, half, 0), -1);
  // x * 0.25 = high-mul by 0.5 then RoundingDivideByPOT(., 1), which rounds ties away from
  // zero: 5 -> 2.5 -> 3 -> 1.5 -> 2 (double rounding, as TFLite); -5 -> -2 -> -1;
  // -6 -> -3 -> -1.5 -> -2.
  EXPECT_EQ(multiply_by_quantized_multiplier(5, half, -1), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, half, -1), -1);
  EXPECT_EQ(multiply_by_quantized_multiplier(-6, half, -1), -2);
  EXPECT_EQ(multiply_by_quantized_multiplier(6, half, -1), 2);
  // Left shifts: x * 0.5 * 2^3 = 4x.
  EXPECT_EQ(multiply_by_quantized_multiplier(7, half, 3), 28);
  EXPECT_EQ(multiply_by_quantized_multiplier(-7, half, 3), -28);
  // A realistic requantisation: 1000 * 0.0123 = 12.3 -> 12; -1000 -> -12.
  int32_t m = 0, s = 0;
  quantize_multiplier(0.0123, &m, &s);
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, m, s), 12);
  EXPECT_EQ(multiply_by_quantized_multiplier(-1000, m, s), -12);
  EXPECT_EQ(multiply_by_quantized_multiplier(-1058, m, s), -13);  // -13.0134
  // Within one unit of x * r over a range of values (double rounding can add up to half a
  // unit to round()'s half: 4213 * 0.3141 = 1323.3 gives 1324, as in TFLite).
  quantize_multiplier(0.3141, &m, &s);
  EXPECT_EQ(multiply_by_quantized_multiplier(4213, m, s), 1324);
  for (int32_t x = -5000; x <= 5000; x += 37)
    EXPECT_LT(std::abs(multiply_by_quantized_multiplier(x, m, s) - x * 0.3141), 1.0) << x;
}

TEST(Int8Math, PrepareInt8ComputesConvAndAddMultipliers) {
  Op conv = test::conv_op(4, 3, 1, 1, {1, 1, 1, 1}, Act::ReLU6, "conv");
  test::OpCase c = test::make_case(conv, {{5, 5, 3}}, 7);
  const Int8OpParams q = prepare_int8(c.g, 0);
  ASSERT_EQ(q.multiplier.size(), 4u);
  const Op& op = c.the_op();
  for (int oc = 0; oc < 4; ++oc) {
    const double real = double(c.g.tensors[0].quant.scale) * op.weight_scales[oc] /
                        double(c.g.tensors[1].quant.scale);
    EXPECT_NEAR(std::ldexp(double(q.multiplier[oc]) / double(1u << 31), q.shift[oc]), real,
                real * 1e-8);
  }
  const QuantParams& out = c.g.tensors[1].quant;
  EXPECT_EQ(q.act_min, std::max(-128, out.zero_point));
  EXPECT_EQ(q.act_max, std::min<int>(127, out.zero_point + int(std::lround(6.0 / out.scale))));

  Op add;
  add.type = OpType::Add;
  add.name = "add";
  test::OpCase a = test::make_case(add, {{2, 2, 3}, {2, 2, 3}}, 8);
  a.g.tensors[0].quant = {0.02f, 1};
  a.g.tensors[1].quant = {0.05f, -3};
  a.g.tensors[2].quant = {0.04f, 5};
  const Int8OpParams qa = prepare_int8(a.g, 0);
  ASSERT_EQ(qa.multiplier.size(), 3u);
  auto real = [&](int i) { return std::ldexp(double(qa.multiplier[i]) / double(1u << 31), qa.shift[i]); };
  EXPECT_NEAR(real(0), 0.02 / 0.1, 1e-7);
  EXPECT_NEAR(real(1), 0.05 / 0.1, 1e-7);
  EXPECT_NEAR(real(2), 0.1 / (1048576.0 * 0.04), 1e-12);
}

TEST(Int8Math, PrepareInt8RejectsBatchNormAndUnquantizedGraphs) {
  Op bn;
  bn.type = OpType::BatchNorm;
  bn.name = "bn";
  test::OpCase c = test::make_case(bn, {{2, 2, 3}}, 9);
  EXPECT_THROW(prepare_int8(c.g, 0), std::invalid_argument);
  c.g.quantized = false;
  EXPECT_THROW(prepare_int8(c.g, 0), std::invalid_argument);
}

}  // namespace
}  // namespace tinydet
