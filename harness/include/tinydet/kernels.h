// Float32 and int8 kernels for single ops on contiguous NHWC buffers (batch 1).
//
// Every op has two implementations: a naive reference (the specification, used by
// tests) and a fast path (im2col/direct loops the compiler vectorises, oneTBB over rows
// or channels). The fast path must equal the reference bit for bit in int8 and within
// 1e-5 relative in float.
//
// int8 follows TensorFlow Lite's int8 scheme: per-channel symmetric weights, int32 bias,
// per-tensor asymmetric activations, requantisation by a fixed-point multiplier and shift
// with TFLite's rounding (SaturatingRoundingDoublingHighMul + RoundingDivideByPOT), and
// the fused activation applied as a clamp in the quantised domain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tinydet/graph.h"

namespace tinydet {

enum class KernelImpl : uint8_t { Reference = 0, Fast = 1 };

/// Where an op runs. Geometry is separate from the Op so a patch executor can run the
/// same op (same weights) on a sub-region with its own shapes and padding.
struct OpGeometry {
  std::vector<Shape> inputs;
  Shape output;
  Padding pad;
};
OpGeometry geometry_of(const Graph& g, int op);

/// Fixed-point requantisation parameters of one int8 op, precomputed once.
struct Int8OpParams {
  std::vector<QuantParams> inputs;  // per input tensor
  QuantParams output;
  // Conv2D / FullyConnected: per output channel. Add: [0] and [1] are the input
  // rescalers, [2] the output one (TFLite's left_shift = 20 scheme). Pools, Resize,
  // Concat with different scales: [i] rescales input i.
  std::vector<int32_t> multiplier;
  std::vector<int32_t> shift;  // TFLite convention: positive = left shift
  int32_t act_min = -128, act_max = 127;
  // Conv2D / FullyConnected fast path, prepared once here (it lives with the weights, not
  // in the arena, like an MCU build's pre-packed flash weights): the int8 weights laid out
  // for 4-byte dot products over blocks of 16 output channels, and the int32 biases
  // corrected for the unsigned input offset. Empty for other ops; without them the fast
  // path falls back to the reference kernel.
  std::vector<int8_t> packed_weights;
  std::vector<int32_t> packed_bias;
};
/// Computes the params from the graph's quant params. Requires g.quantized.
Int8OpParams prepare_int8(const Graph& g, int op);

/// Splits a real multiplier into a Q31 multiplier and a shift (TFLite QuantizeMultiplier).
void quantize_multiplier(double real_multiplier, int32_t* multiplier, int32_t* shift);
/// TFLite MultiplyByQuantizedMultiplier.
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift);

struct KernelContext {
  KernelImpl impl = KernelImpl::Fast;
  int threads = 1;                 // >1 lets the fast path use oneTBB (at most 2 workers:
                                   // op_scratch_bytes holds 2 per-worker slots)
  uint8_t* scratch = nullptr;      // at least op_scratch_bytes(...) bytes, or null if 0
  size_t scratch_bytes = 0;
};

/// Scratch bytes the fast path of this op needs for this geometry (e.g. im2col, int32
/// accumulators). Part of the arena plan: executors reserve it in the arena.
size_t op_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, KernelImpl impl);
/// Same, for a run with output == inputs[0] when `in_place` (only meaningful for ops where
/// op_can_run_in_place is true; a depthwise conv in place needs a small ring of output
/// rows). The 4-argument form is in_place = false.
size_t op_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, KernelImpl impl,
                        bool in_place);
/// Same, for a run with ctx.threads = `threads`: the fast path keeps one scratch slot per
/// worker (at most 2), so a one-thread run needs less than the forms above, which reserve
/// for the most workers. run_op checks ctx.scratch_bytes against this figure.
size_t op_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype, KernelImpl impl,
                        bool in_place, int threads);

/// Runs one op. `inputs[i]` points at input i (float* or int8_t*, by dtype), `output` at
/// the output buffer. Input and output may alias (output == inputs[0]) only for ops that
/// are safe in place (Reshape, Dropout, Activation, depthwise Conv2D); the buffer must then
/// hold max(input, output) bytes, and ctx.scratch must hold op_scratch_bytes(..., true).
/// `q` is required for int8 and ignored for float.
void run_op(const Op& op, const OpGeometry& geo, DType dtype, const void* const* inputs,
            void* output, const KernelContext& ctx, const Int8OpParams* q = nullptr);

/// True when the op may write its output over its (sole) input: Reshape, Dropout,
/// Activation, and depthwise Conv2D (groups == in_channels == out_channels; it runs in
/// place through a ring of output rows in scratch, TinyEngine-style).
bool op_can_run_in_place(const Op& op);

}  // namespace tinydet
