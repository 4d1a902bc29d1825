// Calibration observers: run the float graph over the calibration set with LayerRunner
// and collect per-tensor statistics as each op produces its output.
#include "calibration.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "tinydet/layer_runner.h"

namespace tinydet::calibration {

namespace {

constexpr int kHistogramBins = 2048;

// A fixed-range histogram of one tensor's values.
struct Histogram {
  float lo = 0.f, hi = 0.f;
  std::vector<uint64_t> counts;
  uint64_t total = 0;

  void add(const float* x, size_t n) {
    const double width = double(hi) - double(lo);
    for (size_t i = 0; i < n; ++i) {
      int bin = width > 0 ? int((double(x[i]) - lo) / width * kHistogramBins) : 0;
      bin = std::clamp(bin, 0, kHistogramBins - 1);
      ++counts[size_t(bin)];
    }
    total += n;
  }
  // The value below which `fraction` of all values lie, interpolated inside its bin.
  float quantile(double fraction) const {
    if (total == 0) return 0.f;
    const double target = fraction * double(total);
    const double width = (double(hi) - double(lo)) / kHistogramBins;
    double seen = 0;
    for (int b = 0; b < kHistogramBins; ++b) {
      const double c = double(counts[size_t(b)]);
      if (seen + c >= target && c > 0) {
        const double within = (target - seen) / c;
        return float(double(lo) + width * (b + std::clamp(within, 0.0, 1.0)));
      }
      seen += c;
    }
    return hi;
  }
};

}  // namespace

std::vector<Range> observe_ranges(const Graph& g, const std::vector<std::vector<float>>& inputs,
                                  const QuantizeOptions& opt, const TensorVisitor& also_see) {
  if (inputs.empty()) throw std::invalid_argument("quantize: the calibration set is empty");
  const size_t n_in = size_t(g.input_shape().elements());
  for (size_t k = 0; k < inputs.size(); ++k)
    if (inputs[k].size() != n_in)
      throw std::invalid_argument("quantize: calibration input " + std::to_string(k) + " has " +
                                  std::to_string(inputs[k].size()) + " values, the graph input needs " +
                                  std::to_string(n_in));
  if (opt.observer == Observer::Percentile && !(opt.percentile > 50.0 && opt.percentile <= 100.0))
    throw std::invalid_argument("quantize: percentile must be in (50, 100], got " +
                                std::to_string(opt.percentile));

  LayerRunner runner;
  runner.prepare(g, DType::Float32, KernelImpl::Fast, opt.threads);
  const size_t n_tensors = g.tensors.size();
  auto elements = [&](int t) { return size_t(g.tensors[size_t(t)].shape.elements()); };

  // Pass 1: min / max of every tensor.
  std::vector<Range> range(n_tensors, Range{INFINITY, -INFINITY});
  auto widen = [&](int t, const float* x) {
    auto [mn, mx] = std::minmax_element(x, x + elements(t));
    range[size_t(t)].min = std::min(range[size_t(t)].min, *mn);
    range[size_t(t)].max = std::max(range[size_t(t)].max, *mx);
    if (also_see) also_see(t, x);
  };
  for (const auto& in : inputs) {
    widen(g.input, in.data());
    runner.invoke(in.data(), [&](int op, const void* out) {
      widen(g.ops[size_t(op)].output, static_cast<const float*>(out));
    });
  }
  for (auto& r : range)
    if (!(r.min <= r.max)) r = Range{0.f, 0.f};  // a tensor no op produced
  if (opt.observer == Observer::MinMax) return range;

  // Pass 2: histograms over the min/max range, then both tails cut at the percentile.
  std::vector<Histogram> hist(n_tensors);
  for (size_t t = 0; t < n_tensors; ++t) {
    hist[t].lo = range[t].min;
    hist[t].hi = range[t].max;
    hist[t].counts.assign(kHistogramBins, 0);
  }
  for (const auto& in : inputs) {
    hist[size_t(g.input)].add(in.data(), elements(g.input));
    runner.invoke(in.data(), [&](int op, const void* out) {
      const int t = g.ops[size_t(op)].output;
      hist[size_t(t)].add(static_cast<const float*>(out), elements(t));
    });
  }
  const double upper = opt.percentile / 100.0;
  for (size_t t = 0; t < n_tensors; ++t) {
    if (hist[t].total == 0) continue;
    range[t].min = hist[t].quantile(1.0 - upper);
    range[t].max = hist[t].quantile(upper);
  }
  return range;
}

}  // namespace tinydet::calibration
