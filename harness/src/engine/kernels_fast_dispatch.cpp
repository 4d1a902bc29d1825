// Fast-path routing: which ops have a fast kernel, and the scratch each needs. Ops without
// one (cheap data movement: avg pools, concat, resize, reshape, activation) use the
// reference.
#include "kernel_internal.h"
#include "parallel.h"

namespace tinydet::kernels {

namespace {

bool is_gemm_op(const Op& op, const OpGeometry& geo) {
  return op.type == OpType::FullyConnected || (op.type == OpType::Conv2D && !is_depthwise(op, geo));
}

}  // namespace

bool fast_float(const Op& op, const OpGeometry& geo, const float* const* in, float* out,
                const KernelContext& ctx) {
  if (is_gemm_op(op, geo)) return fast_conv_float(op, geo, in[0], out, ctx);
  if (op.type == OpType::Conv2D) {
    const size_t slot_bytes = fast_depthwise_row_scratch_bytes(op, geo, DType::Float32);
    const int64_t row = int64_t(geo.output.w) * geo.output.c;
    parallel_ranges(ctx, geo.output.h, window_work(op, geo), [&](int64_t y0, int64_t y1, int slot) {
      fast_depthwise_rows_float(op, geo, in[0], int(y0), int(y1), out + y0 * row,
                                ctx.scratch + size_t(slot) * slot_bytes);
    });
    return true;
  }
  if (op.type == OpType::MaxPool) return fast_max_pool_float(op, geo, in[0], out, ctx);
  return false;
}

bool fast_int8(const Op& op, const OpGeometry& geo, const int8_t* const* in, int8_t* out,
               const KernelContext& ctx, const Int8OpParams& q) {
  if (is_gemm_op(op, geo)) return fast_conv_int8(op, geo, in[0], out, ctx, q);
  if (op.type == OpType::Conv2D) {
    const int64_t row = int64_t(geo.output.w) * geo.output.c;
    parallel_ranges(ctx, geo.output.h, window_work(op, geo), [&](int64_t y0, int64_t y1, int) {
      fast_depthwise_rows_int8(op, geo, in[0], int(y0), int(y1), out + y0 * row, nullptr, q);
    });
    return true;
  }
  if (op.type == OpType::Add) return fast_add_int8(geo, in[0], in[1], out, ctx, q);
  if (op.type == OpType::MaxPool) return fast_max_pool_int8(op, geo, in[0], out, ctx, q);
  return false;
}

size_t fast_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, int slots) {
  if (is_gemm_op(op, geo))
    return dtype == DType::Int8 ? fast_conv_int8_scratch_bytes(op, geo, slots)
                                : fast_conv_float_scratch_bytes(op, geo, slots);
  if (op.type == OpType::Conv2D) return size_t(slots) * fast_depthwise_row_scratch_bytes(op, geo, dtype);
  return 0;
}

}  // namespace tinydet::kernels
