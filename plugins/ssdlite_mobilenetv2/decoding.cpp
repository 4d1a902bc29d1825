#include "decoding.h"

#include <algorithm>
#include <cmath>

#include "box_coder.h"
#include "../common/nms.h"

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
  std::vector<Detection> candidates;
  std::vector<float> prob(static_cast<size_t>(num_logits));
  for (int a = 0; a < num_anchors; ++a) {
    const float* z = outputs.logits.data() + size_t(a) * num_logits;
    const float* d = outputs.deltas.data() + size_t(a) * 4;
    if (!all_finite(z, num_logits) || !all_finite(d, 4)) continue;
    archutil::softmax({z, size_t(num_logits)}, prob);
    bool decoded = false;
    CornerBox box;
    for (int c = 1; c < num_logits; ++c) {
      if (!(prob[size_t(c)] >= s.score_threshold)) continue;
      if (!decoded) {
        box = decode_box({d[0], d[1], d[2], d[3]}, anchors.anchors[size_t(a)]);
        box.x0 = std::clamp(box.x0, 0.f, float(s.input_w));
        box.x1 = std::clamp(box.x1, 0.f, float(s.input_w));
        box.y0 = std::clamp(box.y0, 0.f, float(s.input_h));
        box.y1 = std::clamp(box.y1, 0.f, float(s.input_h));
        decoded = true;
      }
      if (!(box.x1 > box.x0 && box.y1 > box.y0)) break;  // nothing left after clipping
      Detection det;
      det.x0 = box.x0;
      det.y0 = box.y0;
      det.x1 = box.x1;
      det.y1 = box.y1;
      det.cx = 0.5f * (box.x0 + box.x1);
      det.cy = 0.5f * (box.y0 + box.y1);
      det.cls = c - 1;
      det.score = prob[size_t(c)];
      candidates.push_back(det);
    }
  }
  return archutil::nms_per_class(std::move(candidates), s.nms_iou, s.max_detections);
}

}  // namespace tinydet::ssdlite
