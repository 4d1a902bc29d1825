#include "metrics/centroid_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace tinydet::metrics {

namespace {

// One image: per-class counts.
std::vector<PrfCounts> match_image(const EvalImage& image, int num_classes,
                                   const CentroidParams& params) {
  std::vector<PrfCounts> counts(static_cast<std::size_t>(num_classes));
  const double radius = static_cast<double>(params.max_distance_cells) * params.cell_size;
  std::vector<std::size_t> order;
  for (std::size_t d = 0; d < image.detections.size(); ++d)
    if (image.detections[d].score >= params.score_threshold) order.push_back(d);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return image.detections[a].score > image.detections[b].score;
  });
  std::vector<char> matched(image.ground_truth.size(), 0);
  for (std::size_t d : order) {
    const Detection& det = image.detections[d];
    std::ptrdiff_t best = -1;
    double best_distance = 0;
    for (std::size_t g = 0; g < image.ground_truth.size(); ++g) {
      const Box& box = image.ground_truth[g];
      if (matched[g] || box.cls != det.cls) continue;
      const double dx = static_cast<double>(det.cx) - box.cx();
      const double dy = static_cast<double>(det.cy) - box.cy();
      const double distance = std::sqrt(dx * dx + dy * dy);
      const bool inside = det.cx >= box.x0 && det.cx <= box.x1 && det.cy >= box.y0 && det.cy <= box.y1;
      if (!inside && !(distance <= radius)) continue;
      if (best < 0 || distance < best_distance) {
        best = static_cast<std::ptrdiff_t>(g);
        best_distance = distance;
      }
    }
    PrfCounts& c = counts[static_cast<std::size_t>(det.cls)];
    if (best >= 0) {
      matched[static_cast<std::size_t>(best)] = 1;
      ++c.tp;
    } else {
      ++c.fp;
    }
  }
  for (std::size_t g = 0; g < image.ground_truth.size(); ++g)
    if (!matched[g]) ++counts[static_cast<std::size_t>(image.ground_truth[g].cls)].fn;
  return counts;
}

}  // namespace

CentroidSummary evaluate_centroids(const EvalSet& set, const CentroidParams& params) {
  set.validate();
  if (!(params.cell_size > 0) || !(params.max_distance_cells >= 0))
    throw std::invalid_argument("centroid metrics: cell_size must be > 0 and max_distance_cells >= 0");
  const std::size_t K = static_cast<std::size_t>(set.num_classes());
  std::vector<std::vector<PrfCounts>> per_image(set.images.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, set.images.size()),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i)
                        per_image[i] = match_image(set.images[i], set.num_classes(), params);
                    });
  CentroidSummary s;
  s.params = params;
  s.per_class.resize(K);
  for (std::size_t c = 0; c < K; ++c) s.per_class[c].name = set.class_names[c];
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    for (std::size_t c = 0; c < K; ++c) s.per_class[c].counts += per_image[i][c];
    for (const Box& g : set.images[i].ground_truth) ++s.per_class[static_cast<std::size_t>(g.cls)].num_gt;
  }
  double f1_sum = 0;
  int with_gt = 0;
  for (const CentroidClassResult& r : s.per_class) {
    s.micro += r.counts;
    if (r.num_gt > 0) {
      f1_sum += r.counts.f1();
      ++with_gt;
    }
  }
  s.macro_f1 = with_gt > 0 ? f1_sum / with_gt : -1.0;
  return s;
}

void to_json(nlohmann::json& j, const CentroidClassResult& r) {
  j = r.counts;
  j["name"] = r.name;
  j["num_gt"] = r.num_gt;
}

void to_json(nlohmann::json& j, const CentroidSummary& s) {
  j = nlohmann::json{{"micro", s.micro},
                     {"macro_f1", s.macro_f1},
                     {"per_class", s.per_class},
                     {"cell_size", s.params.cell_size},
                     {"max_distance_cells", s.params.max_distance_cells},
                     {"score_threshold", s.params.score_threshold},
                     {"rule",
                      "one-to-one, highest score first; match = gt box contains centroid or gt "
                      "centre within max_distance_cells*cell_size px; nearest centre wins"}};
}

}  // namespace tinydet::metrics
