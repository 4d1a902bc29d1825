// Greedy non-maximum suppression and small numeric helpers for detection heads
// (compiled into each plugin that uses them; not part of the SDK).
#pragma once

#include <span>
#include <vector>

#include "tinydet/types.h"

namespace tinydet::archutil {

/// Greedy per-class NMS: within each class, detections are taken in decreasing score and a
/// detection is dropped when its IoU with an already kept one of the same class is above
/// `iou_threshold`. The result is sorted by decreasing score (ties: lower class, then input
/// order) and cut to `max_detections` (<= 0: no cut). Detections with a non-finite score or
/// coordinate are dropped first.
std::vector<Detection> nms_per_class(std::vector<Detection> detections, float iou_threshold,
                                     int max_detections);

/// Logistic sigmoid, exact at ±inf; NaN stays NaN.
float sigmoid(float x);

/// Numerically stable softmax of `logits` into `probs` (same size). Non-finite inputs are
/// clamped to ±1e30 first (NaN counts as -1e30), so the result is always a finite
/// distribution.
void softmax(std::span<const float> logits, std::span<float> probs);

}  // namespace tinydet::archutil
