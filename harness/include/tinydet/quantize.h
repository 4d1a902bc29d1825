// Post-training int8 quantisation, as an MCU deployment flow does it.
//
// Input: a float inference graph (fold_for_inference already applied) and calibration
// inputs (float input tensors, pixel / 255). Output: the same graph with quant params on
// every tensor, per-channel int8 weights and int32 biases, and `quantized = true`.
#pragma once

#include <string>
#include <vector>

#include "tinydet/graph.h"

namespace tinydet {

enum class Observer : uint8_t {
  MinMax = 0,      // range = [min, max] seen over the calibration set
  Percentile = 1,  // range = [p(0.01%), p(99.99%)] of the values seen
};

struct QuantizeOptions {
  Observer observer = Observer::MinMax;
  double percentile = 99.99;  // for Observer::Percentile
};

/// Dequantisation error of one graph output over the calibration set.
struct OutputSqnr {
  std::string name;
  double sqnr_db = 0;  // 10 log10(sum(float^2) / sum((float - dequant(int8))^2))
};

struct QuantizeReport {
  int calibration_images = 0;
  std::vector<OutputSqnr> outputs;
};

/// Each calibration input is one float input tensor of g.input_shape().elements() values.
Graph quantize(const Graph& float_graph, const std::vector<std::vector<float>>& calibration,
               const QuantizeOptions& opt = {}, QuantizeReport* report = nullptr);

/// Helpers for the fixed input convention (see graph.h).
void pixels_to_float_input(const uint8_t* rgb, size_t n, float* out);
void pixels_to_int8_input(const uint8_t* rgb, size_t n, int8_t* out);

}  // namespace tinydet
