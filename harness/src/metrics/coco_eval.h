// COCO box evaluation, a faithful C++ transcription of pycocotools' COCOeval (iouType
// 'bbox'): evaluate() -> accumulate() -> summarize(), producing the same doubles.
//
// What is reproduced exactly (see coco_eval.cpp for the step-by-step correspondence):
//  - IoU thresholds np.linspace(.5, .95, 10), recall points np.linspace(0, 1, 101),
//    maxDets {1, 10, 100}, area ranges all [0, 1e10], small [0, 32^2], medium [32^2, 96^2],
//    large [96^2, 1e10] (bounds inclusive on both sides, as pycocotools).
//  - per (image, category): detections stably sorted by descending score (np.argsort
//    kind='mergesort'), the first 100 kept; ground truth stably partitioned with ignored
//    (crowd or area outside the range) last; greedy matching per IoU threshold where each
//    detection takes the best-IoU still-available gt (on equal IoU the later gt wins, as in
//    pycocotools), crowd gts can be matched repeatedly, detections matched to ignored gts are
//    ignored, unmatched detections whose area is outside the range are ignored.
//  - matching always uses maxDet = 100; AR@1 / AR@10 then take each image's first 1 / 10.
//  - precision = tp / (tp + fp + np.spacing(1)), made monotone from the right, sampled with
//    searchsorted(side='left') at the recall points (0 past the last reached recall).
//  - categories without non-ignored gt are -1 and left out of means; a mean with nothing
//    valid is -1. Means are numpy pairwise sums in numpy's (T, R, K) element order.
//  - images in ascending COCO image id order, categories in ascending category id order.
//
// Deliberate conventions (documented, because our data has no segmentation):
//  - ground-truth 'area' is the box area w * h (COCO's own annotations use the mask area,
//    so numbers on original COCO json files can differ for the small/medium/large splits);
//  - boxes are converted to [x, y, w, h] doubles with w = double(x1) - double(x0);
//  - Box::crowd is iscrowd; Box::difficult is not used by COCO.
//  - Centroid-only detections (FOMO) are evaluated with the box they carry.
// Running pycocotools on the files written by coco_export.h gives the same numbers.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/eval_set.h"

namespace tinydet::metrics {

/// COCOeval.Params for iouType 'bbox' (defaults are pycocotools' defaults).
struct CocoEvalParams {
  std::vector<double> iou_thresholds;     // default np.linspace(.5, .95, 10)
  std::vector<double> recall_thresholds;  // default np.linspace(0, 1, 101)
  std::array<int, 3> max_dets = {1, 10, 100};  // ascending; matching uses the last
  struct AreaRange {
    std::string label;
    double lo = 0, hi = 0;
  };
  std::vector<AreaRange> area_ranges;  // default all, small, medium, large (in this order)

  /// pycocotools' defaults.
  static CocoEvalParams defaults();
  /// Throws std::invalid_argument when a list is empty, max_dets is not ascending and
  /// positive, or the area range labels all/small/medium/large are missing.
  void validate() const;
};

/// Per-class figures (our addition: pycocotools prints only means). ap* are means over the
/// IoU thresholds / recall points of that class (area all, maxDets 100); -1 when the class
/// has no non-ignored ground truth.
struct CocoClassResult {
  std::string name;
  std::int64_t category_id = 0;
  int num_gt = 0;          // non-crowd ground-truth boxes of this class (area all)
  int num_detections = 0;  // detections of this class (before the maxDets cut)
  double ap = -1, ap50 = -1, ap75 = -1, ar100 = -1;
};

/// The 12 numbers of COCOeval.summarize() (stats[0..11]) plus per-class results.
struct CocoSummary {
  double ap = -1;         // stats[0]  AP @[.50:.95] area all maxDets 100
  double ap50 = -1;       // stats[1]
  double ap75 = -1;       // stats[2]
  double ap_small = -1;   // stats[3]
  double ap_medium = -1;  // stats[4]
  double ap_large = -1;   // stats[5]
  double ar1 = -1;        // stats[6]  AR maxDets 1
  double ar10 = -1;       // stats[7]
  double ar100 = -1;      // stats[8]
  double ar_small = -1;   // stats[9]
  double ar_medium = -1;  // stats[10]
  double ar_large = -1;   // stats[11]
  int num_images = 0;
  int num_gt = 0;          // non-crowd ground-truth boxes
  int num_detections = 0;  // all detections given
  std::vector<CocoClassResult> per_class;  // in class index order

  /// stats in pycocotools order (index 0..11).
  std::array<double, 12> stats() const;
};

/// COCOeval.eval: precision [T][R][K][A][M] and recall [T][K][A][M] (row-major, -1 where
/// undefined), with K in ascending category id order (category_order[k] = class index).
struct CocoAccumulation {
  CocoEvalParams params;
  std::vector<int> category_order;
  std::vector<double> precision;
  std::vector<double> recall;
  std::size_t T() const { return params.iou_thresholds.size(); }
  std::size_t R() const { return params.recall_thresholds.size(); }
  std::size_t K() const { return category_order.size(); }
  std::size_t A() const { return params.area_ranges.size(); }
  std::size_t M() const { return params.max_dets.size(); }
  double precision_at(std::size_t t, std::size_t r, std::size_t k, std::size_t a,
                      std::size_t m) const {
    return precision[(((t * R() + r) * K() + k) * A() + a) * M() + m];
  }
  double recall_at(std::size_t t, std::size_t k, std::size_t a, std::size_t m) const {
    return recall[((t * K() + k) * A() + a) * M() + m];
  }
};

/// evaluate() + accumulate(). Validates the set first. Categories run in parallel (oneTBB);
/// the result does not depend on the thread count.
CocoAccumulation accumulate_coco(const EvalSet& set,
                                 const CocoEvalParams& params = CocoEvalParams::defaults());

/// Precision at each recall point (params.recall_thresholds) for class `cls`, area "all",
/// maxDets = the last max_dets entry, at IoU threshold index `t` (0 = .50, 5 = .75): a
/// PR curve for plots. Empty when the class has no non-ignored ground truth.
/// Throws std::out_of_range for a bad class or threshold index.
std::vector<double> coco_precision_curve(const CocoAccumulation& accumulation, int cls,
                                         std::size_t t);

/// summarize() of an accumulation (plus per-class results and counts from `set`).
CocoSummary summarize_coco(const EvalSet& set, const CocoAccumulation& accumulation);

/// Shortcut: accumulate_coco + summarize_coco.
CocoSummary evaluate_coco(const EvalSet& set,
                          const CocoEvalParams& params = CocoEvalParams::defaults());

/// The 12-line text block pycocotools prints (same format, 3 decimals), for logs.
std::string format_coco_summary(const CocoSummary& summary);

void to_json(nlohmann::json& j, const CocoClassResult& r);
void to_json(nlohmann::json& j, const CocoSummary& s);

}  // namespace tinydet::metrics
