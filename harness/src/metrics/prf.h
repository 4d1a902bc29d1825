// Precision / recall / F1 from true-positive, false-positive and false-negative counts.
#pragma once

#include <nlohmann/json.hpp>

namespace tinydet::metrics {

/// Counts and the figures derived from them. Undefined ratios (0 / 0) are reported as 0:
/// precision = tp / (tp + fp), recall = tp / (tp + fn), f1 = 2 tp / (2 tp + fp + fn)
/// (the harmonic mean of precision and recall, written so it needs no special case).
struct PrfCounts {
  long long tp = 0, fp = 0, fn = 0;

  double precision() const { return tp + fp > 0 ? static_cast<double>(tp) / (tp + fp) : 0.0; }
  double recall() const { return tp + fn > 0 ? static_cast<double>(tp) / (tp + fn) : 0.0; }
  double f1() const { return tp > 0 ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0; }
  PrfCounts& operator+=(const PrfCounts& o) {
    tp += o.tp;
    fp += o.fp;
    fn += o.fn;
    return *this;
  }
};

inline void to_json(nlohmann::json& j, const PrfCounts& c) {
  j = nlohmann::json{{"tp", c.tp},
                     {"fp", c.fp},
                     {"fn", c.fn},
                     {"precision", c.precision()},
                     {"recall", c.recall()},
                     {"f1", c.f1()}};
}

}  // namespace tinydet::metrics
