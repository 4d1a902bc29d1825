// The executor interface that executor plugins implement.
//
// An executor runs one inference graph (float or quantised int8) inside a single tensor
// arena that it plans itself. Lifetime: prepare() once, then invoke() any number of
// times. Not thread-safe: one executor instance runs one inference at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tinydet/graph.h"
#include "tinydet/kernels.h"

namespace tinydet {

struct ExecutorOptions {
  int threads = 1;  // 1 models an MCU core
  KernelImpl impl = KernelImpl::Fast;
  // Executor-specific settings, e.g. for `patch`: "patches" = "3", "split" = "op name".
  std::map<std::string, std::string> settings;
};

/// Memory figures of a prepared executor. Bytes.
struct MemoryReport {
  size_t arena_bytes = 0;              // the planned arena (activations + scratch)
  size_t arena_lower_bound_bytes = 0;  // lower bound for this executor's schedule
  size_t scratch_bytes = 0;            // part of arena_bytes used as kernel scratch
  size_t flash_bytes = 0;              // int8 weights + int32 bias + scales (graph stats)
  size_t high_water_bytes = 0;         // highest arena byte actually written (after invoke)
  int64_t macs = 0;                    // MACs executed per inference, recompute included
  // Executor-specific figures, in a fixed order (e.g. "patches", "reduction_factor").
  std::vector<std::pair<std::string, double>> extra;
};

class Executor {
 public:
  virtual ~Executor() = default;

  /// Plans memory and precomputes kernel parameters. `g` must be an inference graph
  /// (folded); for DType::Int8 it must be quantised. The executor keeps its own copy.
  /// Throws std::invalid_argument on a bad setting, naming it.
  virtual void prepare(const Graph& g, DType dtype, const ExecutorOptions& opt) = 0;

  /// Runs one inference. `input` is the graph input in the prepared dtype (see graph.h
  /// for the pixel convention).
  virtual void invoke(const void* input) = 0;

  /// Raw bytes of graph output `i` after the last invoke (float or int8, as prepared).
  /// Valid until the next invoke.
  virtual const void* output(int i) const = 0;

  virtual MemoryReport memory() const = 0;

  /// A human-readable description of the plan (layer table, split, patches...).
  virtual std::string describe_plan() const = 0;
};

/// Measured growth of the process heap during inference, for any executor: runs
/// executor.invoke(input) once as a warm-up, then once more, and returns how much the heap
/// (glibc mallinfo2: in-use plus mmapped bytes) grew across the second invoke. An executor
/// that keeps all its working memory in its arena reports 0. `executor` must be prepared.
long long heap_growth_bytes(Executor& executor, const void* input);

}  // namespace tinydet
