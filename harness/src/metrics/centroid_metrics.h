// Centroid matching metrics, for centroid detectors (FOMO) and box detectors alike: a
// detection is a point (Detection::cx, cy; box decoders must set it to the box centre), a
// ground truth is its box and centre.
//
// Per image and class, detections with score >= score_threshold are taken highest score
// first (ties: lower detection index first). Each takes, among the still unmatched ground
// truths of its class, one that either
//   (a) contains the centroid (x0 <= cx <= x1 and y0 <= cy <= y1, edges inclusive), or
//   (b) has its centre within max_distance_cells * cell_size pixels (Euclidean, inclusive)
// choosing the candidate whose centre is nearest (ties: lower box index). Matching is
// one-to-one. Matched detections are TP, the others FP; unmatched ground truths are FN.
// All ground-truth boxes count (crowd and difficult flags are not used here).
// Defaults: cell_size 8 px (FOMO's 1/8 output resolution) and max_distance_cells 1.
// Reported per class and micro-averaged (counts summed over classes), plus the macro F1
// (mean of per-class F1 over classes that have ground truth).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/eval_set.h"
#include "metrics/prf.h"

namespace tinydet::metrics {

struct CentroidParams {
  float cell_size = 8.f;           // pixels per output cell; > 0
  float max_distance_cells = 1.f;  // match radius in cells; >= 0
  float score_threshold = 0.f;     // detections below are dropped
};

struct CentroidClassResult {
  std::string name;
  int num_gt = 0;
  PrfCounts counts;
};

struct CentroidSummary {
  CentroidParams params;
  std::vector<CentroidClassResult> per_class;
  PrfCounts micro;        // summed over classes
  double macro_f1 = -1;   // mean per-class F1 over classes with gt; -1 if none
};

/// Validates the set and the params (std::invalid_argument), then matches.
CentroidSummary evaluate_centroids(const EvalSet& set, const CentroidParams& params = {});

void to_json(nlohmann::json& j, const CentroidClassResult& r);
void to_json(nlohmann::json& j, const CentroidSummary& s);

}  // namespace tinydet::metrics
