#include "settings.h"

#include <cmath>
#include <stdexcept>

#include "../common/arch_options.h"

namespace tinydet::ssdlite {

namespace {

constexpr const char* kPlugin = "ssdlite_mobilenetv2";

float float_option(const ArchConfig& cfg, const char* key, float min_value, float max_value) {
  return archutil::parse_float_option(archutil::option_or_default(cfg, option_infos(), key), key,
                                      kPlugin, min_value, max_value);
}

int count_option(const ArchConfig& cfg, const char* key) {
  return archutil::parse_int_option(archutil::option_or_default(cfg, option_infos(), key), key,
                                    kPlugin, 0, 1000000);
}

}  // namespace

std::vector<OptionInfo> option_infos() {
  return {
      {"alpha", "0.35", "MobileNetV2 width multiplier in [0.35, 1.0]; also scales the extra layers"},
      {"score_threshold", "0.3", "default decode threshold on the softmax class probability"},
      {"nms_iou", "0.6", "default per-class NMS IoU threshold"},
      {"match_iou", "0.5", "anchors with IoU >= this to a ground-truth box are positives"},
      {"unmatched_iou", "0.5",
       "anchors whose best IoU is in [unmatched_iou, match_iou) are ignored, below it they are "
       "background; equal to match_iou: no ignore band"},
      {"max_negatives_per_positive", "3", "hard negative mining ratio"},
      {"min_negatives_per_image", "3", "hard negatives kept in an image without positives"},
  };
}

float parse_alpha(const std::map<std::string, std::string>& options) {
  const auto it = options.find("alpha");
  if (it == options.end()) return 0.35f;
  return archutil::parse_float_option(it->second, "alpha", kPlugin, 0.35f, 1.0f);
}

int default_resolution_for_alpha(float alpha) { return alpha >= 0.75f ? 320 : 160; }

SsdliteSettings parse_settings(const ArchConfig& cfg) {
  archutil::check_known_options(cfg, option_infos(), kPlugin);
  archutil::check_input(cfg, kResolutionMultiple, kPlugin);
  SsdliteSettings s;
  s.alpha = parse_alpha(cfg.options);
  s.input_h = cfg.input_h;
  s.input_w = cfg.input_w;
  s.num_classes = cfg.num_classes;
  s.score_threshold = float_option(cfg, "score_threshold", 0.f, 1.f);
  s.nms_iou = float_option(cfg, "nms_iou", 0.f, 1.f);
  s.match_iou = float_option(cfg, "match_iou", 0.01f, 1.f);
  s.unmatched_iou = float_option(cfg, "unmatched_iou", 0.f, 1.f);
  if (s.unmatched_iou > s.match_iou)
    throw std::invalid_argument(std::string(kPlugin) + ": option 'unmatched_iou' = " +
                                std::to_string(s.unmatched_iou) + " is above 'match_iou' = " +
                                std::to_string(s.match_iou));
  s.max_negatives_per_positive = count_option(cfg, "max_negatives_per_positive");
  s.min_negatives_per_image = count_option(cfg, "min_negatives_per_image");
  return s;
}

std::vector<FeatureMapSize> feature_map_sizes(int input_h, int input_w) {
  std::vector<FeatureMapSize> maps{{input_h / 16, input_w / 16}, {input_h / 32, input_w / 32}};
  for (int k = 0; k < kExtraLayers; ++k) {
    const FeatureMapSize& last = maps.back();
    maps.push_back({(last.h + 1) / 2, (last.w + 1) / 2});
  }
  return maps;
}

}  // namespace tinydet::ssdlite
