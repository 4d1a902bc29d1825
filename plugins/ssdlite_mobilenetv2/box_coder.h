// The Faster R-CNN box coder of the TF Object Detection API (faster_rcnn_box_coder) with
// the SSD scale factors (10, 10, 5, 5), i.e. "variances" 0.1 and 0.2:
//   ty = 10 * (cy - cy_a) / h_a,  tx = 10 * (cx - cx_a) / w_a,
//   th = 5 * log(h / h_a),        tw = 5 * log(w / w_a).
// Box regression outputs hold (ty, tx, th, tw) in that order, per anchor.
#pragma once

#include <array>

#include "anchors.h"

namespace tinydet::ssdlite {

using BoxDeltas = std::array<float, 4>;  // ty, tx, th, tw

/// Corner box in input pixels (x0, y0 top-left; x1, y1 bottom-right).
struct CornerBox {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

/// Encodes `box` relative to `anchor`. Sizes are floored at a tiny epsilon (as TF) so a
/// degenerate box gives finite deltas.
BoxDeltas encode_box(const CornerBox& box, const Anchor& anchor);

/// Inverse of encode_box. th and tw are clamped to 5 * log(1000 / 16) before exponentiation
/// (as torchvision does) so extreme outputs give finite boxes; the result is not clipped.
CornerBox decode_box(const BoxDeltas& d, const Anchor& anchor);

}  // namespace tinydet::ssdlite
