// Fast-path routing: which ops have a fast kernel, and the scratch each needs.
#include "kernel_internal.h"

namespace tinydet::kernels {

bool fast_float(const Op& op, const OpGeometry& geo, const float* const* in, float* out,
                const KernelContext& ctx) {
  return false;
}

bool fast_int8(const Op& op, const OpGeometry& geo, const int8_t* const* in, int8_t* out,
               const KernelContext& ctx, const Int8OpParams& q) {
  return false;
}

size_t fast_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype) { return 0; }

void fast_depthwise_rows_float(const Op& op, const OpGeometry& geo, const float* in, int oy_begin,
                               int oy_end, float* out, uint8_t* row_scratch) {
  const int64_t row = int64_t(geo.output.w) * geo.output.c;
  for (int oy = oy_begin; oy < oy_end; ++oy)
    reference_depthwise_row_float(op, geo, in, oy, out + (oy - oy_begin) * row);
}

void fast_depthwise_rows_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int oy_begin,
                              int oy_end, int8_t* out, uint8_t* row_scratch,
                              const Int8OpParams& q) {
  const int64_t row = int64_t(geo.output.w) * geo.output.c;
  for (int oy = oy_begin; oy < oy_end; ++oy)
    reference_depthwise_row_int8(op, geo, in, oy, out + (oy - oy_begin) * row, q);
}

size_t fast_depthwise_row_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype) {
  return 0;
}

}  // namespace tinydet::kernels
