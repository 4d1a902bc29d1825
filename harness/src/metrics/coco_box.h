// Boxes the way pycocotools sees them: [x, y, w, h] doubles, area = w * h, and the IoU of
// its C routine bbIou (no +1 pixel convention; a crowd ground truth uses the detection
// area as the union).
//
// Both the COCO evaluation and the COCO JSON export build boxes with coco_box_from_corners,
// so the numbers pycocotools reads back from our JSON are the same doubles we evaluate.
#pragma once

namespace tinydet::metrics {

struct CocoBox {
  double x = 0, y = 0, w = 0, h = 0;
  /// pycocotools' area for results (loadRes: w * h); we also use it for ground truth
  /// because we have no segmentation masks.
  double area() const { return w * h; }
};

/// Corners (float pixels) -> [x, y, w, h] in double: w = double(x1) - double(x0).
CocoBox coco_box_from_corners(float x0, float y0, float x1, float y1);

/// IoU exactly as pycocotools' bbIou: iw = min(dx+dw, gx+gw) - max(dx, gx) (<= 0 -> 0),
/// same for ih; union = det area when the ground truth is crowd, else det + gt - inter.
double coco_iou(const CocoBox& detection, const CocoBox& ground_truth, bool gt_is_crowd);

}  // namespace tinydet::metrics
