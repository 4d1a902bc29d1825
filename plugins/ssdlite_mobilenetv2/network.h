// The SSDLite-MobileNetV2 network in the graph IR.
//
// Feature maps (settings.h feature_map_sizes): MobileNetV2's "block_13_expand_relu"
// (stride 16), its last layer "Conv_1_relu" (stride 32), then SSDLite extra layers, each
//   extra_k_reduce:    1×1 conv to depth_k / 2, BN, ReLU6
//   extra_k_depthwise: 3×3 depthwise, stride 2, BN, ReLU6
//   extra_k_project:   1×1 conv to depth_k, BN, ReLU6
// for k = 0..3, with depth_k = 512, 256, 256, 128 (TF's SSDLite layer_depth) times alpha,
// rounded with make_divisible (multiple of 8) and at least 16.
// Every map gets two depthwise-separable heads: "box_k_depthwise" / "cls_k_depthwise"
// (3×3 depthwise, BN, ReLU6), then the 1×1 convs with bias "box_k" (A_k * 4 channels) and
// "cls_k" (A_k * (C + 1) channels), which are the graph outputs (head_layout.h).
#pragma once

#include <vector>

#include "anchors.h"
#include "settings.h"
#include "tinydet/graph.h"

namespace tinydet::ssdlite {

/// Output depth of extra layer k (0-based) for width multiplier `alpha`; the reduce
/// layer has extra_layer_depth(k, alpha) / 2 rounded the same way.
int extra_layer_depth(int k, float alpha);
int extra_layer_reduce_depth(int k, float alpha);

/// Builds the training graph (BN kept, weights zero). `anchors` gives the anchors per cell
/// of each map. Throws std::logic_error if the built maps differ from `anchors.maps`.
Graph build_ssdlite_graph(const SsdliteSettings& settings, const AnchorSet& anchors);

}  // namespace tinydet::ssdlite
