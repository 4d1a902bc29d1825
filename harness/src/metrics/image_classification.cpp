#include "metrics/image_classification.h"

namespace tinydet::metrics {

int dominant_predicted_class(const EvalImage& image, int num_classes, float score_threshold) {
  std::vector<long long> count(static_cast<std::size_t>(num_classes), 0);
  std::vector<double> score_sum(static_cast<std::size_t>(num_classes), 0.0);
  for (const Detection& d : image.detections) {
    if (d.score < score_threshold || d.cls < 0 || d.cls >= num_classes) continue;
    ++count[static_cast<std::size_t>(d.cls)];
    score_sum[static_cast<std::size_t>(d.cls)] += d.score;  // summed in detection order
  }
  int best = -1;
  for (int c = 0; c < num_classes; ++c) {
    const auto k = static_cast<std::size_t>(c);
    if (count[k] == 0) continue;
    if (best < 0) {
      best = c;
      continue;
    }
    const auto b = static_cast<std::size_t>(best);
    if (count[k] > count[b] || (count[k] == count[b] && score_sum[k] > score_sum[b])) best = c;
  }
  return best;
}

int dominant_labelled_class(const EvalImage& image, int num_classes) {
  std::vector<long long> count(static_cast<std::size_t>(num_classes), 0);
  for (const Box& g : image.ground_truth)
    if (g.cls >= 0 && g.cls < num_classes) ++count[static_cast<std::size_t>(g.cls)];
  int best = -1;
  for (int c = 0; c < num_classes; ++c)
    if (count[static_cast<std::size_t>(c)] > 0 &&
        (best < 0 || count[static_cast<std::size_t>(c)] > count[static_cast<std::size_t>(best)]))
      best = c;
  return best;
}

ClassificationSummary evaluate_classification(const EvalSet& set,
                                              const ClassificationParams& params) {
  set.validate();
  ClassificationSummary s;
  s.params = params;
  s.class_names = set.class_names;
  const int K = set.num_classes();
  s.confusion.assign(static_cast<std::size_t>(K), std::vector<long long>(static_cast<std::size_t>(K) + 1, 0));
  for (const EvalImage& image : set.images) {
    const int labelled = dominant_labelled_class(image, K);
    if (labelled < 0) {
      ++s.images_without_gt;
      continue;
    }
    const int predicted = dominant_predicted_class(image, K, params.score_threshold);
    ++s.images_scored;
    if (predicted < 0) ++s.predicted_none;
    if (predicted == labelled) ++s.correct;
    ++s.confusion[static_cast<std::size_t>(labelled)][static_cast<std::size_t>(predicted + 1)];
  }
  s.accuracy = s.images_scored > 0 ? static_cast<double>(s.correct) / s.images_scored : -1.0;
  return s;
}

void to_json(nlohmann::json& j, const ClassificationSummary& s) {
  j = nlohmann::json{{"accuracy", s.accuracy},
                     {"images_scored", s.images_scored},
                     {"images_without_gt", s.images_without_gt},
                     {"correct", s.correct},
                     {"predicted_none", s.predicted_none},
                     {"score_threshold", s.params.score_threshold},
                     {"class_names", s.class_names},
                     {"confusion_labelled_by_predicted_none_first", s.confusion}};
}

}  // namespace tinydet::metrics
