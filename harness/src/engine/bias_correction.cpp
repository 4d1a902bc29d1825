// Empirical bias correction: mean input windows over the calibration set, and the int32
// biases that cancel the mean error of the int8 weights.
#include "bias_correction.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>


namespace tinydet::calibration {

namespace {

bool has_weights(const Op& op) {
  return op.type == OpType::Conv2D || op.type == OpType::FullyConnected;
}

// Adds the input window of every output position of conv `op` (input x of shape `in`) to
// `sum`, laid out [kernel_h][kernel_w][in.c].
void add_conv_windows(const Op& op, const OpGeometry& geo, const float* x, std::vector<double>& sum) {
  const Shape& in = geo.inputs[0];
  const Shape& out = geo.output;
  for (int ky = 0; ky < op.kernel_h; ++ky)
    for (int kx = 0; kx < op.kernel_w; ++kx) {
      double* tap = sum.data() + size_t(ky * op.kernel_w + kx) * size_t(in.c);
      for (int oy = 0; oy < out.h; ++oy) {
        const int iy = oy * op.stride_h - geo.pad.top + ky;
        if (iy < 0 || iy >= in.h) continue;
        for (int ox = 0; ox < out.w; ++ox) {
          const int ix = ox * op.stride_w - geo.pad.left + kx;
          if (ix < 0 || ix >= in.w) continue;
          const float* px = x + (size_t(iy) * size_t(in.w) + size_t(ix)) * size_t(in.c);
          for (int c = 0; c < in.c; ++c) tap[c] += double(px[c]);
        }
      }
    }
}

}  // namespace

MeanInputWindows::MeanInputWindows(const Graph& g)
    : g_(g), sum_(g.ops.size()), geo_(g.ops.size()), consumers_of_(g.tensors.size()) {
  for (int i = 0; i < int(g.ops.size()); ++i) {
    const Op& op = g.ops[size_t(i)];
    if (!has_weights(op)) continue;
    geo_[size_t(i)] = geometry_of(g, i);
    const Shape& in = geo_[size_t(i)].inputs[0];
    sum_[size_t(i)].assign(op.type == OpType::Conv2D ? size_t(op.kernel_h * op.kernel_w * in.c)
                                                     : size_t(in.elements()),
                           0.0);
    consumers_of_[size_t(op.inputs[0])].push_back(i);
  }
}

void MeanInputWindows::add(int tensor, const float* x) {
  for (int i : consumers_of_[size_t(tensor)]) {
    const Op& op = g_.ops[size_t(i)];
    std::vector<double>& sum = sum_[size_t(i)];
    if (op.type == OpType::Conv2D) {
      add_conv_windows(op, geo_[size_t(i)], x, sum);
    } else {
      for (size_t k = 0; k < sum.size(); ++k) sum[k] += double(x[k]);
    }
  }
}

std::vector<std::vector<double>> MeanInputWindows::means(size_t inputs) const {
  std::vector<std::vector<double>> mean = sum_;
  for (size_t i = 0; i < mean.size(); ++i) {
    if (mean[i].empty()) continue;
    const double positions =
        g_.ops[i].type == OpType::Conv2D ? double(geo_[i].output.h) * double(geo_[i].output.w) : 1.0;
    const double scale = 1.0 / (positions * double(std::max<size_t>(1, inputs)));
    for (double& v : mean[i]) v *= scale;
  }
  return mean;
}

void correct_bias(Op& op, int input_channels, const std::vector<double>& mean_window,
                  float input_scale) {
  const size_t oc_count = size_t(op.out_channels);
  if (oc_count == 0 || op.weight_scales.size() != oc_count || op.qweights.size() != op.weights.size())
    throw std::logic_error("correct_bias: op '" + op.name + "' has no int8 weights yet");
  const size_t per_oc = op.weights.size() / oc_count;
  const bool conv = op.type == OpType::Conv2D;
  const size_t cin_g = conv ? size_t(input_channels / op.groups) : per_oc;
  const size_t cout_g = conv ? oc_count / size_t(op.groups) : oc_count;
  const size_t expected = conv ? size_t(op.kernel_h * op.kernel_w * input_channels) : per_oc;
  if (mean_window.size() != expected)
    throw std::logic_error("correct_bias: op '" + op.name + "' mean window has " +
                           std::to_string(mean_window.size()) + " values, expected " +
                           std::to_string(expected));
  op.qbias.assign(oc_count, 0);
  for (size_t oc = 0; oc < oc_count; ++oc) {
    const double w_scale = double(op.weight_scales[oc]);
    const size_t channel_offset = conv ? (oc / cout_g) * cin_g : 0;
    double mean_error = 0.0;  // E[(W_q - W) · x] for this output channel
    for (size_t j = 0; j < per_oc; ++j) {
      const size_t k = oc * per_oc + j;
      const double dw = double(op.qweights[k]) * w_scale - double(op.weights[k]);
      // Weight j of a conv is tap j / cin_g, input channel j % cin_g of its group.
      const size_t at = conv ? (j / cin_g) * size_t(input_channels) + channel_offset + j % cin_g : j;
      mean_error += dw * mean_window[at];
    }
    const double bias = op.bias.empty() ? 0.0 : double(op.bias[oc]);
    const double q = std::round((bias - mean_error) / (double(input_scale) * w_scale));
    op.qbias[oc] = int32_t(std::clamp<double>(q, std::numeric_limits<int32_t>::min(),
                                              std::numeric_limits<int32_t>::max()));
  }
}

}  // namespace tinydet::calibration
