#include "box_coder.h"

#include <algorithm>
#include <cmath>

namespace tinydet::ssdlite {

namespace {
constexpr float kScaleY = 10.f, kScaleX = 10.f, kScaleH = 5.f, kScaleW = 5.f;
constexpr float kEpsilon = 1e-8f;
// Largest log size ratio decoded; beyond it exp() would overflow for extreme outputs.
const float kMaxLogRatio = std::log(1000.f / 16.f);
}  // namespace

BoxDeltas encode_box(const CornerBox& box, const Anchor& anchor) {
  const float h = std::max(box.y1 - box.y0, 0.f) + kEpsilon;
  const float w = std::max(box.x1 - box.x0, 0.f) + kEpsilon;
  const float ha = anchor.h + kEpsilon, wa = anchor.w + kEpsilon;
  const float cy = 0.5f * (box.y0 + box.y1), cx = 0.5f * (box.x0 + box.x1);
  return {kScaleY * (cy - anchor.cy) / ha, kScaleX * (cx - anchor.cx) / wa,
          kScaleH * std::log(h / ha), kScaleW * std::log(w / wa)};
}

CornerBox decode_box(const BoxDeltas& d, const Anchor& anchor) {
  const float ha = anchor.h + kEpsilon, wa = anchor.w + kEpsilon;
  const float cy = anchor.cy + d[0] / kScaleY * ha;
  const float cx = anchor.cx + d[1] / kScaleX * wa;
  const float h = std::exp(std::min(d[2] / kScaleH, kMaxLogRatio)) * ha - kEpsilon;
  const float w = std::exp(std::min(d[3] / kScaleW, kMaxLogRatio)) * wa - kEpsilon;
  return {cx - 0.5f * w, cy - 0.5f * h, cx + 0.5f * w, cy + 0.5f * h};
}

}  // namespace tinydet::ssdlite
