// TinyissimoYOLO (Moosmann et al. 2023, arXiv:2306.00001) as a tinydet architecture plugin.
//
// Body: 3×3 conv + BN + ReLU with 2×2 max-pooling, 16 -> 32 -> 64 -> 128 -> 128 channels,
// total stride 8. Head (YOLOv1 style): a 3×3 stride-2 conv to `head_channels` (10) channels
// (BN + leaky ReLU), then one fully connected layer to S_h × S_w × (5B + C), reshaped to the
// output "grid" (S = ceil(input / grid_stride), grid_stride 16 by default, B = 2).
// README.md derives the 422k-parameter budget at 88×88, 3 classes.
//
// Per-cell channel layout: box j (j < B) at 5j: [tx, ty, tw, th, tc]; then C class logits.
//   centre x = (col + sigmoid(tx)) / S_w, centre y = (row + sigmoid(ty)) / S_h  (image units)
//   width = sigmoid(tw)^2, height = sigmoid(th)^2 (image units), confidence = sigmoid(tc)
//   class probabilities = softmax(class logits).
// Loss (YOLOv1, summed over cells, mean over the batch): in the cell holding a GT centre the
// responsible box (highest IoU with the GT) gets lambda_coord × squared error on x, y
// (cell-relative), sqrt w, sqrt h and (conf - 1)^2; every other box gets
// lambda_noobj × conf^2; the class term is softmax cross-entropy. Gradients are exact (the
// responsible-box choice is piecewise constant).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/arch_options.h"
#include "../common/nms.h"
#include "tinydet/architecture.h"
#include "tinydet/graph_builder.h"
#include "tinydet/plugin.h"

namespace tinydet {
namespace {

constexpr const char* kPlugin = "tinyissimo_yolo";
constexpr int kStride = 8;          // three 2×2 max-pools
constexpr int kBoxes = 2;           // B
constexpr float kDefaultScoreThreshold = 0.25f;
constexpr float kDefaultNmsIou = 0.45f;
constexpr float kIdealLogit = 12.f;  // confidences/classes of ideal_outputs
// Targets per cell: has_object, class, x0, y0, x1, y1 (image units, clipped to [0, 1]).
constexpr int kTargetFields = 6;

struct BoxPrediction {
  float sx, sy, sw, sh, conf;  // sigmoids of tx, ty, tw, th, tc
  float x0, y0, x1, y1;        // image units
};

BoxPrediction predict_box(const float* t, int row, int col, int grid_h, int grid_w) {
  BoxPrediction p;
  p.sx = archutil::sigmoid(t[0]);
  p.sy = archutil::sigmoid(t[1]);
  p.sw = archutil::sigmoid(t[2]);
  p.sh = archutil::sigmoid(t[3]);
  p.conf = archutil::sigmoid(t[4]);
  const float cx = (float(col) + p.sx) / float(grid_w);
  const float cy = (float(row) + p.sy) / float(grid_h);
  const float w = p.sw * p.sw, h = p.sh * p.sh;
  p.x0 = cx - 0.5f * w;
  p.x1 = cx + 0.5f * w;
  p.y0 = cy - 0.5f * h;
  p.y1 = cy + 0.5f * h;
  return p;
}

float logit(float p) {
  p = std::clamp(p, 1e-6f, 1.f - 1e-6f);
  return std::log(p / (1.f - p));
}

class TinyissimoYolo final : public Architecture {
 public:
  std::vector<OptionInfo> options() const override {
    return {
        {"lambda_coord", "5", "weight of the box-coordinate squared errors (YOLOv1: 5)"},
        {"lambda_noobj", "0.5", "weight of the confidence error of boxes without an object"},
        {"lambda_class", "1", "weight of the class cross-entropy"},
        {"fc_dropout", "0",
         "dropout rate on the FC layer's input during training (YOLOv1: 0.5); 0 = none"},
        {"objectness_loss", "mse",
         "confidence loss: mse (YOLOv1: squared error on the sigmoid) or bce (logistic)"},
        {"objectness_target", "one",
         "confidence target of the responsible box: one, or iou (YOLOv1: its IoU with the "
         "ground truth, held constant in the gradient)"},
        {"grid_stride", "16",
         "input pixels per output cell: S = ceil(input / grid_stride); 16 or 8"},
        {"head_channels", "10",
         "channels of the stride-2 head conv whose output feeds the fully connected layer"},
    };
  }

  int default_resolution(const ArchConfig&) const override { return 88; }
  int resolution_multiple() const override { return kStride; }

  void configure(const ArchConfig& cfg) override {
    const auto known = options();
    archutil::check_known_options(cfg, known, kPlugin);
    auto weight = [&](const char* key) {
      return archutil::parse_float_option(archutil::option_or_default(cfg, known, key), key,
                                          kPlugin, 0.f, 1e6f);
    };
    const float lc = weight("lambda_coord"), ln = weight("lambda_noobj"),
                lk = weight("lambda_class");
    const int grid_stride = archutil::parse_int_option(
        archutil::option_or_default(cfg, known, "grid_stride"), "grid_stride", kPlugin, 8, 16);
    if (grid_stride != 8 && grid_stride != 16)
      throw std::invalid_argument(std::string(kPlugin) + ": option 'grid_stride' = " +
                                  std::to_string(grid_stride) + " is neither 8 nor 16");
    const int head_channels = archutil::parse_int_option(
        archutil::option_or_default(cfg, known, "head_channels"), "head_channels", kPlugin, 1,
        4096);
    const float fc_dropout = archutil::parse_float_option(
        archutil::option_or_default(cfg, known, "fc_dropout"), "fc_dropout", kPlugin, 0.f, 0.9f);
    const std::string objectness =
        archutil::choice_option(cfg, known, "objectness_loss", kPlugin, {"mse", "bce"});
    const std::string target =
        archutil::choice_option(cfg, known, "objectness_target", kPlugin, {"one", "iou"});
    archutil::check_input(cfg, kStride, kPlugin);
    cfg_ = cfg;
    objectness_bce_ = objectness == "bce";
    objectness_iou_ = target == "iou";
    fc_dropout_ = fc_dropout;
    lambda_coord_ = lc;
    lambda_noobj_ = ln;
    lambda_class_ = lk;
    head_channels_ = head_channels;
    // The head conv (stride 2 on the stride-8 map) outputs ceil(input / 16) cells a side, so
    // with grid_stride 16 each FC input position lines up with one output cell.
    grid_h_ = (cfg.input_h + grid_stride - 1) / grid_stride;
    grid_w_ = (cfg.input_w + grid_stride - 1) / grid_stride;
    configured_ = true;
  }

  Graph build_graph() const override {
    require_configured();
    GraphBuilder b(Shape{cfg_.input_h, cfg_.input_w, 3});
    int x = b.input();
    const int body[] = {16, 32, 64};
    for (int i = 0; i < 3; ++i) {
      x = b.conv2d(x, body[i], 3, 1, Act::ReLU, "conv" + std::to_string(i + 1));
      x = b.max_pool(x, 2, 2, "pool" + std::to_string(i + 1));
    }
    x = b.conv2d(x, 128, 3, 1, Act::ReLU, "conv4");
    x = b.conv2d(x, 128, 3, 1, Act::ReLU, "conv5");
    x = b.conv2d(x, head_channels_, 3, 2, Act::LeakyReLU, "head_conv");
    if (fc_dropout_ > 0.f) x = b.dropout(x, fc_dropout_, "head_dropout");
    x = b.fully_connected(x, grid_h_ * grid_w_ * cell_channels(), Act::None, "head_fc");
    x = b.reshape(x, grid_shape(), "grid_reshape");
    b.mark_output(x, "grid");
    b.set_meta("architecture", kPlugin);
    return b.finish();
  }

  std::string primary_metric() const override { return "map50"; }

  Targets encode(const std::vector<Box>& ground_truth) const override {
    require_configured();
    Targets t;
    const size_t cells = size_t(grid_h_) * grid_w_;
    t.values.assign(cells * kTargetFields, 0.f);
    std::vector<float> cell_area(cells, -1.f);
    const float W = float(cfg_.input_w), H = float(cfg_.input_h);
    for (const Box& box : ground_truth) {
      if (box.cls < 0 || box.cls >= cfg_.num_classes)
        throw std::invalid_argument(std::string(kPlugin) + ": ground-truth class " +
                                    std::to_string(box.cls) + " is outside [0, " +
                                    std::to_string(cfg_.num_classes) + ")");
      if (box.crowd) continue;
      const float x0 = std::clamp(box.x0 / W, 0.f, 1.f), x1 = std::clamp(box.x1 / W, 0.f, 1.f);
      const float y0 = std::clamp(box.y0 / H, 0.f, 1.f), y1 = std::clamp(box.y1 / H, 0.f, 1.f);
      if (!(x1 > x0 && y1 > y0)) continue;  // empty after clipping (or NaN)
      const float cx = 0.5f * (x0 + x1), cy = 0.5f * (y0 + y1);
      const int col = std::min(grid_w_ - 1, int(cx * float(grid_w_)));
      const int row = std::min(grid_h_ - 1, int(cy * float(grid_h_)));
      const size_t cell = size_t(row) * grid_w_ + col;
      // One object per cell (as YOLOv1): the largest box whose centre falls in it.
      const float area = (x1 - x0) * (y1 - y0);
      if (area <= cell_area[cell]) continue;
      cell_area[cell] = area;
      float* v = t.values.data() + cell * kTargetFields;
      v[0] = 1.f;
      v[1] = float(box.cls);
      v[2] = x0, v[3] = y0, v[4] = x1, v[5] = y1;
    }
    return t;
  }

  double loss(std::span<const ConstTensorBatch> outputs, std::span<const Targets> targets,
              std::span<TensorBatch> grads) const override {
    require_configured();
    if (outputs.size() != 1 || grads.size() != 1)
      throw std::invalid_argument(std::string(kPlugin) +
                                  ": loss expects exactly one output (grid) and gradient");
    const ConstTensorBatch& out = outputs[0];
    TensorBatch& grad = grads[0];
    check_shape(out.shape, out.batch, "loss output");
    check_shape(grad.shape, grad.batch, "loss gradient");
    if (grad.batch != out.batch || int(targets.size()) != out.batch)
      throw std::invalid_argument(std::string(kPlugin) + ": loss got batch " +
                                  std::to_string(out.batch) + " outputs, " +
                                  std::to_string(grad.batch) + " gradients and " +
                                  std::to_string(targets.size()) + " targets");
    const int channels = cell_channels();
    const int C = cfg_.num_classes;
    const size_t cells = size_t(grid_h_) * grid_w_;
    const double inv_batch = 1.0 / out.batch;
    double total = 0;
    std::vector<double> probs(static_cast<size_t>(C));
    std::fill(grad.data, grad.data + grad.size(), 0.f);

    for (int n = 0; n < out.batch; ++n) {
      const Targets& tg = targets[size_t(n)];
      if (tg.values.size() != cells * kTargetFields)
        throw std::invalid_argument(std::string(kPlugin) + ": target " + std::to_string(n) +
                                    " has " + std::to_string(tg.values.size()) +
                                    " values, expected " +
                                    std::to_string(cells * kTargetFields));
      for (size_t cell = 0; cell < cells; ++cell) {
        const int row = int(cell) / grid_w_, col = int(cell) % grid_w_;
        const float* z = out.data + (size_t(n) * cells + cell) * size_t(channels);
        float* g = grad.data + (size_t(n) * cells + cell) * size_t(channels);
        const float* v = tg.values.data() + cell * kTargetFields;
        BoxPrediction pred[kBoxes];
        for (int j = 0; j < kBoxes; ++j) pred[j] = predict_box(z + 5 * j, row, col, grid_h_, grid_w_);

        int responsible = -1;
        float best_iou = -1.f;
        if (v[0] > 0.5f) {
          for (int j = 0; j < kBoxes; ++j) {
            const float o = iou(pred[j].x0, pred[j].y0, pred[j].x1, pred[j].y1, v[2], v[3], v[4], v[5]);
            if (o > best_iou) best_iou = o, responsible = j;
          }
        }
        // Squared error (s - target)^2 on s = sigmoid(t): gradient 2 (s - target) s (1 - s).
        auto squared = [&](double weight, float s, double target, float* dt) {
          const double d = double(s) - target;
          *dt = float(weight * 2.0 * d * double(s) * (1.0 - double(s)) * inv_batch);
          return weight * d * d;
        };
        // Confidence: the squared error above, or binary cross-entropy on the logit z:
        // softplus(z) - target z, gradient sigmoid(z) - target (no vanishing gradient when a
        // confidence saturates on the wrong side).
        auto objectness = [&](double weight, int box, double target) {
          if (!objectness_bce_) return squared(weight, pred[box].conf, target, g + 5 * box + 4);
          const double zt = z[5 * box + 4];
          const double softplus = std::max(zt, 0.0) + std::log1p(std::exp(-std::abs(zt)));
          g[5 * box + 4] = float(weight * (double(pred[box].conf) - target) * inv_batch);
          return weight * (softplus - target * zt);
        };
        for (int j = 0; j < kBoxes; ++j) {
          if (j == responsible) continue;
          total += objectness(lambda_noobj_, j, 0.0);
        }
        if (responsible < 0) continue;

        const BoxPrediction& p = pred[responsible];
        float* gr = g + 5 * responsible;
        const double gx = 0.5 * (v[2] + v[4]) * grid_w_ - col;
        const double gy = 0.5 * (v[3] + v[5]) * grid_h_ - row;
        const double gw = std::sqrt(double(v[4] - v[2])), gh = std::sqrt(double(v[5] - v[3]));
        total += squared(lambda_coord_, p.sx, gx, gr + 0);
        total += squared(lambda_coord_, p.sy, gy, gr + 1);
        total += squared(lambda_coord_, p.sw, gw, gr + 2);
        total += squared(lambda_coord_, p.sh, gh, gr + 3);
        total += objectness(1.0, responsible, objectness_iou_ ? std::max(0.0, double(best_iou)) : 1.0);

        // Class: softmax cross-entropy, d/dz = p - onehot.
        const float* zc = z + 5 * kBoxes;
        const int label = int(v[1]);
        double m = zc[0];
        for (int k = 1; k < C; ++k) m = std::max(m, double(zc[k]));
        double sum = 0;
        for (int k = 0; k < C; ++k) sum += (probs[size_t(k)] = std::exp(double(zc[k]) - m));
        total += lambda_class_ * (m + std::log(sum) - double(zc[label]));
        for (int k = 0; k < C; ++k)
          g[5 * kBoxes + k] = float(lambda_class_ * (probs[size_t(k)] / sum - (k == label)) *
                                    inv_batch);
      }
    }
    return total * inv_batch;
  }

  void ideal_outputs(const Targets& t, std::span<TensorBatch> outputs) const override {
    require_configured();
    if (outputs.size() != 1)
      throw std::invalid_argument(std::string(kPlugin) + ": ideal_outputs expects 1 output");
    TensorBatch& out = outputs[0];
    check_shape(out.shape, out.batch, "ideal_outputs");
    const size_t cells = size_t(grid_h_) * grid_w_;
    if (t.values.size() != cells * kTargetFields)
      throw std::invalid_argument(std::string(kPlugin) + ": ideal_outputs: bad target size");
    const int channels = cell_channels();
    std::fill(out.data, out.data + out.size(), 0.f);
    for (size_t cell = 0; cell < cells; ++cell) {
      float* z = out.data + cell * size_t(channels);
      const float* v = t.values.data() + cell * kTargetFields;
      for (int j = 0; j < kBoxes; ++j) z[5 * j + 4] = -kIdealLogit;
      if (v[0] < 0.5f) continue;
      const int row = int(cell) / grid_w_, col = int(cell) % grid_w_;
      z[0] = logit(0.5f * (v[2] + v[4]) * float(grid_w_) - float(col));
      z[1] = logit(0.5f * (v[3] + v[5]) * float(grid_h_) - float(row));
      z[2] = logit(std::sqrt(v[4] - v[2]));
      z[3] = logit(std::sqrt(v[5] - v[3]));
      z[4] = kIdealLogit;
      z[5 * kBoxes + int(v[1])] = kIdealLogit;
    }
  }

  std::vector<Detection> decode(std::span<const ConstTensorBatch> outputs,
                                const DecodeOptions& opt) const override {
    require_configured();
    if (outputs.size() != 1)
      throw std::invalid_argument(std::string(kPlugin) + ": decode expects 1 output");
    const ConstTensorBatch& out = outputs[0];
    check_shape(out.shape, 1, "decode");
    const float threshold = opt.score_threshold < 0 ? kDefaultScoreThreshold : opt.score_threshold;
    const float nms_iou = opt.nms_iou < 0 ? kDefaultNmsIou : opt.nms_iou;
    const int channels = cell_channels();
    const int C = cfg_.num_classes;
    const float W = float(cfg_.input_w), H = float(cfg_.input_h);
    std::vector<float> probs(static_cast<size_t>(C));
    std::vector<Detection> candidates;
    for (int cell = 0; cell < grid_h_ * grid_w_; ++cell) {
      const int row = cell / grid_w_, col = cell % grid_w_;
      const float* z = out.data + size_t(cell) * size_t(channels);
      archutil::softmax(std::span<const float>(z + 5 * kBoxes, size_t(C)), probs);
      for (int j = 0; j < kBoxes; ++j) {
        const BoxPrediction p = predict_box(z + 5 * j, row, col, grid_h_, grid_w_);
        if (!std::isfinite(p.x0 + p.x1 + p.y0 + p.y1 + p.conf)) continue;  // NaN logits
        for (int k = 0; k < C; ++k) {
          const float score = p.conf * probs[size_t(k)];
          if (!(score >= threshold)) continue;
          Detection d;
          d.x0 = std::clamp(p.x0, 0.f, 1.f) * W;
          d.x1 = std::clamp(p.x1, 0.f, 1.f) * W;
          d.y0 = std::clamp(p.y0, 0.f, 1.f) * H;
          d.y1 = std::clamp(p.y1, 0.f, 1.f) * H;
          d.cx = 0.5f * (d.x0 + d.x1);
          d.cy = 0.5f * (d.y0 + d.y1);
          d.cls = k;
          d.score = score;
          candidates.push_back(d);
        }
      }
    }
    return archutil::nms_per_class(std::move(candidates), nms_iou, opt.max_detections);
  }

 private:
  int cell_channels() const { return 5 * kBoxes + cfg_.num_classes; }
  Shape grid_shape() const { return Shape{grid_h_, grid_w_, cell_channels()}; }

  void require_configured() const {
    if (!configured_)
      throw std::logic_error(std::string(kPlugin) + ": configure() must be called first");
  }

  void check_shape(const Shape& shape, int batch, const char* what) const {
    if (!(shape == grid_shape()) || batch < 1)
      throw std::invalid_argument(
          std::string(kPlugin) + ": " + what + ": grid shape " + std::to_string(shape.h) + "x" +
          std::to_string(shape.w) + "x" + std::to_string(shape.c) + " (batch " +
          std::to_string(batch) + ") does not match the configured " + std::to_string(grid_h_) +
          "x" + std::to_string(grid_w_) + "x" + std::to_string(cell_channels()));
  }

  ArchConfig cfg_;
  bool configured_ = false;
  float lambda_coord_ = 5.f, lambda_noobj_ = 0.5f, lambda_class_ = 1.f;
  bool objectness_bce_ = false;
  bool objectness_iou_ = false;  // confidence target: IoU of the responsible box (else 1)
  float fc_dropout_ = 0.f;
  int grid_h_ = 0, grid_w_ = 0;
  int head_channels_ = 10;
};

}  // namespace
}  // namespace tinydet

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_ARCHITECTURE, tinydet::Architecture,
                       tinydet::TinyissimoYolo, "tinyissimo_yolo", "2.2.0",
                       "TinyissimoYOLO: 3x3 conv/max-pool body to 128 channels, conv + fully "
                       "connected YOLOv1 head (S x S x (5B+C), B=2)")
