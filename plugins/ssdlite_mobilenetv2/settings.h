// SSDLite-MobileNetV2 settings: the validated configuration every part of the plugin
// reads, and the feature-map geometry derived from the input size.
//
// Units: sizes in pixels of the network input; thresholds are IoU or probabilities.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tinydet/architecture.h"

namespace tinydet::ssdlite {

/// Every input side must be a multiple of this (the backbone's output stride).
constexpr int kResolutionMultiple = 32;

struct SsdliteSettings {
  float alpha = 0.35f;  // MobileNetV2 width multiplier, also scales the extra layers
  int input_h = 0, input_w = 0;
  int num_classes = 0;  // object classes; the heads predict num_classes + 1 (0 = background)
  // Decoding defaults (DecodeOptions values < 0 select these).
  float score_threshold = 0.3f;
  float nms_iou = 0.6f;
  // Matching and hard negative mining.
  float match_iou = 0.5f;
  float unmatched_iou = 0.5f;  // anchors in [unmatched_iou, match_iou) are ignored
  int max_negatives_per_positive = 3;
  int min_negatives_per_image = 3;
};

/// The options the plugin accepts, with their defaults and help.
std::vector<OptionInfo> option_infos();

/// Width multiplier from the options (default 0.35); throws std::invalid_argument naming
/// the "alpha" option if it is not a number in [0.35, 1.0].
float parse_alpha(const std::map<std::string, std::string>& options);

/// Default square resolution: 320 for alpha >= 0.75 (the paper's SSDLite input), 160 below.
int default_resolution_for_alpha(float alpha);

/// Validates `cfg` (input sides positive multiples of 32, at least one class, every option
/// known and in range) and returns the settings. Throws std::invalid_argument naming the
/// bad option or size.
SsdliteSettings parse_settings(const ArchConfig& cfg);

/// Spatial size of one SSD feature map.
struct FeatureMapSize {
  int h = 0, w = 0;
  bool operator==(const FeatureMapSize&) const = default;
};

/// SSDLite's extra stride-2 layers after the backbone (TF: 4, giving 6 feature maps).
constexpr int kExtraLayers = 4;

/// The feature maps the detector predicts from, in order: stride 16 (block 13's
/// expansion), stride 32 (the end of the backbone), then one map per extra stride-2 layer
/// (3×3, padding 1: ceil(side / 2)). Always 6 maps, as in TF, so the graph outputs and the
/// anchor scales do not depend on the input size: at 320×320 the maps reach 1×1 exactly
/// (20, 10, 5, 3, 2, 1); smaller inputs repeat 1×1 maps (160: 10, 5, 3, 2, 1, 1), larger
/// ones stop above 1×1.
std::vector<FeatureMapSize> feature_map_sizes(int input_h, int input_w);

}  // namespace tinydet::ssdlite
