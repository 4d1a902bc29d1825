#include "targets.h"

#include <stdexcept>

#include "box_coder.h"
#include "matching.h"

namespace tinydet::ssdlite {

Targets encode_targets(const std::vector<Box>& ground_truth, const std::vector<Anchor>& anchors,
                       const SsdliteSettings& settings) {
  for (size_t i = 0; i < ground_truth.size(); ++i) {
    const Box& b = ground_truth[i];
    if (!b.crowd && (b.cls < 0 || b.cls >= settings.num_classes))
      throw std::invalid_argument("ssdlite_mobilenetv2 encode: box " + std::to_string(i) +
                                  " has class " + std::to_string(b.cls) + ", outside [0, " +
                                  std::to_string(settings.num_classes) + ")");
  }
  const AnchorMatches m = match_anchors(anchors, ground_truth, settings.input_h, settings.input_w,
                                        settings.match_iou, settings.unmatched_iou);
  Targets t;
  t.values.assign(anchors.size() * kTargetStride, 0.f);
  for (size_t a = 0; a < anchors.size(); ++a) {
    float* row = t.values.data() + a * kTargetStride;
    const int g = m.box_of_anchor[a];
    if (g == kIgnored) {
      row[0] = kIgnoreLabel;
    } else if (g >= 0) {
      const Box& b = m.boxes[size_t(g)];
      row[0] = float(b.cls + 1);
      const BoxDeltas d = encode_box({b.x0, b.y0, b.x1, b.y1}, anchors[a]);
      std::copy(d.begin(), d.end(), row + 1);
    }
  }
  return t;
}

}  // namespace tinydet::ssdlite
