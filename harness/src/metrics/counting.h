// Object counting metrics. Per image and class: n_pred = detections of the class with
// score >= score_threshold, n_gt = ground-truth boxes of the class (all of them, crowd and
// difficult included; a crowd box counts as one). Over all images (with or without gt):
//  - mae per class: mean |n_pred - n_gt|;
//  - mae_mean_over_classes: mean over (image, class) pairs = mean of the per-class MAEs;
//  - mae_class_agnostic: mean over images of |sum_c n_pred - sum_c n_gt|;
//  - exact accuracy per class: fraction of images with n_pred == n_gt for that class;
//  - exact_accuracy_all_classes: fraction of images where every class count is exact.
// With no images, every figure is -1.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/eval_set.h"

namespace tinydet::metrics {

struct CountingParams {
  float score_threshold = 0.f;
};

struct CountingClassResult {
  std::string name;
  double mae = -1;
  double exact_accuracy = -1;
  long long total_gt = 0;
  long long total_predicted = 0;
};

struct CountingSummary {
  CountingParams params;
  int num_images = 0;
  std::vector<CountingClassResult> per_class;
  double mae_mean_over_classes = -1;
  double mae_class_agnostic = -1;
  double exact_accuracy_all_classes = -1;
};

CountingSummary evaluate_counting(const EvalSet& set, const CountingParams& params = {});

void to_json(nlohmann::json& j, const CountingClassResult& r);
void to_json(nlohmann::json& j, const CountingSummary& s);

}  // namespace tinydet::metrics
