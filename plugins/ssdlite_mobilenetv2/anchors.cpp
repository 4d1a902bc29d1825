#include "anchors.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tinydet::ssdlite {

namespace {
constexpr float kMinScale = 0.2f, kMaxScale = 0.95f;
constexpr float kLowestLayerSmallScale = 0.1f;
constexpr float kAspectRatios[] = {1.f, 2.f, 0.5f, 3.f, 1.f / 3.f};
}  // namespace

std::vector<std::vector<AnchorShape>> ssd_anchor_shapes(int num_layers) {
  if (num_layers < 2)
    throw std::invalid_argument("ssd_anchor_shapes: need at least 2 feature maps, got " +
                                std::to_string(num_layers));
  std::vector<float> scales;
  for (int i = 0; i < num_layers; ++i)
    scales.push_back(kMinScale + (kMaxScale - kMinScale) * float(i) / float(num_layers - 1));
  scales.push_back(1.f);

  std::vector<std::vector<AnchorShape>> layers(num_layers);
  for (int i = 0; i < num_layers; ++i) {
    auto& shapes = layers[i];
    if (i == 0) {
      shapes = {{kLowestLayerSmallScale, 1.f}, {scales[0], 2.f}, {scales[0], 0.5f}};
      continue;
    }
    for (float r : kAspectRatios) shapes.push_back({scales[i], r});
    shapes.push_back({std::sqrt(scales[i] * scales[i + 1]), 1.f});
  }
  return layers;
}

AnchorSet generate_anchors(int input_h, int input_w, const std::vector<FeatureMapSize>& maps) {
  const auto shapes = ssd_anchor_shapes(int(maps.size()));
  const float base = float(std::min(input_h, input_w));
  AnchorSet set;
  for (size_t m = 0; m < maps.size(); ++m) {
    const FeatureMapSize fm = maps[m];
    set.maps.push_back({fm, int(shapes[m].size()), int(set.anchors.size())});
    for (int i = 0; i < fm.h; ++i)
      for (int j = 0; j < fm.w; ++j)
        for (const AnchorShape& s : shapes[m]) {
          const float root = std::sqrt(s.aspect_ratio);
          set.anchors.push_back({(float(i) + 0.5f) / float(fm.h) * float(input_h),
                                 (float(j) + 0.5f) / float(fm.w) * float(input_w),
                                 s.scale / root * base, s.scale * root * base});
        }
  }
  return set;
}

}  // namespace tinydet::ssdlite
