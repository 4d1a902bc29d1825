#include "metrics/detection_report.h"

#include <algorithm>

namespace tinydet::metrics {

DetectionReport evaluate_all(const EvalSet& set, const ReportOptions& options) {
  set.validate();
  ReportOptions o = options;
  if (o.score_threshold >= 0) {
    o.centroid.score_threshold = o.score_threshold;
    o.cell_f1.score_threshold = o.score_threshold;
    o.counting.score_threshold = o.score_threshold;
    o.classification.score_threshold = o.score_threshold;
  }
  DetectionReport r;
  r.coco = evaluate_coco(set, o.coco);
  r.voc = evaluate_voc(set, o.voc);
  r.centroid = evaluate_centroids(set, o.centroid);
  const bool sizes_known = std::all_of(set.images.begin(), set.images.end(), [](const EvalImage& i) {
    return i.width > 0 && i.height > 0;
  });
  if (o.with_cell_f1 && sizes_known) {
    r.cell_f1 = evaluate_cell_f1(set, o.cell_f1);
    r.has_cell_f1 = true;
  }
  r.counting = evaluate_counting(set, o.counting);
  r.classification = evaluate_classification(set, o.classification);
  return r;
}

void to_json(nlohmann::json& j, const DetectionReport& r) {
  j = nlohmann::json{{"coco", r.coco},
                     {"voc", r.voc},
                     {"centroid", r.centroid},
                     {"cell_f1", r.has_cell_f1 ? nlohmann::json(r.cell_f1) : nlohmann::json()},
                     {"counting", r.counting},
                     {"classification", r.classification}};
}

}  // namespace tinydet::metrics
