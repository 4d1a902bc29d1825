// Post-training int8 quantisation (TFLite int8 scheme) and its SQNR report.
#include "tinydet/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "bias_correction.h"
#include "calibration.h"
#include "tinydet/layer_runner.h"

namespace tinydet {

namespace {

constexpr int kQMin = -128, kQMax = 127;
constexpr double kNoiselessSqnrDb = 200.0;

const QuantParams kInputQuant{1.f / 255.f, -128};

bool keeps_input_quant(OpType t) {
  // TFLite requires equal input and output params for these (pure data movement, or an
  // average that cannot leave the input's range).
  return t == OpType::MaxPool || t == OpType::AvgPool || t == OpType::Reshape ||
         t == OpType::Resize || t == OpType::Dropout;
}

bool needs_folding(const Graph& g) {
  for (const Op& op : g.ops)
    if (op.type == OpType::BatchNorm || op.type == OpType::Dropout) return true;
  return false;
}

int8_t quantize_value(float x, const QuantParams& q) {
  const long v = std::lround(double(x) / double(q.scale)) + q.zero_point;
  return int8_t(std::clamp<long>(v, kQMin, kQMax));
}

// Per-output-channel symmetric int8 weights and int32 biases of a Conv2D / FC.
void quantize_weights(Op& op, float input_scale) {
  const size_t oc_count = size_t(op.out_channels);
  const size_t per_oc = op.weights.size() / std::max<size_t>(1, oc_count);
  op.weight_scales.assign(oc_count, 1.f);
  op.qweights.assign(op.weights.size(), 0);
  for (size_t oc = 0; oc < oc_count; ++oc) {
    const float* w = op.weights.data() + oc * per_oc;
    float max_abs = 0.f;
    for (size_t j = 0; j < per_oc; ++j) max_abs = std::max(max_abs, std::fabs(w[j]));
    // An all-zero channel keeps scale 1 (any positive scale represents it exactly).
    const float scale = max_abs > 0.f ? max_abs / 127.f : 1.f;
    op.weight_scales[oc] = scale;
    for (size_t j = 0; j < per_oc; ++j)
      op.qweights[oc * per_oc + j] = int8_t(std::clamp<long>(std::lround(double(w[j]) / scale), -127, 127));
  }
  op.qbias.clear();
  if (!op.bias.empty()) {
    op.qbias.resize(oc_count);
    for (size_t oc = 0; oc < oc_count; ++oc) {
      const double q = std::round(double(op.bias[oc]) / (double(input_scale) * double(op.weight_scales[oc])));
      op.qbias[oc] = int32_t(std::clamp<double>(q, std::numeric_limits<int32_t>::min(),
                                                std::numeric_limits<int32_t>::max()));
    }
  }
}

}  // namespace

QuantParams choose_quant_params(float min, float max) {
  const double rmin = std::min(0.0, double(min)), rmax = std::max(0.0, double(max));
  if (rmax - rmin <= 0.0) return QuantParams{1.f, 0};  // an all-zero tensor
  const double scale = (rmax - rmin) / double(kQMax - kQMin);
  const double zp_from_min = kQMin - rmin / scale;
  const double zp_from_max = kQMax - rmax / scale;
  const double err_min = std::abs(double(kQMin)) + std::abs(rmin / scale);
  const double err_max = std::abs(double(kQMax)) + std::abs(rmax / scale);
  const double zp = err_min < err_max ? zp_from_min : zp_from_max;
  const int32_t nudged = int32_t(std::clamp<double>(std::round(zp), kQMin, kQMax));
  return QuantParams{float(scale), nudged};
}

Graph quantize(const Graph& float_graph, const std::vector<std::vector<float>>& calibration,
               const QuantizeOptions& opt, QuantizeReport* report) {
  Graph g = needs_folding(float_graph) ? fold_for_inference(float_graph) : float_graph;
  g.validate();
  // One float pass gathers the ranges and, for bias correction, the mean input windows.
  calibration::MeanInputWindows windows(g);
  calibration::TensorVisitor see_windows;
  if (opt.bias_correction) see_windows = [&windows](int t, const float* x) { windows.add(t, x); };
  const std::vector<calibration::Range> range = calibration::observe_ranges(g, calibration, opt, see_windows);
  const std::vector<std::vector<double>> mean_windows = windows.means(calibration.size());

  for (size_t t = 0; t < g.tensors.size(); ++t) g.tensors[t].quant = choose_quant_params(range[t].min, range[t].max);
  g.tensors[size_t(g.input)].quant = kInputQuant;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Op& op = g.ops[i];
    if (keeps_input_quant(op.type)) g.tensors[size_t(op.output)].quant = g.tensors[size_t(op.inputs[0])].quant;
    if (op.type != OpType::Conv2D && op.type != OpType::FullyConnected) continue;
    const Tensor& in = g.tensors[size_t(op.inputs[0])];
    quantize_weights(op, in.quant.scale);
    if (opt.bias_correction) calibration::correct_bias(op, in.shape.c, mean_windows[i], in.quant.scale);
  }
  g.quantized = true;

  if (report) {
    report->calibration_images = int(calibration.size());
    report->outputs = measure_sqnr(g, g, calibration, opt.threads);
  }
  return g;
}

std::vector<OutputSqnr> measure_sqnr(const Graph& float_graph, const Graph& quantized_graph,
                                     const std::vector<std::vector<float>>& inputs, int threads) {
  if (!quantized_graph.quantized) throw std::invalid_argument("measure_sqnr: the second graph is not quantised");
  if (float_graph.outputs.size() != quantized_graph.outputs.size())
    throw std::invalid_argument("measure_sqnr: the graphs have different outputs");
  const Graph float_inference = needs_folding(float_graph) ? fold_for_inference(float_graph) : float_graph;
  LayerRunner f, q;
  f.prepare(float_inference, DType::Float32, KernelImpl::Fast, threads);
  q.prepare(quantized_graph, DType::Int8, KernelImpl::Fast, threads);
  const size_t n_out = quantized_graph.outputs.size();
  std::vector<double> signal(n_out, 0.0), noise(n_out, 0.0);
  const QuantParams in_q = quantized_graph.tensor(quantized_graph.input).quant;
  std::vector<int8_t> qin(size_t(quantized_graph.input_shape().elements()));
  for (const auto& in : inputs) {
    if (in.size() != qin.size())
      throw std::invalid_argument("measure_sqnr: an input has " + std::to_string(in.size()) +
                                  " values, the graph needs " + std::to_string(qin.size()));
    for (size_t i = 0; i < in.size(); ++i) qin[i] = quantize_value(in[i], in_q);
    f.invoke(in.data());
    q.invoke(qin.data());
    for (size_t o = 0; o < n_out; ++o) {
      const Tensor& t = quantized_graph.tensor(quantized_graph.outputs[o].tensor);
      const auto* fo = static_cast<const float*>(f.output(int(o)));
      const auto* qo = static_cast<const int8_t*>(q.output(int(o)));
      for (int64_t i = 0; i < t.shape.elements(); ++i) {
        const double real = double(t.quant.scale) * double(int(qo[i]) - t.quant.zero_point);
        signal[o] += double(fo[i]) * double(fo[i]);
        noise[o] += (double(fo[i]) - real) * (double(fo[i]) - real);
      }
    }
  }
  std::vector<OutputSqnr> result;
  for (size_t o = 0; o < n_out; ++o) {
    OutputSqnr s;
    s.name = quantized_graph.outputs[o].name;
    s.sqnr_db = noise[o] > 0 ? 10.0 * std::log10(signal[o] / noise[o]) : kNoiselessSqnrDb;
    result.push_back(s);
  }
  return result;
}

void float_to_int8_input(const float* in, size_t n, int8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = quantize_value(in[i], kInputQuant);
}

void pixels_to_float_input(const uint8_t* rgb, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = float(rgb[i]) / 255.f;
}

void pixels_to_int8_input(const uint8_t* rgb, size_t n, int8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = int8_t(int(rgb[i]) - 128);
}

}  // namespace tinydet
