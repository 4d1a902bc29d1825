// Internal interfaces between the engine's kernel files (not part of the plugin SDK).
//
// kernels_dispatch.cpp owns run_op / op_scratch_bytes and routes each op to the reference
// kernels (kernels_reference_*.cpp) or the fast paths (kernels_fast_*.cpp). Depthwise
// convolutions are also exposed one output row at a time so that the in-place driver
// (depthwise_in_place.cpp) can run either implementation over a ring of rows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "function_ref.h"
#include "int8_math.h"
#include "tinydet/kernels.h"

namespace tinydet::kernels {

[[noreturn]] void fail(const Op& op, const std::string& what);

/// True for a Conv2D whose every input channel is its own group with one output channel.
bool is_depthwise(const Op& op, const OpGeometry& geo);

/// The int8 conv / FC epilogue for an op (output zero point, clamp, fused LeakyReLU).
int8::Requant make_requant(const Op& op, const Int8OpParams& q);

/// Max, sum and count of channel `c` over the cells of output (oy, ox)'s pooling window
/// that lie inside the input (padding cells are ignored, not counted).
template <typename Acc>
struct WindowStats {
  Acc best, sum;
  int count;
};
template <typename T, typename Acc>
WindowStats<Acc> pool_window(const Op& op, const OpGeometry& geo, const T* in, int oy, int ox,
                                int c, Acc lowest) {
  const Shape& x = geo.inputs[0];
  WindowStats<Acc> s{lowest, Acc(0), 0};
  for (int ky = 0; ky < op.kernel_h; ++ky)
    for (int kx = 0; kx < op.kernel_w; ++kx) {
      const int iy = oy * op.stride_h - geo.pad.top + ky;
      const int ix = ox * op.stride_w - geo.pad.left + kx;
      if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
      const Acc v = Acc(in[(int64_t(iy) * x.w + ix) * x.c + c]);
      s.best = std::max(s.best, v);
      s.sum += v;
      ++s.count;
    }
  return s;
}

// --- reference kernels: naive loops, the specification ----------------------------------
void reference_float(const Op& op, const OpGeometry& geo, const float* const* in, float* out);
void reference_int8(const Op& op, const OpGeometry& geo, const int8_t* const* in, int8_t* out,
                    const Int8OpParams& q);

/// One output row `oy` of a depthwise conv (reference), written to `out_row`
/// (geo.output.w * c values). Reads only `in`.
void reference_depthwise_row_float(const Op& op, const OpGeometry& geo, const float* in, int oy,
                                   float* out_row);
void reference_depthwise_row_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int oy,
                                  int8_t* out_row, const Int8OpParams& q);

// --- fast paths ------------------------------------------------------------------------
/// Runs the fast path of the op if there is one; returns false to fall back to reference.
bool fast_float(const Op& op, const OpGeometry& geo, const float* const* in, float* out,
                const KernelContext& ctx);
bool fast_int8(const Op& op, const OpGeometry& geo, const int8_t* const* in, int8_t* out,
               const KernelContext& ctx, const Int8OpParams& q);
/// Scratch bytes the fast path of this op needs out of place with `slots` workers (0 if
/// it has none).
size_t fast_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, int slots);

/// Fast depthwise rows, with `row_scratch` of fast_depthwise_row_scratch_bytes bytes.
void fast_depthwise_rows_float(const Op& op, const OpGeometry& geo, const float* in, int oy_begin,
                               int oy_end, float* out, uint8_t* row_scratch);
void fast_depthwise_rows_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int oy_begin,
                              int oy_end, int8_t* out, uint8_t* row_scratch,
                              const Int8OpParams& q);
size_t fast_depthwise_row_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype);

/// Dense / grouped Conv2D and FullyConnected (kernels_fast_conv_*.cpp).
bool fast_conv_float(const Op& op, const OpGeometry& geo, const float* in, float* out,
                     const KernelContext& ctx);
size_t fast_conv_float_scratch_bytes(const Op& op, const OpGeometry& geo, int slots);
bool fast_conv_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
                    const KernelContext& ctx, const Int8OpParams& q);
size_t fast_conv_int8_scratch_bytes(const Op& op, const OpGeometry& geo, int slots);
bool fast_max_pool_float(const Op& op, const OpGeometry& geo, const float* in, float* out,
                         const KernelContext& ctx);
bool fast_max_pool_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
                        const KernelContext& ctx, const Int8OpParams& q);
bool fast_add_int8(const OpGeometry& geo, const int8_t* a, const int8_t* b, int8_t* out,
                   const KernelContext& ctx, const Int8OpParams& q);

/// Weight packing done once by prepare_int8 (into q.packed_weights / packed_bias).
/// `in` is the op's input shape; no-ops when the op has no int8 weights yet.
void pack_int8_conv_weights(const Op& op, const Shape& in, int32_t in_zp, Int8OpParams& q);
void pack_int8_depthwise_weights(const Op& op, Int8OpParams& q);

// --- in-place depthwise ------------------------------------------------------------------
/// Output rows the ring must hold so that a depthwise conv can write its output over its
/// input: row r is written back only once no later output row reads input bytes it covers.
int in_place_ring_rows(const Op& op, const OpGeometry& geo);

/// Computes output row `oy` into `row` (geo.output.w * c elements of the dtype), reading the
/// (still intact) input; `row_scratch` is per-row working memory.
using DepthwiseRowFn = FunctionRef<void(int oy, void* row, uint8_t* row_scratch)>;
/// Runs a depthwise conv with output == input through a ring of `ring_rows` rows placed at
/// the start of `scratch`, followed by `row_scratch_bytes` of per-row working memory.
void run_depthwise_in_place(const Op& op, const OpGeometry& geo, DType dtype, void* buffer,
                            uint8_t* scratch, size_t scratch_bytes, size_t row_scratch_bytes,
                            const DepthwiseRowFn& row_fn);

}  // namespace tinydet::kernels
