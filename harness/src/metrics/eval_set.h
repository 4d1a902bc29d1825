// The input of every metric family: per image, the ground truth and the detections in the
// same pixel coordinates, plus the class list.
//
// Ownership: plain values, the caller owns the EvalSet; metric functions only read it.
// Units: pixels of the image the boxes refer to (see tinydet/types.h for the corner
// convention). Scores are whatever the decoder produced (higher = more confident).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinydet/types.h"

namespace tinydet::metrics {

/// One evaluated image.
struct EvalImage {
  std::vector<Box> ground_truth;
  std::vector<Detection> detections;
  int width = 0;   // pixels; only used by the grid-based metrics and the COCO export
  int height = 0;  // pixels
  /// COCO image id used by the COCO evaluation and export; -1 means "index + 1".
  /// pycocotools processes images in ascending id order, so we do too.
  std::int64_t image_id = -1;
};

/// A whole evaluation: images and the class list shared by ground truth and detections.
struct EvalSet {
  std::vector<std::string> class_names;  // defines the number of classes
  std::vector<EvalImage> images;
  /// Optional COCO category id per class index (e.g. the 80 sparse COCO ids); empty means
  /// "class index + 1". pycocotools orders categories by ascending id, so we do too.
  std::vector<std::int64_t> category_ids;

  int num_classes() const { return static_cast<int>(class_names.size()); }
  /// COCO id of image `index` (its image_id, or index + 1).
  std::int64_t coco_image_id(std::size_t index) const;
  /// COCO category id of class `cls`.
  std::int64_t coco_category_id(int cls) const;

  /// Throws std::invalid_argument naming the image/box and the problem when: there are no
  /// classes; a class index is outside [0, num_classes); a coordinate or score is not finite;
  /// a box has x1 < x0 or y1 < y0; image or category ids are not unique or not positive;
  /// category_ids is non-empty with a size other than num_classes.
  void validate() const;
};

}  // namespace tinydet::metrics
