// In-place runs: depthwise conv (ring of rows in scratch) and elementwise ops must give
// exactly the out-of-place result.
#include <gtest/gtest.h>

#include <cstring>

#include "kernel_test_util.h"

namespace tinydet {
namespace {

template <typename T>
std::vector<T> run_in_place(const test::OpCase& c, const std::vector<T>& input, KernelImpl impl) {
  const DType dtype = std::is_same_v<T, float> ? DType::Float32 : DType::Int8;
  const OpGeometry geo = c.geo();
  const Op& op = c.the_op();
  const size_t scratch = op_scratch_bytes(op, geo, dtype, impl, true);
  constexpr size_t guard = 64;
  std::vector<uint8_t> buf(scratch + guard, 0x5A);
  // The shared buffer holds max(input, output) elements; its tail past the input is junk.
  const size_t n = size_t(std::max(geo.inputs[0].elements(), geo.output.elements()));
  std::vector<T> shared(n, T(7));
  std::copy(input.begin(), input.end(), shared.begin());
  KernelContext ctx;
  ctx.impl = impl;
  ctx.threads = 1;
  ctx.scratch = scratch ? buf.data() : nullptr;
  ctx.scratch_bytes = scratch;
  const void* in[] = {shared.data()};
  Int8OpParams q;
  if (dtype == DType::Int8) q = prepare_int8(c.g, 0);
  run_op(op, geo, dtype, in, shared.data(), ctx, dtype == DType::Int8 ? &q : nullptr);
  for (size_t i = scratch; i < buf.size(); ++i) EXPECT_EQ(buf[i], 0x5A) << "scratch overrun";
  shared.resize(size_t(geo.output.elements()));
  return shared;
}

TEST(InPlaceKernels, DepthwiseInPlaceEqualsOutOfPlace) {
  struct Spec {
    Shape x;
    int k, stride;
    Padding pad;
  };
  const std::vector<Spec> specs = {
      {{9, 9, 16}, 3, 1, {1, 1, 1, 1}},   {{9, 9, 16}, 3, 2, {1, 1, 1, 1}},
      {{10, 10, 8}, 3, 2, {0, 0, 1, 1}},  {{11, 7, 5}, 5, 1, {2, 2, 2, 2}},
      {{11, 7, 5}, 5, 2, {2, 2, 2, 2}},   {{8, 9, 12}, 3, 1, {0, 0, 0, 0}},
      {{7, 8, 6}, 3, 1, {2, 0, 1, 3}},    {{13, 5, 3}, 5, 2, {0, 3, 4, 1}},
      {{6, 6, 24}, 3, 1, {2, 2, 2, 2}},   {{5, 17, 32}, 5, 1, {4, 4, 0, 0}},
      {{1, 1, 4}, 3, 1, {1, 1, 1, 1}},    {{12, 3, 9}, 3, 2, {1, 0, 1, 2}},
  };
  uint64_t seed = 9000;
  for (const Spec& s : specs)
    for (Act a : {Act::ReLU6, Act::LeakyReLU}) {
      Op op = test::conv_op(s.x.c, s.k, s.stride, s.x.c, s.pad, a, "dw");
      const test::OpCase c = test::make_case(op, {s.x}, ++seed);
      ASSERT_TRUE(op_can_run_in_place(c.the_op()));
      const std::string name = "dw " + std::to_string(s.x.h) + "x" + std::to_string(s.x.w) + "x" +
                               std::to_string(s.x.c) + " k" + std::to_string(s.k) + " s" +
                               std::to_string(s.stride) + " pad " + std::to_string(s.pad.top) +
                               std::to_string(s.pad.left) + std::to_string(s.pad.bottom) +
                               std::to_string(s.pad.right);
      const auto qx = test::random_int8(s.x.elements(), seed);
      const auto fx = test::random_floats(s.x.elements(), seed);
      for (KernelImpl impl : {KernelImpl::Reference, KernelImpl::Fast}) {
        const std::string what = name + (impl == KernelImpl::Fast ? " fast" : " reference");
        test::expect_equal(run_in_place<int8_t>(c, qx, impl), test::run_case<int8_t>(c, {qx}, impl, 1),
                           what + " int8");
        EXPECT_EQ(run_in_place<float>(c, fx, impl), test::run_case<float>(c, {fx}, impl, 1))
            << what << " float";
      }
      // The ring stays small: a few rows, not the whole output.
      const OpGeometry geo = c.geo();
      const size_t row = size_t(geo.output.w) * geo.output.c;
      EXPECT_LE(op_scratch_bytes(c.the_op(), geo, DType::Int8, KernelImpl::Reference, true),
                row * size_t(s.k + 2))
          << name;
    }
}

TEST(InPlaceKernels, ElementwiseOpsRunInPlace) {
  uint64_t seed = 9500;
  for (OpType t : {OpType::Activation, OpType::Reshape, OpType::Dropout}) {
    Op op;
    op.type = t;
    op.name = "op";
    op.act = t == OpType::Activation ? Act::LeakyReLU : Act::None;
    op.reshape_to = {1, 1, 60};
    ASSERT_TRUE(op_can_run_in_place(op));
    const test::OpCase c = test::make_case(op, {{3, 4, 5}}, ++seed);
    const auto qx = test::random_int8(60, seed);
    const auto fx = test::random_floats(60, seed);
    for (KernelImpl impl : {KernelImpl::Reference, KernelImpl::Fast}) {
      test::expect_equal(run_in_place<int8_t>(c, qx, impl), test::run_case<int8_t>(c, {qx}, impl, 1),
                         std::string(op_type_name(t)) + " int8");
      EXPECT_EQ(run_in_place<float>(c, fx, impl), test::run_case<float>(c, {fx}, impl, 1));
    }
  }
}

}  // namespace
}  // namespace tinydet
