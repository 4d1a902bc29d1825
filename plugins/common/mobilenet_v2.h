// MobileNetV2 (Sandler et al. 2018) feature extractor in the graph IR, shared by the
// FOMO and SSDLite plugins. Compiled into each plugin that uses it (not part of the SDK).
//
// Layer names follow the Keras application so cut points read the same as in the
// literature: "Conv1_relu", "block_N_expand_relu", "block_N_depthwise_relu",
// "block_N_project_BN" (block output, after the residual add when there is one),
// "Conv_1_relu". Block 0 ("expanded_conv") has no expansion. Differences from Keras:
// stride-2 convolutions pad symmetrically (1 on every side, as PyTorch), where Keras pads
// 0 before and 1 after; for even input sizes the output sizes are the same.
#pragma once

#include <map>
#include <string>

#include "tinydet/graph_builder.h"

namespace tinydet::mobilenet {

/// Keras' _make_divisible: channels rounded to a multiple of 8, never down by >10%.
int make_divisible(double v, int divisor = 8);

struct MobileNetV2Options {
  float alpha = 0.35f;
  /// Stop after producing this tap (e.g. "block_6_expand_relu"); empty: the whole network
  /// through "Conv_1_relu".
  std::string stop_at;
  /// Name prefix for every op (lets a graph hold more than one backbone).
  std::string prefix;
};

struct MobileNetV2Features {
  int output = -1;                  // the last tensor built
  std::map<std::string, int> taps;  // Keras tap name -> tensor id
};

/// Appends MobileNetV2 to `b`, reading tensor `input`. Throws std::invalid_argument if
/// `stop_at` names no tap.
MobileNetV2Features build_mobilenet_v2(GraphBuilder& b, int input, const MobileNetV2Options& opt);

}  // namespace tinydet::mobilenet
