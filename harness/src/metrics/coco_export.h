// COCO JSON export of an EvalSet, so users can re-run the evaluation with pycocotools:
//
//   from pycocotools.coco import COCO; from pycocotools.cocoeval import COCOeval
//   gt = COCO("gt.json"); dt = gt.loadRes("results.json")
//   e = COCOeval(gt, dt, "bbox"); e.evaluate(); e.accumulate(); e.summarize()
//
// and get the same numbers as evaluate_coco (coco_eval.h) on the same EvalSet.
//
// Mapping: image i -> image id EvalSet::coco_image_id(i) (default i + 1); class c ->
// category id EvalSet::coco_category_id(c) (default c + 1), with the class name as the
// category name. Ground-truth annotation ids run 1.. in image then box order. Boxes are
// [x, y, w, h] doubles from coco_box_from_corners; ground-truth 'area' is w * h (no
// segmentation available); Box::crowd -> iscrowd. Doubles are written with round-trip
// precision, so Python reads back exactly the values we evaluate.
//
// Note: pycocotools' loadRes fails on an empty results list; that is its limitation.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/eval_set.h"

namespace tinydet::metrics {

/// COCO instances JSON: {"info", "images", "annotations", "categories"}.
/// `file_names` (optional, one per image) fills images[].file_name.
nlohmann::json coco_ground_truth_json(const EvalSet& set,
                                      const std::vector<std::string>& file_names = {});

/// COCO results JSON: [{"image_id", "category_id", "bbox": [x, y, w, h], "score"}] in image
/// then detection order (that order decides pycocotools' tie breaks, and ours).
nlohmann::json coco_results_json(const EvalSet& set);

/// Writes both files (pretty-printed off, one line). Throws std::runtime_error naming the
/// path when a file cannot be written.
void write_coco_json(const EvalSet& set, const std::filesystem::path& ground_truth_path,
                     const std::filesystem::path& results_path,
                     const std::vector<std::string>& file_names = {});

/// Reads a ground-truth + results pair written by write_coco_json (or any COCO bbox pair
/// whose boxes and categories we can represent) back into an EvalSet: category ids become
/// category_ids (ascending id order = class order), image ids become image_id. Boxes become
/// corners x1 = x + w as float. Throws std::runtime_error naming the file and key on errors.
EvalSet read_coco_json(const std::filesystem::path& ground_truth_path,
                       const std::filesystem::path& results_path);

}  // namespace tinydet::metrics
