// LayerRunner: runs a graph's ops one after another inside ONE planned arena (the
// layer-by-layer schedule). Executor plugins, the quantiser and tests build on it.
//
// prepare() plans the arena (plan_arena), allocates exactly plan().arena_bytes bytes,
// and precomputes the int8 requantisation parameters of every op; invoke() then only
// copies the input into the arena and calls run_op at the planned offsets, with each
// op's scratch taken from the arena too, so inference allocates no heap memory of its
// own. Not thread-safe: one inference at a time per runner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinydet/arena.h"
#include "tinydet/graph.h"
#include "tinydet/kernels.h"
#include "tinydet/planner.h"

namespace tinydet {

/// One op of a profile run: where its time goes and where its output lives.
struct LayerProfileRow {
  int op = -1;
  std::string name;
  OpType type = OpType::Conv2D;
  Shape output;
  double micros = 0;  // mean wall time of the op per invoke (std::chrono::steady_clock)
  int64_t macs = 0;
  size_t output_offset = 0, output_bytes = 0;  // in the arena
  size_t scratch_offset = 0, scratch_bytes = 0;
  size_t live_bytes = 0;  // arena bytes live while the op runs (tensors + its scratch)
  bool in_place = false;
  bool peak = false;  // this op sets the arena's lower bound
  /// Mean CPU time of the calling thread in the op per invoke (CLOCK_THREAD_CPUTIME_ID):
  /// unlike `micros` it does not count time slices other processes took, so it is the
  /// steadier figure on a busy machine. It is the op's whole cost only for one thread.
  double cpu_micros = 0;
};

/// Result of LayerRunner::check_arena.
struct ArenaCheck {
  size_t high_water_bytes = 0;  // exact: one past the highest arena byte written
  /// One line per op that wrote outside its planned regions (output buffer, scratch):
  /// op name and the first offending offset. Empty when every op kept to its plan.
  std::vector<std::string> violations;
};

class LayerRunner {
 public:
  /// Called after op `op` ran, with a pointer to its output (valid until a later op
  /// reuses that memory, so copy what you need inside the call).
  using OpObserver = std::function<void(int op, const void* output)>;

  /// `g` must be an inference graph (folded); for DType::Int8 it must be quantised.
  /// Keeps a copy of `g`. Throws std::invalid_argument on a bad argument.
  void prepare(const Graph& g, DType dtype, KernelImpl impl = KernelImpl::Fast, int threads = 1,
               size_t alignment = 16);

  /// Runs one inference on `input` (graph input, prepared dtype, see graph.h).
  void invoke(const void* input);
  void invoke(const void* input, const OpObserver& after_each_op);

  /// Raw bytes of graph output `i` after the last invoke; valid until the next invoke.
  const void* output(int i) const;

  bool prepared() const { return prepared_; }
  const Graph& graph() const { return graph_; }
  DType dtype() const { return dtype_; }
  const ArenaPlan& plan() const { return plan_; }
  const uint8_t* arena() const { return arena_.data(); }
  size_t arena_bytes() const { return arena_.size(); }

  /// Recording mode: before an invoke the arena is filled with a sentinel (the mask
  /// alternating between 0x00 and 0xFF), and after it the high-water mark is measured.
  /// high_water_bytes() is the largest mark seen. Which bytes an inference writes does not
  /// depend on the data, so two recorded invokes give the exact mark: recording stops by
  /// itself after `invokes` recorded invokes (0: record every invoke), so that later
  /// invokes run at full speed. Off by default; turning it on restarts the count.
  void set_recording(bool on, int invokes = 2) {
    recording_ = on;
    record_limit_ = invokes;
    recorded_runs_ = 0;
    high_water_ = 0;
  }
  size_t high_water_bytes() const { return high_water_; }

  /// Times every op over `repeats` invokes of `input` (after one warm-up invoke).
  std::vector<LayerProfileRow> profile(const void* input, int repeats = 1);

  /// Debug run: measures the exact high-water mark (two sentinel runs) and checks, op
  /// by op, that each op writes only inside its output buffer and its scratch (a
  /// snapshot of the arena before each op, with dead bytes re-filled with the sentinel,
  /// is compared with the arena after it). Leaves the outputs of `input` in place.
  ArenaCheck check_arena(const void* input);

  /// Growth of the process heap (glibc mallinfo2: in-use arena + mmapped bytes) across
  /// one invoke of `input`, measured after a warm-up invoke. Should be 0.
  long long heap_growth_bytes(const void* input);

 private:
  void run_one(int i);
  void copy_input(const void* input);

  Graph graph_;
  DType dtype_ = DType::Float32;
  KernelImpl impl_ = KernelImpl::Fast;
  int threads_ = 1;
  ArenaPlan plan_;
  Arena arena_;
  std::vector<OpGeometry> geometry_;
  std::vector<Int8OpParams> int8_params_;
  std::vector<const void*> input_ptrs_;  // reused by run_one: no allocation per op
  bool prepared_ = false;
  bool recording_ = false;
  int recorded_runs_ = 0;
  int record_limit_ = 2;
  size_t high_water_ = 0;
};

/// A table of profile rows: time, share of the total, MACs, output offset and bytes;
/// the slowest op and the peak-memory op are marked.
std::string format_profile(const std::vector<LayerProfileRow>& rows);

/// One-call profile for tools (`tinydet info --profile`): prepares a LayerRunner on `g`
/// and profiles it on a deterministic mid-grey input.
std::vector<LayerProfileRow> profile_layers(const Graph& g, DType dtype,
                                            KernelImpl impl = KernelImpl::Fast, int threads = 1,
                                            int repeats = 3);

}  // namespace tinydet
