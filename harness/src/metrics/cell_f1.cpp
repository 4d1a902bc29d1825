#include "metrics/cell_f1.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <utility>

namespace tinydet::metrics {

namespace {

long long cell_index(float coordinate, float cell_size, long long cells) {
  const long long c = static_cast<long long>(std::floor(static_cast<double>(coordinate) / cell_size));
  return std::clamp<long long>(c, 0, cells - 1);
}

}  // namespace

CellF1Summary evaluate_cell_f1(const EvalSet& set, const CellF1Params& params) {
  set.validate();
  if (!(params.cell_size > 0)) throw std::invalid_argument("cell F1: cell_size must be > 0");
  CellF1Summary s;
  s.params = params;
  const std::size_t K = static_cast<std::size_t>(set.num_classes());
  s.per_class.resize(K);
  for (std::size_t c = 0; c < K; ++c) s.per_class[c].name = set.class_names[c];
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const EvalImage& image = set.images[i];
    if (image.width <= 0 || image.height <= 0)
      throw std::invalid_argument("cell F1: image " + std::to_string(i) +
                                  " has no width/height (needed for the grid)");
    const long long gw = static_cast<long long>(std::ceil(image.width / static_cast<double>(params.cell_size)));
    const long long gh = static_cast<long long>(std::ceil(image.height / static_cast<double>(params.cell_size)));
    // (class, cell) sets
    std::set<std::pair<int, long long>> truth, predicted;
    for (const Box& g : image.ground_truth)
      truth.emplace(g.cls, cell_index(g.cy(), params.cell_size, gh) * gw +
                               cell_index(g.cx(), params.cell_size, gw));
    for (const Detection& d : image.detections)
      if (d.score >= params.score_threshold)
        predicted.emplace(d.cls, cell_index(d.cy, params.cell_size, gh) * gw +
                                     cell_index(d.cx, params.cell_size, gw));
    for (const auto& key : truth) {
      PrfCounts& c = s.per_class[static_cast<std::size_t>(key.first)].counts;
      if (predicted.count(key)) ++c.tp; else ++c.fn;
    }
    for (const auto& key : predicted)
      if (!truth.count(key)) ++s.per_class[static_cast<std::size_t>(key.first)].counts.fp;
  }
  for (const CellF1ClassResult& r : s.per_class) s.micro += r.counts;
  return s;
}

void to_json(nlohmann::json& j, const CellF1ClassResult& r) {
  j = r.counts;
  j["name"] = r.name;
}

void to_json(nlohmann::json& j, const CellF1Summary& s) {
  j = nlohmann::json{{"micro", s.micro},
                     {"per_class", s.per_class},
                     {"cell_size", s.params.cell_size},
                     {"score_threshold", s.params.score_threshold},
                     {"rule",
                      "our reading of Edge Impulse's FOMO evaluation: per (class, grid cell) "
                      "positive if a gt centre / predicted centroid falls in it; background "
                      "cells not counted"}};
}

}  // namespace tinydet::metrics
