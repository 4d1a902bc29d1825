#include "decoding.h"

#include <algorithm>
#include <cmath>

#include "box_coder.h"
#include "nms.h"

namespace tinydet::ssdlite {

namespace {
bool all_finite(const float* v, int n) {
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}
}  // namespace

std::vector<Detection> decode_detections(const AnchorArrays& outputs, const AnchorSet& anchors,
                                         const DecodeSettings& s) {
  const int num_logits = s.num_classes + 1;
  const int num_anchors = int(anchors.anchors.size());
  if (s.max_detections <= 0) return {};
  std::vector<std::vector<ScoredBox>> per_class(size_t(s.num_classes));
  std::vector<double> prob(static_cast<size_t>(num_logits));
  for (int a = 0; a < num_anchors; ++a) {
    const float* z = outputs.logits.data() + size_t(a) * num_logits;
    const float* d = outputs.deltas.data() + size_t(a) * 4;
    if (!all_finite(z, num_logits) || !all_finite(d, 4)) continue;
    const double m = *std::max_element(z, z + num_logits);
    double sum = 0;
    for (int i = 0; i < num_logits; ++i) sum += prob[i] = std::exp(double(z[i]) - m);
    bool decoded = false;
    CornerBox box;
    for (int c = 1; c < num_logits; ++c) {
      const float score = float(prob[c] / sum);
      if (!(score >= s.score_threshold)) continue;
      if (!decoded) {
        box = decode_box({d[0], d[1], d[2], d[3]}, anchors.anchors[size_t(a)]);
        box.x0 = std::clamp(box.x0, 0.f, float(s.input_w));
        box.x1 = std::clamp(box.x1, 0.f, float(s.input_w));
        box.y0 = std::clamp(box.y0, 0.f, float(s.input_h));
        box.y1 = std::clamp(box.y1, 0.f, float(s.input_h));
        decoded = true;
      }
      if (!(box.x1 > box.x0 && box.y1 > box.y0)) break;  // nothing left after clipping
      per_class[size_t(c - 1)].push_back({box, score, c - 1});
    }
  }

  std::vector<ScoredBox> merged;
  for (auto& candidates : per_class) {
    auto kept = non_max_suppression(std::move(candidates), s.nms_iou, s.max_detections);
    merged.insert(merged.end(), kept.begin(), kept.end());
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const ScoredBox& a, const ScoredBox& b) { return a.score > b.score; });
  if (int(merged.size()) > s.max_detections) merged.resize(size_t(s.max_detections));

  std::vector<Detection> detections;
  for (const ScoredBox& k : merged) {
    Detection det;
    det.x0 = k.box.x0;
    det.y0 = k.box.y0;
    det.x1 = k.box.x1;
    det.y1 = k.box.y1;
    det.cx = 0.5f * (det.x0 + det.x1);
    det.cy = 0.5f * (det.y0 + det.y1);
    det.cls = k.cls;
    det.score = k.score;
    detections.push_back(det);
  }
  return detections;
}

}  // namespace tinydet::ssdlite
