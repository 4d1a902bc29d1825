// Image-level classification accuracy from detections.
//
//  - predicted class of an image: the class with the most detections (score >=
//    score_threshold); ties broken by the larger summed score, then the lower class index;
//    no detection -> "none" (-1);
//  - labelled class: the class with the most ground-truth boxes; ties -> lower class index;
//  - accuracy = fraction of images WITH ground truth whose predicted class equals the
//    labelled one ("none" is always wrong). Images without ground truth are not scored
//    (counted in images_without_gt).
// Also a confusion matrix: confusion[labelled][predicted + 1] (column 0 = "none").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/eval_set.h"

namespace tinydet::metrics {

struct ClassificationParams {
  float score_threshold = 0.f;
};

struct ClassificationSummary {
  ClassificationParams params;
  std::vector<std::string> class_names;
  int images_scored = 0;      // images with ground truth
  int images_without_gt = 0;
  int correct = 0;
  int predicted_none = 0;     // scored images without any detection
  double accuracy = -1;       // correct / images_scored; -1 if none scored
  std::vector<std::vector<long long>> confusion;  // [labelled][predicted + 1]
};

/// Dominant predicted class of one image (-1 = none). Exposed for tests and plots.
int dominant_predicted_class(const EvalImage& image, int num_classes, float score_threshold);
/// Dominant labelled class of one image (-1 when it has no ground truth).
int dominant_labelled_class(const EvalImage& image, int num_classes);

ClassificationSummary evaluate_classification(const EvalSet& set,
                                              const ClassificationParams& params = {});

void to_json(nlohmann::json& j, const ClassificationSummary& s);

}  // namespace tinydet::metrics
