// Training targets of one image, in the Targets::values layout this plugin owns:
// 5 floats per anchor, anchors in AnchorSet order:
//   [0] label: -1 ignored, 0 background, k + 1 for dataset class k
//   [1..4] box deltas (ty, tx, th, tw) of the matched box; 0 unless the label is >= 1
#pragma once

#include <vector>

#include "anchors.h"
#include "settings.h"
#include "tinydet/architecture.h"
#include "tinydet/types.h"

namespace tinydet::ssdlite {

constexpr int kTargetStride = 5;
constexpr float kIgnoreLabel = -1.f;

/// Matches `ground_truth` (input pixels) to the anchors and encodes the targets. Throws
/// std::invalid_argument naming the box if a class index is outside [0, num_classes).
Targets encode_targets(const std::vector<Box>& ground_truth, const std::vector<Anchor>& anchors,
                       const SsdliteSettings& settings);

/// Label of anchor `a` (-1, 0 or class + 1).
inline int target_label(const Targets& t, int a) { return int(t.values[size_t(a) * kTargetStride]); }
inline const float* target_deltas(const Targets& t, int a) {
  return t.values.data() + size_t(a) * kTargetStride + 1;
}

}  // namespace tinydet::ssdlite
