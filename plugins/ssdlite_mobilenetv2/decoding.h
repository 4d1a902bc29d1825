// Post-processing: raw per-anchor outputs to detections in input pixels.
//
// Per anchor, softmax over the C + 1 logits; for each object class whose probability is
// >= score_threshold, the anchor's box is decoded (box_coder.h), clipped to the input
// and kept if it still has area. Greedy per-class NMS at nms_iou (the plugins' shared
// archutil::nms_per_class) then keeps the max_detections best boxes over all classes. Anchors with non-finite logits or deltas are skipped, so any input
// gives a finite, bounded result.
#pragma once

#include <vector>

#include "anchors.h"
#include "head_layout.h"
#include "tinydet/types.h"

namespace tinydet::ssdlite {

struct DecodeSettings {
  int input_h = 0, input_w = 0;
  int num_classes = 0;
  float score_threshold = 0.3f;
  float nms_iou = 0.6f;
  int max_detections = 100;
};

std::vector<Detection> decode_detections(const AnchorArrays& outputs, const AnchorSet& anchors,
                                         const DecodeSettings& settings);

}  // namespace tinydet::ssdlite
