#include "settings.h"

#include <cmath>
#include <stdexcept>

namespace tinydet::ssdlite {

namespace {

float parse_float(const std::string& key, const std::string& text) {
  try {
    size_t used = 0;
    const float v = std::stof(text, &used);
    if (used != text.size() || !std::isfinite(v)) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument("ssdlite_mobilenetv2: option '" + key + "' = '" + text +
                                "' is not a number");
  }
}

int parse_int(const std::string& key, const std::string& text) {
  try {
    size_t used = 0;
    const int v = std::stoi(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument("ssdlite_mobilenetv2: option '" + key + "' = '" + text +
                                "' is not an integer");
  }
}

void require(bool ok, const std::string& key, const std::string& text, const char* range) {
  if (!ok)
    throw std::invalid_argument("ssdlite_mobilenetv2: option '" + key + "' = '" + text +
                                "' is out of range " + range);
}

int checked_side(int side, const char* which, int fallback) {
  if (side == 0) return fallback;
  if (side < 0 || side % kResolutionMultiple != 0)
    throw std::invalid_argument("ssdlite_mobilenetv2: input " + std::string(which) + " " +
                                std::to_string(side) + " is not a positive multiple of " +
                                std::to_string(kResolutionMultiple));
  return side;
}

}  // namespace

std::vector<OptionInfo> option_infos() {
  return {
      {"alpha", "0.35", "MobileNetV2 width multiplier in [0.35, 1.0]; also scales the extra layers"},
      {"score_threshold", "0.3", "default decode threshold on the softmax class probability"},
      {"nms_iou", "0.6", "default per-class NMS IoU threshold"},
      {"match_iou", "0.5", "anchors with IoU >= this to a ground-truth box are positives"},
      {"max_negatives_per_positive", "3", "hard negative mining ratio"},
      {"min_negatives_per_image", "3", "hard negatives kept in an image without positives"},
  };
}

float parse_alpha(const std::map<std::string, std::string>& options) {
  const auto it = options.find("alpha");
  if (it == options.end()) return 0.35f;
  const float a = parse_float("alpha", it->second);
  require(a >= 0.35f - 1e-6f && a <= 1.0f + 1e-6f, "alpha", it->second, "[0.35, 1.0]");
  return a;
}

int default_resolution_for_alpha(float alpha) { return alpha >= 0.75f ? 320 : 160; }

SsdliteSettings parse_settings(const ArchConfig& cfg) {
  SsdliteSettings s;
  for (const auto& [key, value] : cfg.options) {
    bool known = false;
    for (const auto& info : option_infos()) known = known || info.name == key;
    if (!known) throw std::invalid_argument("ssdlite_mobilenetv2: unknown option '" + key + "'");
  }
  s.alpha = parse_alpha(cfg.options);
  const int fallback = default_resolution_for_alpha(s.alpha);
  s.input_h = checked_side(cfg.input_h, "height", fallback);
  s.input_w = checked_side(cfg.input_w, "width", fallback);
  if (cfg.num_classes < 1)
    throw std::invalid_argument("ssdlite_mobilenetv2: num_classes = " +
                                std::to_string(cfg.num_classes) + " must be at least 1");
  s.num_classes = cfg.num_classes;

  auto get = [&](const char* key) -> const std::string* {
    const auto it = cfg.options.find(key);
    return it == cfg.options.end() ? nullptr : &it->second;
  };
  if (const auto* v = get("score_threshold")) {
    s.score_threshold = parse_float("score_threshold", *v);
    require(s.score_threshold >= 0.f && s.score_threshold <= 1.f, "score_threshold", *v, "[0, 1]");
  }
  if (const auto* v = get("nms_iou")) {
    s.nms_iou = parse_float("nms_iou", *v);
    require(s.nms_iou > 0.f && s.nms_iou <= 1.f, "nms_iou", *v, "(0, 1]");
  }
  if (const auto* v = get("match_iou")) {
    s.match_iou = parse_float("match_iou", *v);
    require(s.match_iou > 0.f && s.match_iou <= 1.f, "match_iou", *v, "(0, 1]");
  }
  if (const auto* v = get("max_negatives_per_positive")) {
    s.max_negatives_per_positive = parse_int("max_negatives_per_positive", *v);
    require(s.max_negatives_per_positive >= 0, "max_negatives_per_positive", *v, ">= 0");
  }
  if (const auto* v = get("min_negatives_per_image")) {
    s.min_negatives_per_image = parse_int("min_negatives_per_image", *v);
    require(s.min_negatives_per_image >= 0, "min_negatives_per_image", *v, ">= 0");
  }
  return s;
}

std::vector<FeatureMapSize> feature_map_sizes(int input_h, int input_w) {
  std::vector<FeatureMapSize> maps{{input_h / 16, input_w / 16}, {input_h / 32, input_w / 32}};
  while (maps.back().h > 1 || maps.back().w > 1) {
    const FeatureMapSize& last = maps.back();
    maps.push_back({(last.h + 1) / 2, (last.w + 1) / 2});
  }
  return maps;
}

}  // namespace tinydet::ssdlite
