#include "ssdlite_architecture.h"

#include <algorithm>
#include <stdexcept>

#include "decoding.h"
#include "loss.h"
#include "network.h"
#include "targets.h"

namespace tinydet::ssdlite {

namespace {
// Logit margin of ideal_outputs: softmax gives the intended class ~1 - C * e^-10.
constexpr float kIdealLogit = 10.f;
}  // namespace

std::vector<OptionInfo> SsdliteMobileNetV2::options() const { return option_infos(); }

int SsdliteMobileNetV2::default_resolution(const ArchConfig& cfg) const {
  return default_resolution_for_alpha(parse_alpha(cfg.options));
}

void SsdliteMobileNetV2::configure(const ArchConfig& cfg) {
  SsdliteSettings s = parse_settings(cfg);
  anchors_ = generate_anchors(s.input_h, s.input_w, feature_map_sizes(s.input_h, s.input_w));
  settings_ = s;
  layout_ = HeadLayout(&anchors_, s.num_classes);
  configured_ = true;
}

void SsdliteMobileNetV2::require_configured(const char* what) const {
  if (!configured_)
    throw std::logic_error(std::string("ssdlite_mobilenetv2 ") + what + ": configure() first");
}

void SsdliteMobileNetV2::check_targets(const Targets& t, const char* what) const {
  if (t.values.size() != anchors_.anchors.size() * kTargetStride)
    throw std::invalid_argument(std::string("ssdlite_mobilenetv2 ") + what + ": targets hold " +
                                std::to_string(t.values.size()) + " values, expected " +
                                std::to_string(anchors_.anchors.size() * kTargetStride) +
                                " (5 per anchor)");
}

Graph SsdliteMobileNetV2::build_graph() const {
  require_configured("build_graph");
  Graph g = build_ssdlite_graph(settings_, anchors_);
  g.meta["ssdlite.alpha"] = std::to_string(settings_.alpha);
  g.meta["ssdlite.num_anchors"] = std::to_string(anchors_.anchors.size());
  g.meta["ssdlite.output_layout"] = "box_k (ty,tx,th,tw per anchor), cls_k (C+1 logits, 0=background)";
  return g;
}

Targets SsdliteMobileNetV2::encode(const std::vector<Box>& ground_truth) const {
  require_configured("encode");
  return encode_targets(ground_truth, anchors_.anchors, settings_);
}

double SsdliteMobileNetV2::loss(std::span<const ConstTensorBatch> outputs,
                                std::span<const Targets> targets,
                                std::span<TensorBatch> grads) const {
  require_configured("loss");
  const int batch = int(targets.size());
  layout_.check(outputs, "loss (outputs)", batch);
  layout_.check(grads, "loss (grads)", batch);
  for (const Targets& t : targets) check_targets(t, "loss");

  std::vector<AnchorArrays> image_grads(static_cast<size_t>(batch));
  double total = 0;
  long long positives = 0;
  for (int i = 0; i < batch; ++i) {
    const ImageLoss l = image_loss(layout_.gather(outputs, i), targets[size_t(i)],
                                   layout_.num_logits(), settings_, image_grads[size_t(i)]);
    total += l.localization + l.classification;
    positives += l.num_positives;
  }
  // TF's normalize_loss_by_num_matches: divide by the positives of the whole batch.
  const double normaliser = double(std::max(1LL, positives));
  for (int i = 0; i < batch; ++i) {
    AnchorArrays& g = image_grads[size_t(i)];
    for (float& v : g.deltas) v = float(v / normaliser);
    for (float& v : g.logits) v = float(v / normaliser);
    layout_.scatter(g, grads, i);
  }
  return total / normaliser;
}

void SsdliteMobileNetV2::ideal_outputs(const Targets& t, std::span<TensorBatch> outputs) const {
  require_configured("ideal_outputs");
  layout_.check(outputs, "ideal_outputs", -1);
  check_targets(t, "ideal_outputs");
  AnchorArrays ideal;
  ideal.deltas.assign(size_t(layout_.num_anchors()) * 4, 0.f);
  ideal.logits.assign(size_t(layout_.num_anchors()) * layout_.num_logits(), 0.f);
  for (int a = 0; a < layout_.num_anchors(); ++a) {
    const int label = std::max(0, target_label(t, a));  // ignored anchors look like background
    ideal.logits[size_t(a) * layout_.num_logits() + size_t(label)] = kIdealLogit;
    if (label > 0) std::copy_n(target_deltas(t, a), 4, ideal.deltas.begin() + size_t(a) * 4);
  }
  layout_.scatter(ideal, outputs, 0);
}

std::vector<Detection> SsdliteMobileNetV2::decode(std::span<const ConstTensorBatch> outputs,
                                                  const DecodeOptions& opt) const {
  require_configured("decode");
  layout_.check(outputs, "decode", -1);
  if (opt.max_detections < 0)
    throw std::invalid_argument("ssdlite_mobilenetv2 decode: max_detections = " +
                                std::to_string(opt.max_detections) + " is negative");
  DecodeSettings d;
  d.input_h = settings_.input_h;
  d.input_w = settings_.input_w;
  d.num_classes = settings_.num_classes;
  d.score_threshold = opt.score_threshold < 0 ? settings_.score_threshold : opt.score_threshold;
  d.nms_iou = opt.nms_iou < 0 ? settings_.nms_iou : opt.nms_iou;
  d.max_detections = opt.max_detections;
  return decode_detections(layout_.gather(outputs, 0), anchors_, d);
}

}  // namespace tinydet::ssdlite
