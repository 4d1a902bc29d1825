// Helpers for kernel tests: single-op graphs with random (seeded) weights and quant
// params, and runners for both kernel implementations.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tinydet/graph.h"
#include "tinydet/kernels.h"

namespace tinydet::test {

/// One op with its input tensors (ids 0..n-1) and output tensor (id n), quantised.
struct OpCase {
  Graph g;
  int op = 0;
  const Op& the_op() const { return g.ops[op]; }
  OpGeometry geo() const { return geometry_of(g, op); }
};

inline Shape conv_out(const Shape& x, const Op& op) {
  return {window_output_size(x.h, op.kernel_h, op.stride_h, op.pad.top, op.pad.bottom),
          window_output_size(x.w, op.kernel_w, op.stride_w, op.pad.left, op.pad.right),
          op.type == OpType::Conv2D ? op.out_channels : x.c};
}

inline Shape output_shape(const Op& op, const std::vector<Shape>& in) {
  switch (op.type) {
    case OpType::Conv2D:
    case OpType::MaxPool:
    case OpType::AvgPool: return conv_out(in[0], op);
    case OpType::Concat: {
      Shape s = in[0];
      s.c = 0;
      for (const auto& x : in) s.c += x.c;
      return s;
    }
    case OpType::GlobalAvgPool: return {1, 1, in[0].c};
    case OpType::FullyConnected: return {1, 1, op.out_channels};
    case OpType::Reshape: return op.reshape_to;
    case OpType::Resize: return {in[0].h * op.resize_scale, in[0].w * op.resize_scale, in[0].c};
    default: return in[0];
  }
}

/// Builds the case: random float weights / bias / BN, random quant params, int8 weights.
inline OpCase make_case(Op op, const std::vector<Shape>& inputs, uint64_t seed,
                        bool same_quant_in_out = false) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  std::uniform_real_distribution<float> scale_dist(0.01f, 0.08f);
  std::uniform_int_distribution<int> zp_dist(-30, 30);
  OpCase c;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor t;
    t.name = "in" + std::to_string(i);
    t.shape = inputs[i];
    t.quant = {scale_dist(rng), zp_dist(rng)};
    c.g.tensors.push_back(t);
    op.inputs.push_back(int(i));
  }
  Tensor out;
  out.name = "out";
  out.shape = output_shape(op, inputs);
  out.producer = 0;
  out.quant = same_quant_in_out ? c.g.tensors[0].quant : QuantParams{scale_dist(rng), zp_dist(rng)};
  op.output = int(inputs.size());
  const int in_c = inputs[0].c;
  if (op.type == OpType::Conv2D || op.type == OpType::FullyConnected) {
    const int64_t per_oc = op.type == OpType::Conv2D
                               ? int64_t(op.kernel_h) * op.kernel_w * (in_c / op.groups)
                               : inputs[0].elements();
    op.weights.resize(size_t(per_oc * op.out_channels));
    const float w_range = 1.f / std::sqrt(float(per_oc));
    for (float& w : op.weights) w = uni(rng) * w_range;
    op.bias.resize(size_t(op.out_channels));
    for (float& b : op.bias) b = 0.2f * uni(rng);
    // Per-channel symmetric quantisation, as the quantizer does it.
    const float in_scale = c.g.tensors[0].quant.scale;
    op.qweights.resize(op.weights.size());
    op.weight_scales.resize(size_t(op.out_channels));
    op.qbias.resize(size_t(op.out_channels));
    for (int oc = 0; oc < op.out_channels; ++oc) {
      float m = 1e-6f;
      for (int64_t k = 0; k < per_oc; ++k) m = std::max(m, std::abs(op.weights[oc * per_oc + k]));
      const float ws = m / 127.f;
      op.weight_scales[oc] = ws;
      for (int64_t k = 0; k < per_oc; ++k)
        op.qweights[oc * per_oc + k] = int8_t(std::lround(op.weights[oc * per_oc + k] / ws));
      op.qbias[oc] = int32_t(std::lround(op.bias[oc] / (in_scale * ws)));
    }
    // Output scale so that typical outputs use a good part of the int8 range.
    const float typical = in_scale * 64.f * std::sqrt(float(per_oc)) * w_range;
    if (!same_quant_in_out) out.quant.scale = std::max(1e-4f, typical / 40.f);
  }
  if (op.type == OpType::BatchNorm) {
    for (int ch = 0; ch < in_c; ++ch) {
      op.bn_gamma.push_back(1.f + 0.3f * uni(rng));
      op.bn_beta.push_back(0.2f * uni(rng));
      op.bn_mean.push_back(0.2f * uni(rng));
      op.bn_var.push_back(1.f + 0.5f * uni(rng));
    }
  }
  c.g.tensors.push_back(out);
  c.g.ops.push_back(op);
  c.g.input = 0;
  c.g.outputs.push_back({"out", op.output});
  c.g.quantized = true;
  return c;
}

inline std::vector<float> random_floats(int64_t n, uint64_t seed, float lo = -2.f, float hi = 2.f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = d(rng);
  return v;
}

inline std::vector<int8_t> random_int8(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> v(static_cast<size_t>(n));
  for (int8_t& x : v) x = int8_t(d(rng));
  return v;
}

/// Runs the op out of place with exactly op_scratch_bytes of scratch (plus a guard that
/// must stay untouched).
template <typename T>
std::vector<T> run_case(const OpCase& c, const std::vector<std::vector<T>>& inputs, KernelImpl impl,
                        int threads, const OpGeometry* geo_override = nullptr) {
  const DType dtype = std::is_same_v<T, float> ? DType::Float32 : DType::Int8;
  const OpGeometry geo = geo_override ? *geo_override : c.geo();
  const Op& op = c.the_op();
  const size_t scratch = op_scratch_bytes(op, geo, dtype, impl);
  constexpr size_t guard = 64;
  std::vector<uint8_t> buf(scratch + guard, 0xA5);
  KernelContext ctx;
  ctx.impl = impl;
  ctx.threads = threads;
  ctx.scratch = scratch > 0 ? buf.data() : nullptr;
  ctx.scratch_bytes = scratch;
  std::vector<const void*> ptrs;
  for (const auto& v : inputs) ptrs.push_back(v.data());
  std::vector<T> out(size_t(geo.output.elements()));
  Int8OpParams q;
  if (dtype == DType::Int8) q = prepare_int8(c.g, c.op);
  run_op(op, geo, dtype, ptrs.data(), out.data(), ctx, dtype == DType::Int8 ? &q : nullptr);
  for (size_t i = scratch; i < buf.size(); ++i)
    EXPECT_EQ(buf[i], 0xA5) << "scratch overrun by " << op.name;
  return out;
}

inline void expect_close(const std::vector<float>& fast, const std::vector<float>& ref,
                         const std::string& what) {
  ASSERT_EQ(fast.size(), ref.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < ref.size() && bad < 5; ++i)
    if (!(std::abs(fast[i] - ref[i]) <= 1e-5f * std::max(1.f, std::abs(ref[i])))) {
      ADD_FAILURE() << what << " [" << i << "]: fast " << fast[i] << " vs reference " << ref[i];
      ++bad;
    }
}

inline void expect_equal(const std::vector<int8_t>& fast, const std::vector<int8_t>& ref,
                         const std::string& what) {
  ASSERT_EQ(fast.size(), ref.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < ref.size() && bad < 5; ++i)
    if (fast[i] != ref[i]) {
      ADD_FAILURE() << what << " [" << i << "]: fast " << int(fast[i]) << " vs reference "
                    << int(ref[i]);
      ++bad;
    }
}

inline Op conv_op(int out_c, int k, int stride, int groups, Padding pad, Act act,
                  const std::string& name, int kw = -1) {
  Op op;
  op.type = OpType::Conv2D;
  op.name = name;
  op.kernel_h = k;
  op.kernel_w = kw < 0 ? k : kw;
  op.stride_h = op.stride_w = stride;
  op.groups = groups;
  op.out_channels = out_c;
  op.pad = pad;
  op.act = act;
  op.leaky_alpha = 0.1f;
  return op;
}

}  // namespace tinydet::test
