// run_op and op_scratch_bytes: argument checks, in-place handling, and the routing of each
// op to its reference kernel or fast path.
#include <algorithm>

#include "kernel_internal.h"
#include "parallel.h"

namespace tinydet {

using namespace kernels;

namespace {

bool may_carry_activation(OpType t) {
  return t == OpType::Conv2D || t == OpType::Add || t == OpType::FullyConnected ||
         t == OpType::Activation || t == OpType::BatchNorm;
}

void check_op(const Op& op, const OpGeometry& geo, DType dtype, const Int8OpParams* q) {
  const size_t n_inputs = op.type == OpType::Add ? 2 : (op.type == OpType::Concat ? 0 : 1);
  if (geo.inputs.empty()) fail(op, "geometry has no inputs");
  if (n_inputs != 0 && geo.inputs.size() != n_inputs)
    fail(op, "expects " + std::to_string(n_inputs) + " inputs, geometry has " +
                 std::to_string(geo.inputs.size()));
  if (op.act != Act::None && !may_carry_activation(op.type))
    fail(op, std::string("cannot carry a fused activation (") + act_name(op.act) + ")");
  const Shape& x = geo.inputs[0];
  const Shape& y = geo.output;
  auto expect_output = [&](const Shape& s) {
    if (!(s == y))
      fail(op, "output geometry " + std::to_string(y.h) + "x" + std::to_string(y.w) + "x" +
                   std::to_string(y.c) + " does not match the input (expected " +
                   std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c) +
                   ")");
  };
  switch (op.type) {
    case OpType::Conv2D: {
      if (op.groups < 1 || x.c % op.groups != 0 || op.out_channels % op.groups != 0)
        fail(op, "groups do not divide the channels");
      expect_output({window_output_size(x.h, op.kernel_h, op.stride_h, geo.pad.top, geo.pad.bottom),
                     window_output_size(x.w, op.kernel_w, op.stride_w, geo.pad.left, geo.pad.right),
                     op.out_channels});
      const size_t wsize = size_t(op.out_channels) * op.kernel_h * op.kernel_w * (x.c / op.groups);
      const size_t have = dtype == DType::Int8 ? op.qweights.size() : op.weights.size();
      if (have != wsize)
        fail(op, "has " + std::to_string(have) + " " + dtype_name(dtype) + " weights, expected " +
                     std::to_string(wsize));
      break;
    }
    case OpType::FullyConnected: {
      const size_t wsize = size_t(op.out_channels) * size_t(x.elements());
      const size_t have = dtype == DType::Int8 ? op.qweights.size() : op.weights.size();
      if (have != wsize)
        fail(op, "has " + std::to_string(have) + " " + dtype_name(dtype) + " weights, expected " +
                     std::to_string(wsize));
      expect_output({1, 1, op.out_channels});
      break;
    }
    case OpType::MaxPool:
    case OpType::AvgPool:
      expect_output({window_output_size(x.h, op.kernel_h, op.stride_h, geo.pad.top, geo.pad.bottom),
                     window_output_size(x.w, op.kernel_w, op.stride_w, geo.pad.left, geo.pad.right),
                     x.c});
      break;
    case OpType::Add:
      if (!(geo.inputs[1] == x)) fail(op, "Add of different shapes");
      expect_output(x);
      break;
    case OpType::Concat: {
      int c = 0;
      for (const Shape& s : geo.inputs) {
        if (s.h != y.h || s.w != y.w) fail(op, "Concat of different spatial sizes");
        c += s.c;
      }
      expect_output({y.h, y.w, c});
      break;
    }
    case OpType::GlobalAvgPool: expect_output({1, 1, x.c}); break;
    case OpType::Reshape:
    case OpType::Dropout:
      if (x.elements() != y.elements()) fail(op, "changes the element count");
      break;
    case OpType::Resize:
      if (op.resize_scale < 1) fail(op, "resize scale must be >= 1");
      expect_output({x.h * op.resize_scale, x.w * op.resize_scale, x.c});
      break;
    case OpType::Activation:
    case OpType::BatchNorm: expect_output(x); break;
  }
  if (dtype == DType::Int8) {
    if (op.type == OpType::BatchNorm)
      fail(op, "BatchNorm has no int8 kernel: fold it into the preceding conv first");
    if (q == nullptr) fail(op, "int8 run without Int8OpParams (call prepare_int8)");
    if (q->inputs.size() != geo.inputs.size()) fail(op, "Int8OpParams input count mismatch");
    size_t need = geo.inputs.size();
    if (op.type == OpType::Conv2D || op.type == OpType::FullyConnected)
      need = size_t(op.out_channels) + (op.act == Act::LeakyReLU ? 1 : 0);
    if (op.type == OpType::Add) need = 3;
    if (op.type == OpType::Activation) need = op.act == Act::LeakyReLU ? 2 : 1;
    if (q->multiplier.size() < need || q->shift.size() < need)
      fail(op, "Int8OpParams has " + std::to_string(q->multiplier.size()) +
                   " multipliers, expected " + std::to_string(need));
    if ((op.type == OpType::Conv2D || op.type == OpType::FullyConnected) && !op.qbias.empty() &&
        op.qbias.size() != size_t(op.out_channels))
      fail(op, "qbias size mismatch");
  }
}

}  // namespace

size_t op_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, KernelImpl impl,
                        bool in_place, int threads) {
  if (in_place && is_depthwise(op, geo)) {
    const size_t row_bytes = size_t(geo.output.w) * geo.output.c * dtype_bytes(dtype);
    const size_t row_scratch =
        impl == KernelImpl::Fast ? fast_depthwise_row_scratch_bytes(op, geo, dtype) : 0;
    return size_t(in_place_ring_rows(op, geo)) * row_bytes + row_scratch;
  }
  return impl == KernelImpl::Fast ? fast_scratch_bytes(op, geo, dtype, scratch_slots(threads)) : 0;
}

size_t op_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, KernelImpl impl,
                        bool in_place) {
  return op_scratch_bytes(op, geo, dtype, impl, in_place, kScratchSlots);
}

size_t op_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, KernelImpl impl) {
  return op_scratch_bytes(op, geo, dtype, impl, false, kScratchSlots);
}

void run_op(const Op& op, const OpGeometry& geo, DType dtype, const void* const* inputs,
            void* output, const KernelContext& ctx, const Int8OpParams* q) {
  check_op(op, geo, dtype, q);
  if (inputs == nullptr || output == nullptr) fail(op, "null input or output buffer");
  for (size_t i = 0; i < geo.inputs.size(); ++i)
    if (inputs[i] == nullptr) fail(op, "input " + std::to_string(i) + " is null");
  const bool in_place = output == inputs[0];
  for (size_t i = 1; i < geo.inputs.size(); ++i)
    if (inputs[i] == output) fail(op, "output aliases input " + std::to_string(i));
  if (in_place && !op_can_run_in_place(op)) fail(op, "cannot run in place (output == input)");
  const size_t need = op_scratch_bytes(op, geo, dtype, ctx.impl, in_place, ctx.threads);
  if (need > 0 && (ctx.scratch == nullptr || ctx.scratch_bytes < need))
    fail(op, "needs " + std::to_string(need) + " scratch bytes, context has " +
                 std::to_string(ctx.scratch == nullptr ? 0 : ctx.scratch_bytes));
  const bool fast = ctx.impl == KernelImpl::Fast;

  if (in_place && op.type == OpType::Conv2D) {
    if (!is_depthwise(op, geo)) fail(op, "only a depthwise Conv2D can run in place");
    const size_t row_scratch = fast ? fast_depthwise_row_scratch_bytes(op, geo, dtype) : 0;
    // One output row at a time, read from the (still intact) input rows.
    const auto row_fn = [&](int oy, void* row, uint8_t* rs) {
      if (dtype == DType::Float32) {
        const auto* in = static_cast<const float*>(inputs[0]);
        if (fast) fast_depthwise_rows_float(op, geo, in, oy, oy + 1, static_cast<float*>(row), rs);
        else reference_depthwise_row_float(op, geo, in, oy, static_cast<float*>(row));
      } else {
        const auto* in = static_cast<const int8_t*>(inputs[0]);
        if (fast) fast_depthwise_rows_int8(op, geo, in, oy, oy + 1, static_cast<int8_t*>(row), rs, *q);
        else reference_depthwise_row_int8(op, geo, in, oy, static_cast<int8_t*>(row), *q);
      }
    };
    run_depthwise_in_place(op, geo, dtype, output, ctx.scratch, ctx.scratch_bytes, row_scratch,
                           row_fn);
    return;
  }

  if (dtype == DType::Float32) {
    const auto* const* in = reinterpret_cast<const float* const*>(inputs);
    auto* out = static_cast<float*>(output);
    if (fast && fast_float(op, geo, in, out, ctx)) return;
    reference_float(op, geo, in, out);
  } else {
    const auto* const* in = reinterpret_cast<const int8_t* const*>(inputs);
    auto* out = static_cast<int8_t*>(output);
    if (fast && fast_int8(op, geo, in, out, ctx, *q)) return;
    reference_int8(op, geo, in, out, *q);
  }
}

}  // namespace tinydet
