// Dataset statistics (`tinydet dataset stats`) and drawing a sample (`tinydet dataset show`).
//
// Box size bands follow COCO: small area < 32^2, medium < 96^2, large otherwise, measured
// in original-image pixels; the relative bands use sqrt(box area / image area) with the
// same thresholds scaled to a 640x640 image (small < 0.05, medium < 0.15).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "tinydet/datasets/dataset.h"

namespace tinydet::data {

struct ClassStats {
  std::string name;
  size_t boxes = 0;            // all splits
  size_t images = 0;           // images with at least one box of this class
  std::array<size_t, 3> boxes_per_split{};  // train, val, test
  size_t crowd = 0, difficult = 0;
};

struct DatasetStats {
  std::string spec, format, fingerprint;
  std::array<size_t, 3> images_per_split{};  // train, val, test
  std::array<size_t, 3> boxes_per_split{};
  size_t images = 0, boxes = 0;
  size_t images_without_boxes = 0;
  std::vector<ClassStats> classes;
  std::array<size_t, 3> area_bands_absolute{};  // small, medium, large (pixels)
  std::array<size_t, 3> area_bands_relative{};  // small, medium, large (fraction of image)
  int min_width = 0, max_width = 0, min_height = 0, max_height = 0;
  double mean_boxes_per_image = 0;
  double median_box_side_fraction = 0;  // median sqrt(box area / image area)
  size_t skipped = 0;
  std::array<size_t, 3> problems_by_severity{};  // info, warning, skipped
  std::vector<std::pair<std::string, size_t>> problems_by_kind;  // sorted by kind
};

DatasetStats compute_stats(const Dataset& ds);
/// All of the above plus the problem list (capped at `max_problems` entries).
nlohmann::json stats_to_json(const DatasetStats& s, const Dataset& ds, size_t max_problems = 1000);
/// A readable multi-line report; lists up to `max_problems` non-info problems.
std::string stats_to_text(const DatasetStats& s, const Dataset& ds, size_t max_problems = 20);

/// The sample's image (RGB) with its boxes and class names drawn on it. Crowd boxes are
/// dashed-looking (thin), difficult boxes are marked "(d)". Throws if the image cannot load.
cv::Mat draw_sample(const Dataset& ds, size_t sample_index);
/// draw_sample written as PNG. Throws std::runtime_error when the file cannot be written.
void write_sample_png(const Dataset& ds, size_t sample_index, const std::string& png_path);
/// Index of the sample whose id or image file name equals `key`, or -1.
long find_sample(const Dataset& ds, const std::string& key);

}  // namespace tinydet::data
