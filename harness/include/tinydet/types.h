// Common value types shared by the harness and every plugin.
//
// Coordinates are in pixels of the image the boxes refer to, x to the right and y down,
// with (x0, y0) the top-left and (x1, y1) the bottom-right corner (exclusive edge, so a
// box covering pixel columns 0..9 has x0 = 0, x1 = 10). Class indices are 0-based
// indices into the dataset's class list; "background" is never a class index here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace tinydet {

/// A ground-truth box.
struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int cls = 0;
  bool crowd = false;      // COCO iscrowd: matched detections are ignored, never counted as TP/FP
  bool difficult = false;  // Pascal VOC difficult: ignored by VOC AP

  float width() const { return x1 - x0; }
  float height() const { return y1 - y0; }
  float area() const { return (x1 > x0 && y1 > y0) ? (x1 - x0) * (y1 - y0) : 0.f; }
  float cx() const { return 0.5f * (x0 + x1); }
  float cy() const { return 0.5f * (y0 + y1); }
};

/// One detection produced by an architecture's decoder.
///
/// Box detectors fill the box and set the centroid to its centre. Centroid detectors
/// (FOMO) fill the centroid and give the extent of the cells that made the object as
/// the box, with `is_centroid_only = true`, so box metrics can tell them apart.
struct Detection {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float cx = 0, cy = 0;
  int cls = 0;
  float score = 0;
  bool is_centroid_only = false;
};

/// Intersection over union of two axis-aligned boxes given as corners.
inline float iou(float ax0, float ay0, float ax1, float ay1, float bx0, float by0, float bx1,
                 float by1) {
  const float iw = std::min(ax1, bx1) - std::max(ax0, bx0);
  const float ih = std::min(ay1, by1) - std::max(ay0, by0);
  if (iw <= 0 || ih <= 0) return 0.f;
  const float inter = iw * ih;
  const float uni = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return uni > 0 ? inter / uni : 0.f;
}

}  // namespace tinydet
