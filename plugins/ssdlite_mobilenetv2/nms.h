// Greedy non-maximum suppression of scored boxes (one class at a time).
#pragma once

#include <vector>

#include "box_coder.h"

namespace tinydet::ssdlite {

struct ScoredBox {
  CornerBox box;
  float score = 0;
  int cls = 0;
};

/// Visits the boxes by decreasing score (ties: lower input index first) and keeps a box
/// unless its IoU with an already kept box is greater than `iou_threshold`; stops once
/// `max_keep` boxes are kept. Returns the kept boxes by decreasing score.
std::vector<ScoredBox> non_max_suppression(std::vector<ScoredBox> boxes, float iou_threshold,
                                           int max_keep);

}  // namespace tinydet::ssdlite
