// Post-training int8 quantisation, as an MCU deployment flow does it.
//
// Input: a float inference graph (fold_for_inference already applied) and calibration
// inputs (float input tensors, pixel / 255). Output: the same graph with quant params on
// every tensor, per-channel int8 weights and int32 biases, and `quantized = true`.
#pragma once

#include <cstddef>
#include <cstdint>
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
  int threads = 1;            // kernel threads for the calibration and SQNR runs
  // Empirical bias correction: fold the mean output error of the int8 weights, measured on
  // the calibration set, into the int32 biases (Nagel et al. 2019). Changes biases only,
  // so the kernels stay plain TFLite int8. Off: qbias = round(bias / (in_scale * w_scale)).
  bool bias_correction = true;
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
/// How many to pass is the caller's choice: use at least 100 representative images for a
/// deployment-grade range estimate (MinMax ranges only grow with more images).
/// A graph that still has BatchNorm or Dropout is folded first. Ranges always include 0;
/// activations get TFLite's asymmetric params with a nudged zero point; the graph input
/// keeps the fixed 1/255, -128; MaxPool, AvgPool, Reshape, Resize and Dropout outputs keep
/// their input's params (TFLite requires it); weights are symmetric per output channel
/// (scale max|w| / 127) and biases int32 at input_scale * weight_scale (with
/// opt.bias_correction, minus the weights' mean rounding error on the calibration set).
Graph quantize(const Graph& float_graph, const std::vector<std::vector<float>>& calibration,
               const QuantizeOptions& opt = {}, QuantizeReport* report = nullptr);

/// SQNR of each output of `quantized_graph` (run in int8, dequantised) against
/// `float_graph` (run in float) over `inputs` (float input tensors, as for calibration).
/// Both graphs must be inference graphs of the same network. A noiseless output reports
/// 200 dB.
std::vector<OutputSqnr> measure_sqnr(const Graph& float_graph, const Graph& quantized_graph,
                                     const std::vector<std::vector<float>>& inputs, int threads = 1);

/// TFLite's asymmetric int8 params for a real range (widened to include 0), with the zero
/// point nudged so that 0 is exactly representable.
QuantParams choose_quant_params(float min, float max);

/// Quantises a float input tensor (pixel / 255) to the int8 input convention.
void float_to_int8_input(const float* in, size_t n, int8_t* out);

/// Helpers for the fixed input convention (see graph.h).
void pixels_to_float_input(const uint8_t* rgb, size_t n, float* out);
void pixels_to_int8_input(const uint8_t* rgb, size_t n, int8_t* out);

}  // namespace tinydet
