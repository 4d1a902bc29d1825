// Arena memory planning, after TensorFlow Lite Micro's greedy memory planner.
//
// Units: bytes. Times are op indices in execution order; a buffer with
// first_use = a and last_use = b must stay intact while ops a..b (inclusive) run.
// The planner does not own memory: it only assigns offsets inside one arena.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tinydet/graph.h"
#include "tinydet/kernels.h"

namespace tinydet {

class MemoryPlanner {
 public:
  virtual ~MemoryPlanner() = default;
  /// Adds a buffer; returns its id (0, 1, 2, ...).
  virtual int add_buffer(size_t size, int first_use, int last_use) = 0;
  /// Adds a buffer whose offset the caller fixes (a tensor that must sit at a known place,
  /// or one part of a larger tensor whose parts live for different times); the planner
  /// places the other buffers around it. Returns its id. Pre-placed buffers that share
  /// bytes while alive together are refused when the plan is made (std::invalid_argument).
  /// The default implementation throws std::logic_error: a planner that cannot honour a
  /// fixed offset says so instead of ignoring it.
  virtual int add_placed_buffer(size_t size, int first_use, int last_use, size_t offset);
  /// Bytes the arena needs to hold every buffer at its offset.
  virtual size_t arena_size() = 0;
  /// Offset of buffer `id` in the arena.
  virtual size_t offset(int id) = 0;
  virtual int buffer_count() const = 0;
};

/// Greedy by size, first fit (TFLM's GreedyMemoryPlanner): buffers sorted by size,
/// largest first, each placed at the lowest offset where it overlaps no buffer whose
/// lifetime intersects its own. Offsets are aligned to `alignment` bytes. Pre-placed
/// buffers (add_placed_buffer) keep their offsets, aligned or not, and are placed first.
std::unique_ptr<MemoryPlanner> make_greedy_planner(size_t alignment = 16);

/// The lower bound any planner must respect: the largest sum of sizes of buffers alive
/// at the same op.
struct BufferLifetime {
  size_t size;
  int first_use, last_use;
};
size_t arena_lower_bound(const std::vector<BufferLifetime>& buffers);

/// The activation-memory plan of a graph run layer by layer.
struct ArenaPlan {
  size_t arena_bytes = 0;        // greedy planner result, scratch included
  size_t lower_bound_bytes = 0;  // peak of simultaneously live buffers, scratch included
  size_t scratch_bytes = 0;      // largest op scratch, planned as a buffer live for one op
  std::vector<size_t> tensor_offset;  // per tensor id; in-place outputs share the input's
  std::vector<size_t> tensor_bytes;   // per tensor id
  std::vector<int> tensor_buffer;     // per tensor id: planner buffer id (-1 if none)
  std::vector<size_t> op_scratch_offset;  // per op
  std::vector<size_t> op_scratch_size;    // per op
  std::vector<size_t> live_bytes_at_op;   // per op: bytes live while it runs

  // Added after the first version (all filled by plan_arena):
  size_t activation_arena_bytes = 0;        // greedy result for tensors only (no scratch)
  size_t activation_lower_bound_bytes = 0;  // peak of live tensor buffers (no scratch)
  int peak_op = -1;                         // first op where live_bytes_at_op is largest
  size_t alignment = 16;
  std::vector<char> op_in_place;            // per op: output shares inputs[0]'s buffer
  // Per planner buffer (tensor buffers first, then scratch buffers): placement and
  // lifetime. A tensor's writable region is buffer_offset/buffer_bytes of its buffer.
  std::vector<size_t> buffer_offset, buffer_bytes;
  std::vector<int> buffer_first_use, buffer_last_use;
  std::vector<int> op_scratch_buffer;       // per op: buffer id of its scratch, or -1
};

/// Lifetimes from the execution order: a tensor lives from its producer (the graph input
/// from op 0) to its last consumer; graph outputs live to the end. In-place-safe ops whose
/// input dies with them reuse the input's buffer.
///
/// The graph input is a buffer inside the arena like any other: an executor copies the
/// input into it at the start of every invoke, so an in-place op may overwrite it. Graph
/// outputs are never overwritten (they live to the end). Each op's scratch is a buffer
/// live for that op only, planned together with the tensors (as TFLM does), so a large
/// scratch at the peak op raises the arena: compare arena_bytes with
/// activation_arena_bytes.
ArenaPlan plan_arena(const Graph& g, DType dtype, KernelImpl impl = KernelImpl::Fast,
                     size_t alignment = 16);
/// Same, with each op's scratch sized for a run with ctx.threads = `threads` (see
/// op_scratch_bytes): the plan of a one-thread run is then exactly what that run writes.
/// The form above plans for the most workers (2).
ArenaPlan plan_arena(const Graph& g, DType dtype, KernelImpl impl, size_t alignment, int threads);

/// Human-readable layer table of a plan: op, type, output shape, bytes, offset.
std::string format_plan(const Graph& g, const ArenaPlan& plan);

}  // namespace tinydet
