// Small deterministic networks and images shared by the planner / quantiser / executor
// tests (header-only; tests/support has no targets of its own).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "tinydet/graph_builder.h"

namespace tinydet::test {

/// How small_mobilenet initialises its weights.
struct SmallMobileNetOptions {
  /// Output channels of the 1x1 "map" head (4: a FOMO-style heatmap of 3 classes plus
  /// background; 48: an SSD-style head, 6 anchors x (4 box + 4 class) values).
  int map_channels = 4;
  /// true: He-initialised, then random BN statistics, BN affine parameters and biases, so
  /// that folding changes the weights (the folding and libtorch tests need that).
  /// false: exactly the trainer's initialisation (init_weights: He-normal weights, zero
  /// biases, identity BN), the network `tinydet train` starts from. The SQNR test uses
  /// this: random BN statistics that do not match the data leave a large common offset in
  /// every channel, which is not what a network's activations look like.
  bool randomise_batchnorm = true;
};

/// A MobileNetV2-style network at `res`x`res`: stem conv, a residual inverted block, a
/// stride-2 inverted block, a max-pool branch concatenated with it, and two heads (a 1x1
/// conv grid "map" and a global-pool + FC "logits"). Training form (BN, dropout).
inline Graph small_mobilenet(int res = 32, uint64_t seed = 1, SmallMobileNetOptions opt = {}) {
  GraphBuilder b(Shape{res, res, 3});
  int x = b.conv2d(b.input(), 16, 3, 2, Act::ReLU6, "stem");
  // Residual inverted block (expand 4x, depthwise, project, add).
  int h = b.conv2d(x, 64, 1, 1, Act::ReLU6, "b1_expand");
  h = b.depthwise(h, 3, 1, Act::ReLU6, "b1_depthwise");
  h = b.conv2d(h, 16, 1, 1, Act::None, "b1_project");
  x = b.add(x, h, "b1_add");
  // Stride-2 inverted block.
  h = b.conv2d(x, 64, 1, 1, Act::ReLU6, "b2_expand");
  h = b.depthwise(h, 3, 2, Act::ReLU6, "b2_depthwise");
  h = b.conv2d(h, 24, 1, 1, Act::None, "b2_project");
  const int pooled = b.max_pool(x, 2, 2, "b2_pool");
  x = b.concat({h, pooled}, "b2_concat");
  const int map = b.conv2d(x, opt.map_channels, 1, 1, Act::None, "map_head", ConvOptions{.bn = false, .bias = true});
  int g = b.global_avg_pool(x, "gap");
  g = b.dropout(g, 0.2f, "drop");
  const int logits = b.fully_connected(g, 5, Act::None, "logits");
  b.mark_output(map, "map");
  b.mark_output(logits, "logits");
  Graph graph = b.finish();
  init_weights(graph, seed);
  if (!opt.randomise_batchnorm) return graph;
  std::mt19937 rng{static_cast<uint32_t>(seed * 7919 + 1)};
  std::uniform_real_distribution<float> u(0.f, 1.f);
  for (Op& op : graph.ops) {
    for (float& v : op.bn_gamma) v = 0.5f + u(rng);
    for (float& v : op.bn_beta) v = 0.4f * (u(rng) - 0.5f);
    for (float& v : op.bn_mean) v = 0.4f * (u(rng) - 0.5f);
    for (float& v : op.bn_var) v = 0.5f + 1.5f * u(rng);
    for (float& v : op.bias) v = 0.2f * (u(rng) - 0.5f);
  }
  return graph;
}

/// Smooth random images (pixel / 255 in [0, 1], NHWC): uniform noise on a coarse 8x8
/// grid, bilinearly upsampled, so neighbouring pixels correlate as in photographs.
inline std::vector<std::vector<float>> smooth_images(const Shape& s, int count, uint64_t seed) {
  std::mt19937 rng{static_cast<uint32_t>(seed)};
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<std::vector<float>> images;
  const int grid = 8;
  for (int n = 0; n < count; ++n) {
    std::vector<float> coarse(size_t(grid * grid * s.c));
    for (float& v : coarse) v = u(rng);
    std::vector<float> img(size_t(s.elements()));
    for (int y = 0; y < s.h; ++y)
      for (int x = 0; x < s.w; ++x) {
        const float fy = float(y) * (grid - 1) / float(std::max(1, s.h - 1));
        const float fx = float(x) * (grid - 1) / float(std::max(1, s.w - 1));
        const int y0 = std::min(int(fy), grid - 2), x0 = std::min(int(fx), grid - 2);
        const float ay = fy - float(y0), ax = fx - float(x0);
        for (int c = 0; c < s.c; ++c) {
          auto at = [&](int yy, int xx) { return coarse[size_t((yy * grid + xx) * s.c + c)]; };
          const float top = at(y0, x0) * (1 - ax) + at(y0, x0 + 1) * ax;
          const float bottom = at(y0 + 1, x0) * (1 - ax) + at(y0 + 1, x0 + 1) * ax;
          // Quantise to 8-bit pixels, as real images are.
          img[size_t((y * s.w + x) * s.c + c)] = std::round((top * (1 - ay) + bottom * ay) * 255.f) / 255.f;
        }
      }
    images.push_back(std::move(img));
  }
  return images;
}

}  // namespace tinydet::test
