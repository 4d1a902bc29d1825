#include "metrics/voc_ap.h"

#include <algorithm>
#include <numeric>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace tinydet::metrics {

namespace {

// Continuous-coordinate IoU in double (no +1 pixel).
double voc_iou(const Detection& d, const Box& g) {
  const double iw = std::min<double>(d.x1, g.x1) - std::max<double>(d.x0, g.x0);
  const double ih = std::min<double>(d.y1, g.y1) - std::max<double>(d.y0, g.y0);
  if (iw <= 0 || ih <= 0) return 0.0;
  const double inter = iw * ih;
  const double det_area = (static_cast<double>(d.x1) - d.x0) * (static_cast<double>(d.y1) - d.y0);
  const double gt_area = (static_cast<double>(g.x1) - g.x0) * (static_cast<double>(g.y1) - g.y0);
  const double uni = det_area + gt_area - inter;
  return uni > 0 ? inter / uni : 0.0;
}

VocClassResult evaluate_class(const EvalSet& set, int cls, const VocParams& params) {
  VocClassResult r;
  r.name = set.class_names[static_cast<std::size_t>(cls)];
  struct Ranked {
    std::size_t image, index;
    float score;
  };
  std::vector<Ranked> ranked;
  std::vector<std::vector<char>> gt_used(set.images.size());
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const EvalImage& image = set.images[i];
    gt_used[i].assign(image.ground_truth.size(), 0);
    for (const Box& g : image.ground_truth)
      if (g.cls == cls && !g.difficult) ++r.num_gt;
    for (std::size_t d = 0; d < image.detections.size(); ++d)
      if (image.detections[d].cls == cls) ranked.push_back({i, d, image.detections[d].score});
  }
  r.num_detections = static_cast<int>(ranked.size());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  std::vector<double> recall, precision;
  int tp = 0, fp = 0;
  for (const Ranked& entry : ranked) {
    const EvalImage& image = set.images[entry.image];
    const Detection& d = image.detections[entry.index];
    double best = -1;
    std::ptrdiff_t best_gt = -1;
    for (std::size_t g = 0; g < image.ground_truth.size(); ++g) {
      if (image.ground_truth[g].cls != cls) continue;
      const double ov = voc_iou(d, image.ground_truth[g]);
      if (ov > best) {  // strict: on equal IoU the first box wins, as the devkit
        best = ov;
        best_gt = static_cast<std::ptrdiff_t>(g);
      }
    }
    if (best_gt >= 0 && best >= params.min_overlap) {
      const auto g = static_cast<std::size_t>(best_gt);
      if (image.ground_truth[g].difficult) continue;  // neither TP nor FP
      if (!gt_used[entry.image][g]) {
        gt_used[entry.image][g] = 1;
        ++tp;
      } else {
        ++fp;
      }
    } else {
      ++fp;
    }
    // Points of ignored detections are skipped: they would repeat the previous point and
    // change neither the envelope nor the integral.
    recall.push_back(r.num_gt > 0 ? static_cast<double>(tp) / r.num_gt : 0.0);
    precision.push_back(static_cast<double>(tp) / (tp + fp));
  }
  r.true_positives = tp;
  r.false_positives = fp;
  if (r.num_gt > 0) r.ap = voc_average_precision(recall, precision, params.use_11_point);
  return r;
}

}  // namespace

double voc_average_precision(const std::vector<double>& recall,
                             const std::vector<double>& precision, bool use_11_point) {
  const std::size_t n = recall.size();
  if (use_11_point) {
    // VOC2007: mean over t in {0, 0.1, ..., 1} of max precision at recall >= t (0 if none).
    double ap = 0;
    for (int step = 0; step <= 10; ++step) {
      const double t = step / 10.0;
      double p = 0;
      for (std::size_t i = 0; i < n; ++i)
        if (recall[i] >= t) p = std::max(p, precision[i]);
      ap += p / 11.0;
    }
    return ap;
  }
  // mrec = [0, rec, 1], mpre = [0, prec, 0]; envelope from the right; sum over recall steps.
  std::vector<double> mrec(n + 2), mpre(n + 2);
  mrec[0] = 0;
  mpre[0] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mrec[i + 1] = recall[i];
    mpre[i + 1] = precision[i];
  }
  mrec[n + 1] = 1;
  mpre[n + 1] = 0;
  for (std::size_t i = n + 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
  double ap = 0;
  for (std::size_t i = 1; i < n + 2; ++i)
    if (mrec[i] != mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}

VocSummary evaluate_voc(const EvalSet& set, const VocParams& params) {
  set.validate();
  VocSummary s;
  s.params = params;
  s.per_class.resize(static_cast<std::size_t>(set.num_classes()));
  tbb::parallel_for(tbb::blocked_range<int>(0, set.num_classes()),
                    [&](const tbb::blocked_range<int>& range) {
                      for (int c = range.begin(); c != range.end(); ++c)
                        s.per_class[static_cast<std::size_t>(c)] = evaluate_class(set, c, params);
                    });
  double sum = 0;
  int valid = 0;
  for (const VocClassResult& r : s.per_class)
    if (r.ap >= 0) {
      sum += r.ap;
      ++valid;
    }
  s.map = valid > 0 ? sum / valid : -1.0;
  return s;
}

void to_json(nlohmann::json& j, const VocClassResult& r) {
  j = nlohmann::json{{"name", r.name},
                     {"num_gt", r.num_gt},
                     {"num_detections", r.num_detections},
                     {"true_positives", r.true_positives},
                     {"false_positives", r.false_positives},
                     {"ap", r.ap}};
}

void to_json(nlohmann::json& j, const VocSummary& s) {
  j = nlohmann::json{{"map", s.map},
                     {"min_overlap", s.params.min_overlap},
                     {"interpolation", s.params.use_11_point ? "11-point (VOC2007)"
                                                             : "all-point (VOC2010+)"},
                     {"iou_convention", "continuous, no +1 pixel"},
                     {"per_class", s.per_class}};
}

}  // namespace tinydet::metrics
