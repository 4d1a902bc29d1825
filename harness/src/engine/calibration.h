// Calibration observers (internal to the engine): per-tensor value ranges of a float
// graph over a calibration set, by min/max or by a histogram percentile.
#pragma once

#include <functional>
#include <vector>

#include "tinydet/graph.h"
#include "tinydet/quantize.h"

namespace tinydet::calibration {

struct Range {
  float min = 0.f, max = 0.f;
};

/// The observed range of every tensor of inference graph `g` (indexed by tensor id) over
/// `inputs`. MinMax: the extremes. Percentile: [p(100 - percentile), p(percentile)] from a
/// histogram of every value (both tails), built in a second pass over the set.
/// `also_see`, when given, is called in the first pass with every tensor's float values
/// (the graph input, then each op's output) of every input, so other statistics can be
/// gathered without running the graph again.
using TensorVisitor = std::function<void(int tensor, const float* values)>;
std::vector<Range> observe_ranges(const Graph& g, const std::vector<std::vector<float>>& inputs,
                                  const QuantizeOptions& opt, const TensorVisitor& also_see = {});

}  // namespace tinydet::calibration
