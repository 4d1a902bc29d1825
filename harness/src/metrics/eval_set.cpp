#include "metrics/eval_set.h"

#include <cmath>
#include <set>
#include <stdexcept>

namespace tinydet::metrics {

std::int64_t EvalSet::coco_image_id(std::size_t index) const {
  const std::int64_t id = images.at(index).image_id;
  return id < 0 ? static_cast<std::int64_t>(index) + 1 : id;
}

std::int64_t EvalSet::coco_category_id(int cls) const {
  if (cls < 0 || cls >= num_classes())
    throw std::invalid_argument("metrics: class index " + std::to_string(cls) +
                                " outside [0, " + std::to_string(num_classes()) + ")");
  return category_ids.empty() ? cls + 1 : category_ids[static_cast<std::size_t>(cls)];
}

namespace {

bool finite(float v) { return std::isfinite(v); }

std::string where(std::size_t image, const char* what, std::size_t index) {
  return "metrics: image " + std::to_string(image) + " " + what + " " + std::to_string(index);
}

}  // namespace

void EvalSet::validate() const {
  if (class_names.empty()) throw std::invalid_argument("metrics: EvalSet has no classes");
  if (!category_ids.empty() && category_ids.size() != class_names.size())
    throw std::invalid_argument("metrics: category_ids has " +
                                std::to_string(category_ids.size()) + " entries for " +
                                std::to_string(class_names.size()) + " classes");
  std::set<std::int64_t> seen_categories;
  for (int c = 0; c < num_classes(); ++c) {
    const std::int64_t id = coco_category_id(c);
    if (id <= 0 || !seen_categories.insert(id).second)
      throw std::invalid_argument("metrics: category id " + std::to_string(id) + " of class " +
                                  std::to_string(c) + " is not positive or not unique");
  }
  std::set<std::int64_t> seen_images;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::int64_t id = coco_image_id(i);
    if (id == 0 || !seen_images.insert(id).second)
      throw std::invalid_argument("metrics: image id " + std::to_string(id) + " of image " +
                                  std::to_string(i) + " is zero or not unique");
    const EvalImage& image = images[i];
    if (image.width < 0 || image.height < 0)
      throw std::invalid_argument("metrics: image " + std::to_string(i) + " has negative size");
    for (std::size_t b = 0; b < image.ground_truth.size(); ++b) {
      const Box& g = image.ground_truth[b];
      if (g.cls < 0 || g.cls >= num_classes())
        throw std::invalid_argument(where(i, "ground-truth box", b) + ": class " +
                                    std::to_string(g.cls) + " outside [0, " +
                                    std::to_string(num_classes()) + ")");
      if (!finite(g.x0) || !finite(g.y0) || !finite(g.x1) || !finite(g.y1))
        throw std::invalid_argument(where(i, "ground-truth box", b) + ": non-finite coordinate");
      if (g.x1 < g.x0 || g.y1 < g.y0)
        throw std::invalid_argument(where(i, "ground-truth box", b) + ": x1 < x0 or y1 < y0");
    }
    for (std::size_t d = 0; d < image.detections.size(); ++d) {
      const Detection& det = image.detections[d];
      if (det.cls < 0 || det.cls >= num_classes())
        throw std::invalid_argument(where(i, "detection", d) + ": class " +
                                    std::to_string(det.cls) + " outside [0, " +
                                    std::to_string(num_classes()) + ")");
      if (!finite(det.x0) || !finite(det.y0) || !finite(det.x1) || !finite(det.y1) ||
          !finite(det.cx) || !finite(det.cy) || !finite(det.score))
        throw std::invalid_argument(where(i, "detection", d) +
                                    ": non-finite coordinate or score");
      if (det.x1 < det.x0 || det.y1 < det.y0)
        throw std::invalid_argument(where(i, "detection", d) + ": x1 < x0 or y1 < y0");
    }
  }
}

}  // namespace tinydet::metrics
