#include "metrics/coco_box.h"

#include <cmath>

namespace tinydet::metrics {

CocoBox coco_box_from_corners(float x0, float y0, float x1, float y1) {
  CocoBox b;
  b.x = static_cast<double>(x0);
  b.y = static_cast<double>(y0);
  b.w = static_cast<double>(x1) - static_cast<double>(x0);
  b.h = static_cast<double>(y1) - static_cast<double>(y0);
  return b;
}

double coco_iou(const CocoBox& d, const CocoBox& g, bool gt_is_crowd) {
  // Same operation order as bbIou in pycocotools' maskApi.c (doubles, no contraction).
  const double ga = g.w * g.h;
  const double da = d.w * d.h;
  const double w = std::fmin(d.w + d.x, g.w + g.x) - std::fmax(d.x, g.x);
  if (w <= 0) return 0.0;
  const double h = std::fmin(d.h + d.y, g.h + g.y) - std::fmax(d.y, g.y);
  if (h <= 0) return 0.0;
  const double inter = w * h;
  const double uni = gt_is_crowd ? da : da + ga - inter;
  return inter / uni;
}

}  // namespace tinydet::metrics
