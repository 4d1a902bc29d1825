// SSD anchors as the TensorFlow Object Detection API's ssd_anchor_generator makes them
// (MultipleGridAnchorGenerator with min_scale 0.2, max_scale 0.95, aspect ratios
// {1, 2, 1/2, 3, 1/3}, an interpolated scale with ratio 1, reduce_boxes_in_lowest_layer).
//
// Units: anchors are in pixels of the network input (centre and size), so they compare
// directly with ground truth; TF keeps them normalised, which is the same up to a scale.
#pragma once

#include <vector>

#include "settings.h"

namespace tinydet::ssdlite {

/// One anchor box: centre and size in input pixels.
struct Anchor {
  float cy = 0, cx = 0, h = 0, w = 0;
  float y0() const { return cy - 0.5f * h; }
  float x0() const { return cx - 0.5f * w; }
  float y1() const { return cy + 0.5f * h; }
  float x1() const { return cx + 0.5f * w; }
};

/// One anchor shape of a layer: scale relative to the shorter input side, and the
/// aspect ratio width / height.
struct AnchorShape {
  float scale = 0, aspect_ratio = 1;
};

/// The anchor shapes of each feature map, for `num_layers` feature maps:
///   scale_i = 0.2 + (0.95 - 0.2) * i / (num_layers - 1);
///   layer 0: (0.1, 1), (scale_0, 2), (scale_0, 1/2);
///   layer i > 0: (scale_i, r) for r in {1, 2, 1/2, 3, 1/3}, then
///                (sqrt(scale_i * scale_{i+1}), 1) with scale_{num_layers} = 1.
/// Requires num_layers >= 2.
std::vector<std::vector<AnchorShape>> ssd_anchor_shapes(int num_layers);

/// Where the anchors of one feature map start in the flat anchor list, and how many
/// anchors each cell has. Anchor `n` of the map is at cell n / per_cell (row-major) and
/// is shape n % per_cell: the order of the head's NHWC output channels.
struct FeatureMapAnchors {
  FeatureMapSize size;
  int per_cell = 0;
  int first = 0;  // index of the map's first anchor in the flat list
  int count() const { return size.h * size.w * per_cell; }
};

struct AnchorSet {
  std::vector<Anchor> anchors;          // all maps, map by map, row-major, shape fastest
  std::vector<FeatureMapAnchors> maps;  // one entry per feature map
};

/// Tiles the shapes over the feature maps. Centres are at ((i + 0.5) / H, (j + 0.5) / W) of
/// the input; sizes are scale * sqrt(r) (width) and scale / sqrt(r) (height) times the
/// shorter input side, so ratio-1 anchors are square in pixels on non-square inputs too
/// (TF scales its base anchor by min(H, W) / H and min(H, W) / W for the same effect).
AnchorSet generate_anchors(int input_h, int input_w, const std::vector<FeatureMapSize>& maps);

}  // namespace tinydet::ssdlite
