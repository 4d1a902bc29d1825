// Reference kernels against hand-computed tiny cases.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace tinydet {
namespace {

using test::make_case;
using test::run_case;

TEST(ReferenceKernels, FloatConvMatchesHandComputation) {
  // 3x3x1 input, 2x2 kernel, 2 output channels, stride 1, pad right/bottom 1.
  Op op = test::conv_op(2, 2, 1, 1, {0, 0, 1, 1}, Act::None, "conv");
  test::OpCase c = make_case(op, {{3, 3, 1}}, 1);
  Op& o = c.g.ops[0];
  o.weights = {1, 2, 3, 4, /* oc 1 */ -1, 0, 0, 1};  // OHWI
  o.bias = {0.5f, -1.f};
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto y = run_case<float>(c, {x}, KernelImpl::Reference, 1);
  ASSERT_EQ(y.size(), 18u);
  // oc0 at (0,0): 1*1 + 2*2 + 3*4 + 4*5 + 0.5 = 37.5; at (2,2): 1*9 + 0.5 = 9.5;
  // at (0,2): 1*3 + 3*6 + 0.5 = 21.5. oc1 at (0,0): -1 + 5 - 1 = 3; at (2,2): -9 - 1 = -10.
  EXPECT_FLOAT_EQ(y[0], 37.5f);
  EXPECT_FLOAT_EQ(y[1], 3.f);
  EXPECT_FLOAT_EQ(y[2 * 2], 21.5f);
  EXPECT_FLOAT_EQ(y[8 * 2], 9.5f);
  EXPECT_FLOAT_EQ(y[8 * 2 + 1], -10.f);
  o.act = Act::ReLU;
  const auto r = run_case<float>(c, {x}, KernelImpl::Reference, 1);
  EXPECT_FLOAT_EQ(r[8 * 2 + 1], 0.f);
  o.act = Act::LeakyReLU;
  o.leaky_alpha = 0.1f;
  const auto l = run_case<float>(c, {x}, KernelImpl::Reference, 1);
  EXPECT_FLOAT_EQ(l[8 * 2 + 1], -1.f);
  o.act = Act::ReLU6;
  const auto r6 = run_case<float>(c, {x}, KernelImpl::Reference, 1);
  EXPECT_FLOAT_EQ(r6[0], 6.f);
}

TEST(ReferenceKernels, FloatPoolsExcludePadding) {
  Op op;
  op.type = OpType::AvgPool;
  op.name = "avg";
  op.kernel_h = op.kernel_w = 3;
  op.stride_h = op.stride_w = 2;
  op.pad = {1, 1, 1, 1};
  test::OpCase c = make_case(op, {{2, 2, 1}}, 2);
  const auto y = run_case<float>(c, {{1, 2, 3, 4}}, KernelImpl::Reference, 1);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_FLOAT_EQ(y[0], 2.5f);  // (1+2+3+4)/4, the 5 padding cells not counted
  c.g.ops[0].type = OpType::MaxPool;
  EXPECT_FLOAT_EQ(run_case<float>(c, {{1, -2, 3, 4}}, KernelImpl::Reference, 1)[0], 4.f);
}

TEST(ReferenceKernels, Int8AvgPoolRoundsHalfAwayFromZero) {
  Op op;
  op.type = OpType::AvgPool;
  op.name = "avg";
  op.kernel_h = 1;
  op.kernel_w = 2;
  op.stride_h = 1;
  op.stride_w = 2;
  test::OpCase c = make_case(op, {{1, 6, 1}}, 3, /*same_quant_in_out=*/true);
  const auto y = run_case<int8_t>(c, {{-3, -2, 3, 2, -128, -127}}, KernelImpl::Reference, 1);
  ASSERT_EQ(y.size(), 3u);
  EXPECT_EQ(y[0], -3);    // -2.5 -> -3
  EXPECT_EQ(y[1], 3);     // 2.5 -> 3
  EXPECT_EQ(y[2], -128);  // -127.5 -> -128
}

TEST(ReferenceKernels, Int8ConvMatchesHandComputation) {
  // 1x1 conv, one input and one output channel: acc = bias + (x - zp_in) * w.
  Op op = test::conv_op(1, 1, 1, 1, {}, Act::ReLU, "conv");
  test::OpCase c = make_case(op, {{1, 3, 1}}, 4);
  c.g.tensors[0].quant = {0.5f, 2};
  c.g.tensors[1].quant = {1.0f, -10};
  Op& o = c.g.ops[0];
  o.qweights = {3};
  o.weight_scales = {0.25f};  // multiplier 0.5 * 0.25 / 1 = 0.125
  o.qbias = {4};
  // x = 10: acc = 4 + 8*3 = 28 -> 3.5 -> 4 (tie up) -> +zp = -6.
  // x = -40: acc = 4 - 42*3 = -122 -> -15.25 -> -15 -> -25, clamped by ReLU to zp = -10.
  // x = 2: acc = 4 -> 0.5 -> 1 -> -9.
  const auto y = run_case<int8_t>(c, {{10, -40, 2}}, KernelImpl::Reference, 1);
  EXPECT_EQ(y[0], -6);
  EXPECT_EQ(y[1], -10);
  EXPECT_EQ(y[2], -9);
  // Fused LeakyReLU (alpha 0.1): -15 -> -1.5 -> -2 (away from zero) -> -12.
  o.act = Act::LeakyReLU;
  o.leaky_alpha = 0.1f;
  const auto l = run_case<int8_t>(c, {{10, -40, 2}}, KernelImpl::Reference, 1);
  EXPECT_EQ(l[0], -6);
  EXPECT_EQ(l[1], -12);
}

TEST(ReferenceKernels, Int8AddUsesTfliteScheme) {
  Op op;
  op.type = OpType::Add;
  op.name = "add";
  test::OpCase c = make_case(op, {{1, 1, 3}, {1, 1, 3}}, 5);
  c.g.tensors[0].quant = {0.1f, 0};
  c.g.tensors[1].quant = {0.1f, 0};
  c.g.tensors[2].quant = {0.2f, 0};
  // (a + b) * 0.1 / 0.2: 10 + 20 -> 15; -3 + 0 -> -1.5 -> -2 (half away from zero); 127+127 -> 127.
  const auto y = run_case<int8_t>(c, {{10, -3, 127}, {20, 0, 127}}, KernelImpl::Reference, 1);
  EXPECT_EQ(y[0], 15);
  EXPECT_EQ(y[1], -2);
  EXPECT_EQ(y[2], 127);
}

TEST(ReferenceKernels, RejectsBadCalls) {
  Op bn;
  bn.type = OpType::BatchNorm;
  bn.name = "bn";
  test::OpCase c = make_case(bn, {{2, 2, 3}}, 6);
  std::vector<int8_t> x(12), y(12);
  const void* in[] = {x.data()};
  Int8OpParams q;
  q.inputs = {c.g.tensors[0].quant};
  q.output = c.g.tensors[1].quant;
  q.multiplier = {1 << 30};
  q.shift = {0};
  EXPECT_THROW(run_op(c.the_op(), c.geo(), DType::Int8, in, y.data(), KernelContext{}, &q),
               std::invalid_argument);
  // A dense conv cannot run in place; int8 needs params.
  Op conv = test::conv_op(3, 3, 1, 1, {1, 1, 1, 1}, Act::None, "dense");
  test::OpCase d = make_case(conv, {{2, 2, 3}}, 7);
  const void* alias[] = {y.data()};
  EXPECT_THROW(run_op(d.the_op(), d.geo(), DType::Int8, alias, y.data(), KernelContext{},
                      nullptr),
               std::invalid_argument);
  const Int8OpParams qd = prepare_int8(d.g, 0);
  EXPECT_THROW(run_op(d.the_op(), d.geo(), DType::Int8, alias, y.data(), KernelContext{}, &qd),
               std::invalid_argument);
  EXPECT_FALSE(op_can_run_in_place(d.the_op()));
}

}  // namespace
}  // namespace tinydet
