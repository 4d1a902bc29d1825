// Pascal VOC average precision at IoU 0.5, following the VOC devkit's VOCevaldet.m.
//
// Per class, over all images:
//  - detections of the class sorted by score, highest first (ties: image index, then
//    detection index; the devkit's sort order on ties is unspecified);
//  - each detection finds the ground truth of its class in its image with the highest IoU
//    (all of them, difficult and already-matched included; on equal IoU the first box wins);
//    if that IoU >= min_overlap (0.5): a difficult gt makes the detection neither TP nor FP,
//    an unmatched gt makes it a TP (and marks the gt), an already matched gt makes it a FP
//    (duplicate); below min_overlap it is a FP;
//  - recall = TP / #non-difficult gt, precision = TP / (TP + FP) along the ranking;
//  - AP: all-point interpolation (VOC2010+): precision made monotone from the right and
//    integrated over the recall steps; or, with use_11_point, VOC2007's 11-point mean.
//  - classes without non-difficult ground truth have AP -1 and are left out of the mean
//    (the devkit would divide by zero there).
// IoU convention: continuous coordinates, NO +1 pixel (the devkit adds 1 to widths because
// its boxes are inclusive integer pixel indices; our float boxes have an exclusive edge,
// see tinydet/types.h), computed in double. Box::crowd is not used by VOC.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/eval_set.h"

namespace tinydet::metrics {

struct VocParams {
  double min_overlap = 0.5;
  bool use_11_point = false;  // VOC2007 11-point interpolated AP instead of all-point
};

struct VocClassResult {
  std::string name;
  int num_gt = 0;  // non-difficult ground truth
  int num_detections = 0;
  int true_positives = 0;
  int false_positives = 0;  // detections matched to difficult gt are in neither
  double ap = -1;           // -1 when num_gt == 0
};

struct VocSummary {
  double map = -1;  // mean of ap over classes with num_gt > 0; -1 if there is none
  VocParams params;
  std::vector<VocClassResult> per_class;
};

/// Validates the set, then computes per-class AP and mAP.
VocSummary evaluate_voc(const EvalSet& set, const VocParams& params = {});

/// AP of one ranked list: precision/recall at each rank (same length). Exposed for tests.
double voc_average_precision(const std::vector<double>& recall,
                             const std::vector<double>& precision, bool use_11_point);

void to_json(nlohmann::json& j, const VocClassResult& r);
void to_json(nlohmann::json& j, const VocSummary& s);

}  // namespace tinydet::metrics
