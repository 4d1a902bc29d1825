#include "nms.h"

#include <algorithm>

#include "tinydet/types.h"

namespace tinydet::ssdlite {

std::vector<ScoredBox> non_max_suppression(std::vector<ScoredBox> boxes, float iou_threshold,
                                           int max_keep) {
  std::stable_sort(boxes.begin(), boxes.end(),
                   [](const ScoredBox& a, const ScoredBox& b) { return a.score > b.score; });
  std::vector<ScoredBox> kept;
  for (const ScoredBox& candidate : boxes) {
    if (int(kept.size()) >= max_keep) break;
    const CornerBox& c = candidate.box;
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const ScoredBox& k) {
      return iou(c.x0, c.y0, c.x1, c.y1, k.box.x0, k.box.y0, k.box.x1, k.box.y1) > iou_threshold;
    });
    if (!suppressed) kept.push_back(candidate);
  }
  return kept;
}

}  // namespace tinydet::ssdlite
