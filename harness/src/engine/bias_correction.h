// Empirical bias correction (internal to the engine): removes the systematic output error
// that rounding the weights to int8 causes when the inputs have a non-zero mean.
//
// Why: per-channel int8 weights carry a rounding error dW (up to half a step per weight).
// The conv's output error is dW · x. Its mean over the data, dW · E[x], is a constant
// offset per output channel, and it is large exactly where int8 networks need it small:
// pixels in [0, 1] and post-ReLU activations have means of the order of their spread, and
// a folded BatchNorm has scaled the weights (and so dW) by gamma / sigma. This offset is
// the largest single error source of a small MobileNetV2 (see docs/engine.md). Folding
// -dW · E[x] into the int32 bias removes it; the random part dW · (x - E[x]) remains.
//
// This is the empirical variant of the bias correction of Nagel et al., "Data-Free
// Quantization Through Weight Equalization and Bias Correction" (ICCV 2019), with E[x]
// measured on the calibration set. It only changes int32 biases, so the int8 graph still
// runs on plain TFLite int8 kernels.
#pragma once

#include <vector>

#include "tinydet/graph.h"
#include "tinydet/kernels.h"

namespace tinydet::calibration {

/// For every Conv2D and FullyConnected op of inference graph `g`: the mean, over the
/// calibration inputs and over the op's output positions, of the input window each output
/// reads. Conv2D: [kernel_h][kernel_w][in_channels] (zero padding counts as 0, as it does
/// in the conv); FullyConnected: [input elements]. Fed the float tensors of a calibration
/// run (calibration::observe_ranges' `also_see`), so the graph runs only once.
class MeanInputWindows {
 public:
  explicit MeanInputWindows(const Graph& g);
  /// Tensor `tensor`'s float values for one calibration input.
  void add(int tensor, const float* values);
  /// The means after `inputs` calibration inputs, indexed by op id (empty for ops without
  /// weights).
  std::vector<std::vector<double>> means(size_t inputs) const;

 private:
  const Graph& g_;
  std::vector<std::vector<double>> sum_;
  std::vector<OpGeometry> geo_;
  std::vector<std::vector<int>> consumers_of_;  // per tensor: the weighted ops reading it
};

/// Sets op.qbias (a Conv2D or FullyConnected whose qweights and weight_scales are already
/// set) to round((bias - dW · mean_window) / (input_scale * weight_scale)) per output
/// channel, with dW = qweight * weight_scale - weight. Creates qbias for a conv without a
/// float bias. `input_channels` is the channel count of the op's input tensor.
void correct_bias(Op& op, int input_channels, const std::vector<double>& mean_window,
                  float input_scale);

}  // namespace tinydet::calibration
