// FOMO ("Faster Objects, More Objects", Edge Impulse 2022) as a tinydet architecture plugin.
//
// Network: MobileNetV2 (width alpha) cut at block_6_expand_relu (stride 8) or
// block_3_expand_relu (stride 4), then a 1×1 conv to 32 channels with ReLU and a 1×1 conv to
// num_classes + 1 logits (channel 0 = background). Output "heatmap": (H/s) × (W/s) × (C+1).
//
// Targets: one class index per cell (0 background, k + 1 for object class k), plus (when
// box_class_weight > 0) a second plane: the class of the box covering each cell.
// Loss: weighted softmax cross-entropy per cell, weight `object_weight` on object cells and 1
// on background cells, plus on background cells covered by a box a class-only term
// box_class_weight × -log(p_k / sum_{j>=1} p_j) (it never touches the background logit),
// divided by (cells × batch). Gradient is exact.
// Decode: per-cell softmax, cells whose best object-class probability reaches the threshold
// are merged 4-connected per class; each component gives one centroid (score-weighted mean of
// its cell centres), score = the component's maximum probability.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/arch_options.h"
#include "../common/mobilenet_v2.h"
#include "../common/nms.h"
#include "tinydet/architecture.h"
#include "tinydet/graph_builder.h"
#include "tinydet/plugin.h"

namespace tinydet {
namespace {

constexpr const char* kPlugin = "fomo";
constexpr int kHeadChannels = 32;
constexpr float kDefaultScoreThreshold = 0.5f;
// Logit given to the target channel by ideal_outputs (others are 0): p > 0.999 for C < 20.
constexpr float kIdealLogit = 12.f;

class FomoArchitecture final : public Architecture {
 public:
  std::vector<OptionInfo> options() const override {
    return {
        {"alpha", "0.35", "MobileNetV2 width multiplier: 0.1, 0.35, 0.5, 0.75 or 1.0"},
        {"cut", "block_6_expand_relu",
         "backbone cut point: block_6_expand_relu (stride 8) or block_3_expand_relu (stride 4)"},
        {"target", "centre",
         "cells labelled per box: 'centre' (the cell holding the box centre) or 'cover' (every "
         "cell the box overlaps)"},
        {"object_weight", "100", "cross-entropy weight of object cells (background cells: 1)"},
        {"box_class_weight", "100",
         "weight of the class-only loss on the other cells a box covers (0 = off): keeps the "
         "class consistent over an object's cells, so one object gives one detection"},
    };
  }

  int default_resolution(const ArchConfig&) const override { return 96; }
  int resolution_multiple() const override { return stride_; }

  void configure(const ArchConfig& cfg) override {
    const auto known = options();
    archutil::check_known_options(cfg, known, kPlugin);
    const std::string alpha_text = archutil::option_or_default(cfg, known, "alpha");
    const float alpha = archutil::parse_float_option(alpha_text, "alpha", kPlugin, 0.f, 2.f);
    const float allowed[] = {0.1f, 0.35f, 0.5f, 0.75f, 1.0f};
    if (std::none_of(std::begin(allowed), std::end(allowed),
                     [&](float a) { return std::abs(a - alpha) < 1e-6f; }))
      throw std::invalid_argument(std::string(kPlugin) + ": option 'alpha' = " + alpha_text +
                                  " is not one of 0.1, 0.35, 0.5, 0.75, 1.0");
    const std::string cut = archutil::choice_option(
        cfg, known, "cut", kPlugin, {"block_6_expand_relu", "block_3_expand_relu"});
    const int stride = cut == "block_6_expand_relu" ? 8 : 4;
    const std::string target =
        archutil::choice_option(cfg, known, "target", kPlugin, {"centre", "cover"});
    const float object_weight = archutil::parse_float_option(
        archutil::option_or_default(cfg, known, "object_weight"), "object_weight", kPlugin,
        1e-3f, 1e6f);
    const float box_class_weight = archutil::parse_float_option(
        archutil::option_or_default(cfg, known, "box_class_weight"), "box_class_weight", kPlugin,
        0.f, 1e6f);
    archutil::check_input(cfg, stride, kPlugin);

    cfg_ = cfg;
    alpha_ = alpha;
    cut_ = cut;
    stride_ = stride;
    cover_ = target == "cover";
    object_weight_ = object_weight;
    box_class_weight_ = box_class_weight;
    grid_h_ = cfg.input_h / stride;
    grid_w_ = cfg.input_w / stride;
    configured_ = true;
  }

  Graph build_graph() const override {
    require_configured();
    GraphBuilder b(Shape{cfg_.input_h, cfg_.input_w, 3});
    mobilenet::MobileNetV2Options mo;
    mo.alpha = alpha_;
    mo.stop_at = cut_;
    const auto features = mobilenet::build_mobilenet_v2(b, b.input(), mo);
    ConvOptions head;
    head.bn = false;
    head.bias = true;
    int x = b.conv2d(features.output, kHeadChannels, 1, 1, Act::ReLU, "head_conv", head);
    x = b.conv2d(x, cfg_.num_classes + 1, 1, 1, Act::None, "head_logits", head);
    b.mark_output(x, "heatmap");
    b.set_meta("architecture", kPlugin);
    Graph g = b.finish();
    if (g.shape(g.outputs.at(0).tensor) != heatmap_shape())
      throw std::logic_error("fomo: heatmap shape does not follow the configured stride");
    return g;
  }

  std::string primary_metric() const override { return "centroid_f1"; }
  bool centroid_detector() const override { return true; }

  Targets encode(const std::vector<Box>& ground_truth) const override {
    require_configured();
    Targets t;
    const size_t cells = size_t(grid_h_) * grid_w_;
    t.values.assign(target_size(), 0.f);
    std::vector<const Box*> boxes;
    for (const Box& box : ground_truth) {
      if (box.cls < 0 || box.cls >= cfg_.num_classes)
        throw std::invalid_argument("fomo: ground-truth class " + std::to_string(box.cls) +
                                    " is outside [0, " + std::to_string(cfg_.num_classes) + ")");
      if (box.crowd || !std::isfinite(box.x0) || !std::isfinite(box.y0) ||
          !std::isfinite(box.x1) || !std::isfinite(box.y1))
        continue;
      boxes.push_back(&box);
    }
    // Larger boxes first, so a smaller object painted later is never hidden by a larger one.
    std::stable_sort(boxes.begin(), boxes.end(),
                     [](const Box* a, const Box* b) { return a->area() > b->area(); });
    for (const Box* box : boxes) {
      const float label = float(box->cls + 1);
      const CellRange covered = cells_covered(*box);
      if (box_class_weight_ > 0)  // the box-class plane
        for (int r = covered.r0; r < covered.r1; ++r)
          for (int c = covered.c0; c < covered.c1; ++c)
            t.values[cells + size_t(r) * grid_w_ + c] = label;
      if (cover_) {
        for (int r = covered.r0; r < covered.r1; ++r)
          for (int c = covered.c0; c < covered.c1; ++c) t.values[size_t(r) * grid_w_ + c] = label;
        if (!covered.empty()) continue;  // degenerate boxes fall back to their centre
      }
      const float cx = box->cx(), cy = box->cy();
      if (cx < 0 || cy < 0 || cx > float(cfg_.input_w) || cy > float(cfg_.input_h)) continue;
      const int c = std::min(grid_w_ - 1, int(cx / float(stride_)));
      const int r = std::min(grid_h_ - 1, int(cy / float(stride_)));
      t.values[size_t(r) * grid_w_ + c] = label;
    }
    return t;
  }

  double loss(std::span<const ConstTensorBatch> outputs, std::span<const Targets> targets,
              std::span<TensorBatch> grads) const override {
    require_configured();
    if (outputs.size() != 1 || grads.size() != 1)
      throw std::invalid_argument("fomo: loss expects exactly one output (heatmap) and grad");
    const ConstTensorBatch& out = outputs[0];
    TensorBatch& grad = grads[0];
    check_batch(out.shape, out.batch, "loss output");
    check_batch(grad.shape, grad.batch, "loss gradient");
    if (grad.batch != out.batch || int(targets.size()) != out.batch)
      throw std::invalid_argument("fomo: loss got batch " + std::to_string(out.batch) +
                                  " outputs, " + std::to_string(grad.batch) + " gradients and " +
                                  std::to_string(targets.size()) + " targets");
    const int channels = cfg_.num_classes + 1;
    const size_t cells = size_t(grid_h_) * grid_w_;
    const double norm = 1.0 / (double(cells) * out.batch);
    double total = 0;
    std::vector<double> p(static_cast<size_t>(channels));
    for (int n = 0; n < out.batch; ++n) {
      const Targets& t = targets[size_t(n)];
      if (t.values.size() != target_size())
        throw std::invalid_argument("fomo: target " + std::to_string(n) + " has " +
                                    std::to_string(t.values.size()) + " values, expected " +
                                    std::to_string(target_size()));
      for (size_t cell = 0; cell < cells; ++cell) {
        const size_t base = (size_t(n) * cells + cell) * size_t(channels);
        const float* z = out.data + base;
        float* g = grad.data + base;
        const int label = int(t.values[cell]);
        if (label < 0 || label >= channels)
          throw std::invalid_argument("fomo: target label " + std::to_string(label) +
                                      " out of range");
        double m = z[0];
        for (int k = 1; k < channels; ++k) m = std::max(m, double(z[k]));
        double sum = 0;
        for (int k = 0; k < channels; ++k) sum += (p[size_t(k)] = std::exp(double(z[k]) - m));
        const double log_sum = m + std::log(sum);
        const double w = label > 0 ? double(object_weight_) : 1.0;
        total += w * (log_sum - double(z[label]));
        for (int k = 0; k < channels; ++k) {
          const double prob = p[size_t(k)] / sum;
          g[k] = float(w * (prob - (k == label ? 1.0 : 0.0)) * norm);
        }
        const int box_class = box_class_weight_ > 0 ? int(t.values[cells + cell]) : 0;
        if (label == 0 && box_class > 0) {
          if (box_class >= channels)
            throw std::invalid_argument("fomo: box-class target " + std::to_string(box_class) +
                                        " out of range");
          // Class-only term -log(p_k / sum_{j>=1} p_j): the softmax over the object channels
          // alone, so it does not change how much background the cell predicts.
          double object_sum = 0;
          for (int k = 1; k < channels; ++k) object_sum += p[size_t(k)];
          const double wc = double(box_class_weight_);
          total += wc * (m + std::log(object_sum) - double(z[box_class]));
          for (int k = 1; k < channels; ++k)
            g[k] += float(wc * (p[size_t(k)] / object_sum - (k == box_class ? 1.0 : 0.0)) * norm);
        }
      }
    }
    return total * norm;
  }

  void ideal_outputs(const Targets& t, std::span<TensorBatch> outputs) const override {
    require_configured();
    if (outputs.size() != 1) throw std::invalid_argument("fomo: ideal_outputs expects 1 output");
    TensorBatch& out = outputs[0];
    check_batch(out.shape, out.batch, "ideal_outputs");
    const int channels = cfg_.num_classes + 1;
    const size_t cells = size_t(grid_h_) * grid_w_;
    if (t.values.size() != target_size())
      throw std::invalid_argument("fomo: ideal_outputs: bad target");
    std::fill(out.data, out.data + out.size(), 0.f);
    for (size_t cell = 0; cell < cells; ++cell)
      out.data[cell * size_t(channels) + size_t(t.values[cell])] = kIdealLogit;
  }

  std::vector<Detection> decode(std::span<const ConstTensorBatch> outputs,
                                const DecodeOptions& opt) const override {
    require_configured();
    if (outputs.size() != 1) throw std::invalid_argument("fomo: decode expects 1 output");
    const ConstTensorBatch& out = outputs[0];
    check_batch(out.shape, 1, "decode");
    const float threshold = opt.score_threshold < 0 ? kDefaultScoreThreshold : opt.score_threshold;
    const int channels = cfg_.num_classes + 1;
    const size_t cells = size_t(grid_h_) * grid_w_;

    // Per cell: the best object class (0-based) and its probability, or -1 below threshold.
    std::vector<int> cell_class(cells, -1);
    std::vector<float> cell_score(cells, 0.f);
    std::vector<float> probs(static_cast<size_t>(channels));
    for (size_t cell = 0; cell < cells; ++cell) {
      const std::span<const float> z(out.data + cell * size_t(channels), size_t(channels));
      archutil::softmax(z, probs);
      int best = 1;
      for (int k = 2; k < channels; ++k)
        if (probs[size_t(k)] > probs[size_t(best)]) best = k;
      if (probs[size_t(best)] >= threshold) {
        cell_class[cell] = best - 1;
        cell_score[cell] = probs[size_t(best)];
      }
    }
    return merge_cells(cell_class, cell_score, opt.max_detections);
  }

 private:
  Shape heatmap_shape() const { return Shape{grid_h_, grid_w_, cfg_.num_classes + 1}; }

  /// Values per target: the label plane, plus the box-class plane when that loss is on.
  size_t target_size() const {
    return size_t(grid_h_) * grid_w_ * (box_class_weight_ > 0 ? 2 : 1);
  }

  /// Grid cells a box overlaps: rows [r0, r1), columns [c0, c1), clipped to the grid.
  struct CellRange {
    int r0, r1, c0, c1;
    bool empty() const { return r0 >= r1 || c0 >= c1; }
  };
  CellRange cells_covered(const Box& box) const {
    return CellRange{std::max(0, int(std::floor(box.y0 / float(stride_)))),
                     std::min(grid_h_, int(std::ceil(box.y1 / float(stride_)))),
                     std::max(0, int(std::floor(box.x0 / float(stride_)))),
                     std::min(grid_w_, int(std::ceil(box.x1 / float(stride_))))};
  }

  void require_configured() const {
    if (!configured_) throw std::logic_error("fomo: configure() must be called first");
  }

  void check_batch(const Shape& shape, int batch, const char* what) const {
    if (!(shape == heatmap_shape()) || batch < 1)
      throw std::invalid_argument(
          std::string("fomo: ") + what + ": heatmap shape " + std::to_string(shape.h) + "x" +
          std::to_string(shape.w) + "x" + std::to_string(shape.c) + " (batch " +
          std::to_string(batch) + ") does not match the configured " + std::to_string(grid_h_) +
          "x" + std::to_string(grid_w_) + "x" + std::to_string(cfg_.num_classes + 1));
  }

  /// Merges 4-connected cells of the same class into one detection each.
  std::vector<Detection> merge_cells(const std::vector<int>& cell_class,
                                     const std::vector<float>& cell_score,
                                     int max_detections) const {
    std::vector<Detection> detections;
    std::vector<char> visited(cell_class.size(), 0);
    std::vector<int> stack;
    for (int start = 0; start < int(cell_class.size()); ++start) {
      if (cell_class[size_t(start)] < 0 || visited[size_t(start)]) continue;
      const int cls = cell_class[size_t(start)];
      double weight = 0, wx = 0, wy = 0;
      double plain_x = 0, plain_y = 0;  // unweighted sums: the fallback when all scores are 0
      int count = 0;
      float best = 0;
      int min_r = grid_h_, max_r = -1, min_c = grid_w_, max_c = -1;
      stack.assign(1, start);
      visited[size_t(start)] = 1;
      while (!stack.empty()) {
        const int cell = stack.back();
        stack.pop_back();
        const int r = cell / grid_w_, c = cell % grid_w_;
        const float s = cell_score[size_t(cell)];
        weight += s;
        wx += double(s) * (c + 0.5) * stride_;
        wy += double(s) * (r + 0.5) * stride_;
        plain_x += (c + 0.5) * stride_;
        plain_y += (r + 0.5) * stride_;
        ++count;
        best = std::max(best, s);
        min_r = std::min(min_r, r), max_r = std::max(max_r, r);
        min_c = std::min(min_c, c), max_c = std::max(max_c, c);
        const int neighbours[4][2] = {{r - 1, c}, {r + 1, c}, {r, c - 1}, {r, c + 1}};
        for (const auto& [nr, nc] : neighbours) {
          if (nr < 0 || nc < 0 || nr >= grid_h_ || nc >= grid_w_) continue;
          const int next = nr * grid_w_ + nc;
          if (visited[size_t(next)] || cell_class[size_t(next)] != cls) continue;
          visited[size_t(next)] = 1;
          stack.push_back(next);
        }
      }
      Detection d;
      d.cls = cls;
      d.score = best;
      d.cx = float(weight > 0 ? wx / weight : plain_x / count);
      d.cy = float(weight > 0 ? wy / weight : plain_y / count);
      d.x0 = float(min_c * stride_);
      d.y0 = float(min_r * stride_);
      d.x1 = float((max_c + 1) * stride_);
      d.y1 = float((max_r + 1) * stride_);
      d.is_centroid_only = true;
      detections.push_back(d);
    }
    std::stable_sort(detections.begin(), detections.end(),
                     [](const Detection& a, const Detection& b) { return a.score > b.score; });
    if (max_detections > 0 && int(detections.size()) > max_detections)
      detections.resize(size_t(max_detections));
    return detections;
  }

  ArchConfig cfg_;
  bool configured_ = false;
  float alpha_ = 0.35f;
  std::string cut_ = "block_6_expand_relu";
  int stride_ = 8;
  bool cover_ = false;
  float object_weight_ = 100.f;
  float box_class_weight_ = 100.f;
  int grid_h_ = 0, grid_w_ = 0;
};

}  // namespace
}  // namespace tinydet

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_ARCHITECTURE, tinydet::Architecture,
                       tinydet::FomoArchitecture, "fomo", "1.1.0",
                       "FOMO: MobileNetV2 cut at stride 8 with a 1x1 head, per-cell classes "
                       "merged into centroids")
