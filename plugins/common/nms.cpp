#include "nms.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tinydet::archutil {

namespace {
bool finite_detection(const Detection& d) {
  return std::isfinite(d.score) && std::isfinite(d.x0) && std::isfinite(d.y0) &&
         std::isfinite(d.x1) && std::isfinite(d.y1) && std::isfinite(d.cx) &&
         std::isfinite(d.cy);
}
}  // namespace

std::vector<Detection> nms_per_class(std::vector<Detection> detections, float iou_threshold,
                                     int max_detections) {
  std::erase_if(detections, [](const Detection& d) { return !finite_detection(d); });
  std::vector<size_t> order(detections.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (detections[a].score != detections[b].score)
      return detections[a].score > detections[b].score;
    return detections[a].cls < detections[b].cls;
  });
  std::vector<Detection> kept;
  for (size_t i : order) {
    const Detection& d = detections[i];
    bool suppressed = false;
    for (const Detection& k : kept) {
      if (k.cls == d.cls &&
          iou(k.x0, k.y0, k.x1, k.y1, d.x0, d.y0, d.x1, d.y1) > iou_threshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push_back(d);
    if (max_detections > 0 && int(kept.size()) >= max_detections) break;
  }
  return kept;
}

float sigmoid(float x) {
  if (x >= 0) return 1.f / (1.f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.f + e);
}

void softmax(std::span<const float> logits, std::span<float> probs) {
  auto clean = [](float v) {
    if (std::isnan(v)) return -1e30f;
    return std::clamp(v, -1e30f, 1e30f);
  };
  float m = -1e30f;
  for (float v : logits) m = std::max(m, clean(v));
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    probs[i] = std::exp(clean(logits[i]) - m);
    sum += probs[i];
  }
  for (size_t i = 0; i < logits.size(); ++i) probs[i] = float(probs[i] / sum);
}

}  // namespace tinydet::archutil
