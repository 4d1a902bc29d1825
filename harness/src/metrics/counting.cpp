#include "metrics/counting.h"

#include <cstdlib>

namespace tinydet::metrics {

CountingSummary evaluate_counting(const EvalSet& set, const CountingParams& params) {
  set.validate();
  const std::size_t K = static_cast<std::size_t>(set.num_classes());
  CountingSummary s;
  s.params = params;
  s.num_images = static_cast<int>(set.images.size());
  s.per_class.resize(K);
  for (std::size_t c = 0; c < K; ++c) s.per_class[c].name = set.class_names[c];
  if (set.images.empty()) return s;
  std::vector<long long> abs_error_sum(K, 0), exact(K, 0);
  long long agnostic_error_sum = 0, all_exact = 0;
  for (const EvalImage& image : set.images) {
    std::vector<long long> n_gt(K, 0), n_pred(K, 0);
    for (const Box& g : image.ground_truth) ++n_gt[static_cast<std::size_t>(g.cls)];
    for (const Detection& d : image.detections)
      if (d.score >= params.score_threshold) ++n_pred[static_cast<std::size_t>(d.cls)];
    long long total_gt = 0, total_pred = 0;
    bool every_class_exact = true;
    for (std::size_t c = 0; c < K; ++c) {
      abs_error_sum[c] += std::llabs(n_pred[c] - n_gt[c]);
      exact[c] += n_pred[c] == n_gt[c] ? 1 : 0;
      every_class_exact = every_class_exact && n_pred[c] == n_gt[c];
      s.per_class[c].total_gt += n_gt[c];
      s.per_class[c].total_predicted += n_pred[c];
      total_gt += n_gt[c];
      total_pred += n_pred[c];
    }
    agnostic_error_sum += std::llabs(total_pred - total_gt);
    all_exact += every_class_exact ? 1 : 0;
  }
  const double n = static_cast<double>(set.images.size());
  long long error_sum_all = 0;
  for (std::size_t c = 0; c < K; ++c) {
    s.per_class[c].mae = static_cast<double>(abs_error_sum[c]) / n;
    s.per_class[c].exact_accuracy = static_cast<double>(exact[c]) / n;
    error_sum_all += abs_error_sum[c];
  }
  s.mae_mean_over_classes = static_cast<double>(error_sum_all) / (n * static_cast<double>(K));
  s.mae_class_agnostic = static_cast<double>(agnostic_error_sum) / n;
  s.exact_accuracy_all_classes = static_cast<double>(all_exact) / n;
  return s;
}

void to_json(nlohmann::json& j, const CountingClassResult& r) {
  j = nlohmann::json{{"name", r.name},
                     {"mae", r.mae},
                     {"exact_accuracy", r.exact_accuracy},
                     {"total_gt", r.total_gt},
                     {"total_predicted", r.total_predicted}};
}

void to_json(nlohmann::json& j, const CountingSummary& s) {
  j = nlohmann::json{{"num_images", s.num_images},
                     {"score_threshold", s.params.score_threshold},
                     {"mae_mean_over_classes", s.mae_mean_over_classes},
                     {"mae_class_agnostic", s.mae_class_agnostic},
                     {"exact_accuracy_all_classes", s.exact_accuracy_all_classes},
                     {"per_class", s.per_class}};
}

}  // namespace tinydet::metrics
