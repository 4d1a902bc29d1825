// All metric families at once, for `eval` and the suites: one call, one JSON object.
#pragma once

#include <nlohmann/json.hpp>

#include "metrics/cell_f1.h"
#include "metrics/centroid_metrics.h"
#include "metrics/coco_eval.h"
#include "metrics/counting.h"
#include "metrics/eval_set.h"
#include "metrics/image_classification.h"
#include "metrics/voc_ap.h"

namespace tinydet::metrics {

struct ReportOptions {
  CocoEvalParams coco = CocoEvalParams::defaults();
  VocParams voc;
  CentroidParams centroid;
  CellF1Params cell_f1;
  CountingParams counting;
  ClassificationParams classification;
  /// Cell F1 needs image sizes; when false (or any image lacks a size) it is skipped.
  bool with_cell_f1 = true;
  /// Applies to counting, classification, centroid and cell F1 (not to the AP metrics,
  /// which rank by score): when set, overrides their score_threshold.
  float score_threshold = -1.f;  // < 0: keep each family's own threshold
};

struct DetectionReport {
  CocoSummary coco;
  VocSummary voc;
  CentroidSummary centroid;
  bool has_cell_f1 = false;
  CellF1Summary cell_f1;
  CountingSummary counting;
  ClassificationSummary classification;
};

/// Validates once, then computes every family.
DetectionReport evaluate_all(const EvalSet& set, const ReportOptions& options = {});

/// {"coco": ..., "voc": ..., "centroid": ..., "cell_f1": ... (or null), "counting": ...,
///  "classification": ...}
void to_json(nlohmann::json& j, const DetectionReport& r);

}  // namespace tinydet::metrics
