// Anchor-to-ground-truth matching (the TF Object Detection API's argmax matcher with
// matched_threshold = match_iou, unmatched_threshold = unmatched_iou and
// force_match_for_each_row).
//
// Rules, in order:
//  1. Ground-truth boxes are clipped to the input; boxes left with no area are dropped.
//  2. Each anchor takes its highest-IoU non-crowd box if that IoU >= match_iou (ties: the
//     lower box index). An anchor whose highest IoU lies in [unmatched_iou, match_iou) is
//     ignored (TF's "between thresholds" anchors); below unmatched_iou it is a background
//     candidate. unmatched_iou == match_iou gives no ignore band (the TF SSDLite config).
//  3. Forced matches: every non-crowd box also gets its best anchor, even below match_iou,
//     so that no object goes unlearnt. Boxes choose in order of decreasing best IoU, each
//     taking its best anchor not already forced to another box (TF lets the last box win
//     a shared best anchor, which can leave a box with no anchor at all). A box that
//     overlaps no anchor (IoU 0) is not forced.
//  4. Anchors that are not positive and overlap a crowd box at IoU >= match_iou are
//     ignored (neither positive nor negative).
#pragma once

#include <vector>

#include "anchors.h"
#include "tinydet/types.h"

namespace tinydet::ssdlite {

constexpr int kBackground = -1;  // anchor matched to nothing: negative candidate
constexpr int kIgnored = -2;     // anchor excluded from the loss

struct AnchorMatches {
  /// Per anchor: index into `boxes` (>= 0), kBackground or kIgnored.
  std::vector<int> box_of_anchor;
  /// The ground truth as used: clipped to the input, with degenerate boxes removed.
  std::vector<Box> boxes;
};

/// Requires unmatched_iou <= match_iou (std::invalid_argument otherwise).
AnchorMatches match_anchors(const std::vector<Anchor>& anchors, const std::vector<Box>& ground_truth,
                            int input_h, int input_w, float match_iou, float unmatched_iou);

/// IoU of an anchor and a box, both in input pixels.
float anchor_iou(const Anchor& a, const Box& b);

}  // namespace tinydet::ssdlite
