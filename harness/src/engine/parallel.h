// Work splitting for the fast kernels: oneTBB inside a task arena of ctx.threads workers.
//
// Fast kernels that need per-worker scratch (im2col tiles) reserve kScratchSlots slots in
// op_scratch_bytes, so at most kScratchSlots workers run one op (the target machine has 2
// cores); the slot index passed to the body selects the worker's scratch.
#pragma once

#include <cstdint>

#include "function_ref.h"
#include "tinydet/kernels.h"

namespace tinydet::kernels {

constexpr int kScratchSlots = 2;

/// Workers an op runs with: ctx.threads clamped to [1, kScratchSlots].
int worker_count(const KernelContext& ctx);

/// Scratch slots a run with `threads` threads uses (one per worker).
inline int scratch_slots(int threads) { return threads < 1 ? 1 : (threads > kScratchSlots ? kScratchSlots : threads); }

/// Below this much work (multiply-accumulates or element operations) an op runs on one
/// worker: waking a second one costs more than it saves.
constexpr int64_t kMinParallelWork = 64 * 1024;

/// Calls body(begin, end, slot) over disjoint ranges covering [0, n); slot is in
/// [0, worker_count(ctx)). `work` is the op's total work (see kMinParallelWork). Serial
/// (one call, slot 0) for one worker, n < 2 or little work.
/// Work of a windowed op (depthwise conv, pooling): output elements times window cells.
inline int64_t window_work(const Op& op, const OpGeometry& geo) {
  return geo.output.elements() * op.kernel_h * op.kernel_w;
}

void parallel_ranges(const KernelContext& ctx, int64_t n, int64_t work,
                     FunctionRef<void(int64_t, int64_t, int)> body);

}  // namespace tinydet::kernels
