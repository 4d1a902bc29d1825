// Fast paths against the reference kernels over many shapes: int8 bit-exact, float within
// 1e-5 relative; two threads must equal one thread bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "kernel_test_util.h"

namespace tinydet {
namespace {

using test::make_case;
using test::OpCase;
using test::run_case;

struct NamedCase {
  std::string name;
  OpCase c;
};

void check_case(const OpCase& c, const std::string& name, uint64_t seed) {
  const OpGeometry geo = c.geo();
  std::vector<std::vector<float>> fin;
  std::vector<std::vector<int8_t>> qin;
  for (size_t i = 0; i < geo.inputs.size(); ++i) {
    fin.push_back(test::random_floats(geo.inputs[i].elements(), seed + i));
    qin.push_back(test::random_int8(geo.inputs[i].elements(), seed + 100 + i));
  }
  if (c.the_op().type != OpType::BatchNorm) {
    const auto ref = run_case<int8_t>(c, qin, KernelImpl::Reference, 1);
    const auto fast1 = run_case<int8_t>(c, qin, KernelImpl::Fast, 1);
    const auto fast2 = run_case<int8_t>(c, qin, KernelImpl::Fast, 2);
    test::expect_equal(fast1, ref, name + " int8 fast(1 thread)");
    test::expect_equal(fast2, fast1, name + " int8 fast(2 threads)");
  }
  const auto ref = run_case<float>(c, fin, KernelImpl::Reference, 1);
  const auto fast1 = run_case<float>(c, fin, KernelImpl::Fast, 1);
  const auto fast2 = run_case<float>(c, fin, KernelImpl::Fast, 2);
  test::expect_close(fast1, ref, name + " float fast(1 thread)");
  EXPECT_EQ(fast2, fast1) << name << " float: 2 threads differ from 1";
}

std::string conv_name(const Shape& x, const Op& op) {
  return "conv " + std::to_string(x.h) + "x" + std::to_string(x.w) + "x" + std::to_string(x.c) +
         " k" + std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w) + " s" +
         std::to_string(op.stride_h) + " g" + std::to_string(op.groups) + " oc" +
         std::to_string(op.out_channels) + " pad" + std::to_string(op.pad.top) +
         std::to_string(op.pad.left) + std::to_string(op.pad.bottom) +
         std::to_string(op.pad.right) + " " + act_name(op.act);
}

TEST(FastKernels, ConvolutionsMatchReference) {
  struct ConvSpec {
    Shape x;
    int out_c, k, stride, groups;
    Padding pad;
    int kw = -1;
  };
  const std::vector<ConvSpec> specs = {
      // pointwise (GEMM) shapes, incl. odd channel counts
      {{7, 9, 8}, 48, 1, 1, 1, {}},
      {{6, 5, 48}, 8, 1, 1, 1, {}},
      {{5, 5, 16}, 96, 1, 1, 1, {}},
      {{3, 7, 96}, 16, 1, 1, 1, {}},
      {{4, 4, 13}, 7, 1, 1, 1, {}},
      {{5, 6, 33}, 17, 1, 2, 1, {}},
      {{1, 1, 5}, 3, 1, 1, 1, {}},
      // dense 3x3 and 5x5, first-layer like
      {{11, 13, 3}, 16, 3, 2, 1, {1, 1, 1, 1}},
      {{12, 12, 3}, 16, 3, 2, 1, {0, 0, 1, 1}},
      {{9, 9, 16}, 32, 3, 1, 1, {1, 1, 1, 1}},
      {{8, 10, 24}, 20, 3, 1, 1, {2, 0, 1, 3}},
      {{7, 7, 5}, 9, 5, 1, 1, {2, 2, 2, 2}},
      {{9, 8, 6}, 10, 5, 2, 1, {1, 2, 0, 2}},
      {{6, 7, 4}, 6, 3, 1, 1, {0, 1, 2, 0}, 1},  // 3x1 kernel
      // depthwise
      {{12, 12, 16}, 16, 3, 1, 16, {1, 1, 1, 1}},
      {{13, 11, 48}, 48, 3, 2, 48, {1, 1, 1, 1}},
      {{10, 10, 24}, 24, 3, 2, 24, {0, 0, 1, 1}},
      {{9, 7, 20}, 20, 5, 1, 20, {2, 2, 2, 2}},
      {{11, 12, 7}, 7, 5, 2, 7, {1, 2, 3, 0}},
      {{5, 6, 3}, 3, 3, 1, 3, {0, 0, 0, 0}},
      {{3, 3, 33}, 33, 3, 1, 33, {1, 1, 1, 1}},
      {{5, 5, 1280}, 1280, 3, 1, 1280, {1, 1, 1, 1}},  // SSDLite's head on the 1280-channel map
      // grouped
      {{8, 8, 12}, 24, 3, 1, 4, {1, 1, 1, 1}},
      {{7, 9, 16}, 8, 1, 1, 2, {}},
      {{6, 6, 6}, 6, 3, 2, 3, {1, 0, 1, 0}},
  };
  const Act acts[] = {Act::None, Act::ReLU, Act::ReLU6, Act::LeakyReLU};
  uint64_t seed = 1000;
  for (const ConvSpec& s : specs)
    for (Act a : acts) {
      Op op = test::conv_op(s.out_c, s.k, s.stride, s.groups, s.pad, a, "conv", s.kw);
      const OpCase c = make_case(op, {s.x}, ++seed);
      check_case(c, conv_name(s.x, op), seed);
    }
}

TEST(FastKernels, OtherOpsMatchReference) {
  uint64_t seed = 5000;
  auto check = [&](const Op& op, const std::vector<Shape>& shapes, const std::string& name,
                   bool same_quant = false) {
    ++seed;
    check_case(make_case(op, shapes, seed, same_quant), name, seed);
  };
  auto simple = [](OpType t, const std::string& name) {
    Op op;
    op.type = t;
    op.name = name;
    return op;
  };
  for (Act a : {Act::None, Act::ReLU, Act::ReLU6, Act::LeakyReLU}) {
    Op act = simple(OpType::Activation, "act");
    act.act = a;
    check(act, {{5, 7, 13}}, std::string("activation ") + act_name(a));
    Op add = simple(OpType::Add, "add");
    add.act = a;
    check(add, {{6, 5, 19}, {6, 5, 19}}, std::string("add ") + act_name(a));
    Op fc = simple(OpType::FullyConnected, "fc");
    fc.out_channels = 37;
    fc.act = a;
    check(fc, {{3, 2, 50}}, std::string("fc ") + act_name(a));
    Op bn = simple(OpType::BatchNorm, "bn");
    bn.act = a;
    check(bn, {{4, 5, 11}}, std::string("bn ") + act_name(a));
  }
  check(simple(OpType::Concat, "concat"), {{4, 5, 3}, {4, 5, 16}, {4, 5, 9}}, "concat");
  for (bool same : {false, true}) {
    for (OpType t : {OpType::MaxPool, OpType::AvgPool}) {
      for (int k : {2, 3}) {
        Op p = simple(t, "pool");
        p.kernel_h = p.kernel_w = k;
        p.stride_h = p.stride_w = 2;
        p.pad = k == 3 ? Padding{1, 1, 1, 1} : Padding{0, 0, 1, 1};
        check(p, {{9, 10, 12}}, op_type_name(t), same);
      }
    }
    for (OpType t : {OpType::MaxPool, OpType::AvgPool}) {
      Op p = simple(t, "pool wide");  // > 64 channels; windows entirely in padding
      p.kernel_h = p.kernel_w = 2;
      p.stride_h = p.stride_w = 1;
      p.pad = {2, 1, 2, 3};
      check(p, {{5, 4, 70}}, std::string(op_type_name(t)) + " all-padding windows", same);
    }
    check(simple(OpType::GlobalAvgPool, "gap"), {{7, 6, 21}}, "global avg pool", same);
    Op r = simple(OpType::Resize, "resize");
    r.resize_scale = 2;
    check(r, {{5, 3, 10}}, "resize", same);
    Op rs = simple(OpType::Reshape, "reshape");
    rs.reshape_to = {1, 1, 60};
    check(rs, {{3, 4, 5}}, "reshape", same);
    check(simple(OpType::Dropout, "dropout"), {{3, 4, 5}}, "dropout", same);
  }
}

}  // namespace
}  // namespace tinydet

namespace tinydet {
namespace {

// Output scales small enough that requantisation multipliers exceed 1 (positive shifts,
// as trained models with folded BatchNorm have): the vector requantisation shifts left
// with saturation and must still match the reference bit for bit.
TEST(FastKernels, LargeMultipliersMatchReference) {
  uint64_t seed = 7000;
  const std::vector<Op> ops = {
      test::conv_op(24, 1, 1, 1, {}, Act::LeakyReLU, "pw"),
      test::conv_op(16, 3, 2, 1, {1, 1, 1, 1}, Act::ReLU, "dense"),
      test::conv_op(16, 3, 1, 16, {1, 1, 1, 1}, Act::LeakyReLU, "dw"),
  };
  for (const Op& op : ops) {
    test::OpCase c = test::make_case(op, {{7, 6, 16}}, ++seed);
    c.g.tensors[1].quant.scale = c.g.tensors[0].quant.scale * c.g.ops[0].weight_scales[0] * 0.3f;
    const Int8OpParams q = prepare_int8(c.g, 0);
    ASSERT_GT(*std::max_element(q.shift.begin(), q.shift.end()), 0) << op.name;
    const auto x = test::random_int8(c.geo().inputs[0].elements(), seed);
    test::expect_equal(test::run_case<int8_t>(c, {x}, KernelImpl::Fast, 1),
                       test::run_case<int8_t>(c, {x}, KernelImpl::Reference, 1),
                       op.name + " with multipliers > 1");
  }
}

// Int8OpParams built without prepare_int8's packed weights: the fast path falls back to
// the reference instead of reading missing data.
TEST(FastKernels, UnpackedParamsFallBackToReference) {
  for (int groups : {1, 8}) {
    Op op = test::conv_op(8, 3, 1, groups, {1, 1, 1, 1}, Act::ReLU6, "conv");
    const test::OpCase c = test::make_case(op, {{5, 5, 8}}, 7100 + groups);
    Int8OpParams q = prepare_int8(c.g, 0);
    EXPECT_FALSE(q.packed_weights.empty());
    const auto expected = test::run_case<int8_t>(c, {test::random_int8(200, 3)}, KernelImpl::Reference, 1);
    q.packed_weights.clear();
    q.packed_bias.clear();
    const auto x = test::random_int8(200, 3);
    std::vector<int8_t> y(expected.size());
    const OpGeometry geo = c.geo();
    std::vector<uint8_t> scratch(op_scratch_bytes(c.the_op(), geo, DType::Int8, KernelImpl::Fast) + 1);
    KernelContext ctx;
    ctx.scratch = scratch.data();
    ctx.scratch_bytes = scratch.size();
    const void* in[] = {x.data()};
    run_op(c.the_op(), geo, DType::Int8, in, y.data(), ctx, &q);
    EXPECT_EQ(y, expected) << "groups " << groups;
  }
}

}  // namespace
}  // namespace tinydet

namespace tinydet {
namespace {

// Shapes with enough work that the fast paths really split across two workers.
TEST(FastKernels, TwoThreadsMatchOneOnLargeShapes) {
  uint64_t seed = 8000;
  auto same_for_threads = [&](const Op& op, const Shape& x, const std::string& name) {
    ++seed;
    const test::OpCase c = test::make_case(op, {x}, seed);
    const std::vector<std::vector<int8_t>> qx = {test::random_int8(x.elements(), seed)};
    const std::vector<std::vector<float>> fx = {test::random_floats(x.elements(), seed)};
    test::expect_equal(test::run_case<int8_t>(c, qx, KernelImpl::Fast, 2),
                       test::run_case<int8_t>(c, qx, KernelImpl::Fast, 1), name + " int8");
    EXPECT_EQ(test::run_case<float>(c, fx, KernelImpl::Fast, 2),
              test::run_case<float>(c, fx, KernelImpl::Fast, 1))
        << name << " float";
    test::expect_equal(test::run_case<int8_t>(c, qx, KernelImpl::Fast, 2),
                       test::run_case<int8_t>(c, qx, KernelImpl::Reference, 1),
                       name + " int8 vs reference");
  };
  same_for_threads(test::conv_op(24, 1, 1, 1, {}, Act::ReLU6, "pw"), {30, 31, 16}, "pointwise");
  same_for_threads(test::conv_op(16, 3, 2, 1, {1, 1, 1, 1}, Act::LeakyReLU, "dense"), {41, 40, 3},
                   "dense 3x3 s2");
  same_for_threads(test::conv_op(32, 3, 1, 32, {1, 1, 1, 1}, Act::ReLU6, "dw"), {33, 35, 32},
                   "depthwise");
  Op pool;
  pool.type = OpType::MaxPool;
  pool.name = "pool";
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride_h = pool.stride_w = 2;
  same_for_threads(pool, {97, 96, 24}, "max pool");
  Op fc;
  fc.type = OpType::FullyConnected;
  fc.name = "fc";
  fc.out_channels = 40;
  same_for_threads(fc, {8, 8, 32}, "fully connected");
}

}  // namespace
}  // namespace tinydet
