// Test helpers for the trainer: a mean-squared-error "architecture" over a hand-built
// graph, random in-memory image sets, and graph builders.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/graph_builder.h"
#include "train/training_data.h"

namespace tinydet::test {

/// Regresses every output element to a fixed target (per output channel, same for every
/// pixel and image). Loss: mean over batch and elements of (out - target)^2.
/// `grad_scale` != 1 makes the reported gradient deliberately wrong (gradient-check test).
class MseArch : public Architecture {
 public:
  MseArch(Graph g, std::vector<float> channel_targets, double grad_scale = 1.0)
      : graph_(std::move(g)), channel_targets_(std::move(channel_targets)),
        grad_scale_(grad_scale) {}
  std::vector<OptionInfo> options() const override { return {}; }
  int default_resolution(const ArchConfig&) const override { return graph_.input_shape().h; }
  int resolution_multiple() const override { return 1; }
  void configure(const ArchConfig&) override {}
  Graph build_graph() const override { return graph_; }
  std::string primary_metric() const override { return "map50"; }

  Targets encode(const std::vector<Box>&) const override {
    Targets t;
    const Shape s = graph_.shape(graph_.outputs[0].tensor);
    for (int64_t i = 0; i < s.elements(); ++i) t.values.push_back(channel_targets_[i % s.c]);
    return t;
  }
  double loss(std::span<const ConstTensorBatch> outputs, std::span<const Targets> targets,
              std::span<TensorBatch> grads) const override {
    const auto& o = outputs[0];
    const size_t per = size_t(o.shape.elements());
    const double n = double(o.size());
    double sum = 0;
    for (int b = 0; b < o.batch; ++b)
      for (size_t i = 0; i < per; ++i) {
        const double d = double(o.data[b * per + i]) - targets[b].values[i];
        sum += d * d;
        grads[0].data[b * per + i] = float(grad_scale_ * 2.0 * d / n);
      }
    return sum / n;
  }
  void ideal_outputs(const Targets& t, std::span<TensorBatch> outputs) const override {
    std::copy(t.values.begin(), t.values.end(), outputs[0].data);
  }
  std::vector<Detection> decode(std::span<const ConstTensorBatch>, const DecodeOptions&) const override {
    return {};
  }

 private:
  Graph graph_;
  std::vector<float> channel_targets_;
  double grad_scale_;
};

inline uint64_t test_rng(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline std::vector<Example> random_examples(int count, int h, int w, uint64_t seed) {
  std::vector<Example> v;
  for (int i = 0; i < count; ++i) {
    Example e;
    e.height = h;
    e.width = w;
    e.rgb.resize(size_t(h) * w * 3);
    for (auto& p : e.rgb) p = uint8_t(test_rng(seed) & 0xff);
    e.boxes.push_back(Box{1, 1, float(w) / 2, float(h) / 2, 0});
    v.push_back(std::move(e));
  }
  return v;
}

/// input h x w x 3 -> conv3x3(8)+BN+ReLU -> [dropout] -> conv1x1(out_c, bias) = "out".
inline Graph tiny_regressor(int h, int w, int out_c, float dropout_p = 0.f) {
  GraphBuilder b({h, w, 3});
  int x = b.conv2d(b.input(), 8, 3, 1, Act::ReLU, "conv1");
  if (dropout_p > 0) x = b.dropout(x, dropout_p, "drop");
  ConvOptions head;
  head.bn = false;
  head.bias = true;
  x = b.conv2d(x, out_c, 1, 1, Act::None, "head", head);
  b.mark_output(x, "out");
  return b.finish();
}

}  // namespace tinydet::test
