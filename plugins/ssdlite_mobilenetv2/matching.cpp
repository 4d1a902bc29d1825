#include "matching.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace tinydet::ssdlite {

float anchor_iou(const Anchor& a, const Box& b) {
  return iou(a.x0(), a.y0(), a.x1(), a.y1(), b.x0, b.y0, b.x1, b.y1);
}

AnchorMatches match_anchors(const std::vector<Anchor>& anchors, const std::vector<Box>& ground_truth,
                            int input_h, int input_w, float match_iou, float unmatched_iou) {
  if (!(unmatched_iou <= match_iou))
    throw std::invalid_argument("ssdlite_mobilenetv2 matching: unmatched IoU " +
                                std::to_string(unmatched_iou) + " is above the match IoU " +
                                std::to_string(match_iou));
  AnchorMatches m;
  for (Box b : ground_truth) {
    b.x0 = std::clamp(b.x0, 0.f, float(input_w));
    b.x1 = std::clamp(b.x1, 0.f, float(input_w));
    b.y0 = std::clamp(b.y0, 0.f, float(input_h));
    b.y1 = std::clamp(b.y1, 0.f, float(input_h));
    if (b.area() > 0.f) m.boxes.push_back(b);
  }
  const size_t num_anchors = anchors.size(), num_boxes = m.boxes.size();
  m.box_of_anchor.assign(num_anchors, kBackground);
  if (num_boxes == 0) return m;

  // overlaps[g * num_anchors + a]
  std::vector<float> overlaps(num_boxes * num_anchors);
  for (size_t g = 0; g < num_boxes; ++g)
    for (size_t a = 0; a < num_anchors; ++a)
      overlaps[g * num_anchors + a] = anchor_iou(anchors[a], m.boxes[g]);

  // Rules 2 and 4: thresholded argmax per anchor; the band below match_iou and crowd
  // regions ignore their anchors.
  for (size_t a = 0; a < num_anchors; ++a) {
    float best = -1.f, best_crowd = -1.f;
    int best_box = -1;
    for (size_t g = 0; g < num_boxes; ++g) {
      const float o = overlaps[g * num_anchors + a];
      if (m.boxes[g].crowd) {
        best_crowd = std::max(best_crowd, o);
      } else if (o > best) {
        best = o;
        best_box = int(g);
      }
    }
    if (best_box >= 0 && best >= match_iou)
      m.box_of_anchor[a] = best_box;
    else if (best_box >= 0 && best >= unmatched_iou)
      m.box_of_anchor[a] = kIgnored;
    else if (best_crowd >= match_iou)
      m.box_of_anchor[a] = kIgnored;
  }

  // Rule 3: forced matches, boxes with the best overlap choosing first.
  std::vector<float> best_overlap(num_boxes, 0.f);
  for (size_t g = 0; g < num_boxes; ++g)
    best_overlap[g] = *std::max_element(overlaps.begin() + g * num_anchors,
                                        overlaps.begin() + (g + 1) * num_anchors);
  std::vector<size_t> order(num_boxes);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return best_overlap[x] > best_overlap[y]; });
  std::vector<char> forced(num_anchors, 0);
  for (size_t g : order) {
    if (m.boxes[g].crowd) continue;
    int best_anchor = -1;
    float best = 0.f;
    for (size_t a = 0; a < num_anchors; ++a) {
      const float o = overlaps[g * num_anchors + a];
      if (!forced[a] && o > best) {
        best = o;
        best_anchor = int(a);
      }
    }
    if (best_anchor < 0) continue;
    forced[best_anchor] = 1;
    m.box_of_anchor[best_anchor] = int(g);
  }
  return m;
}

}  // namespace tinydet::ssdlite
