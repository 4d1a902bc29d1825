// Anchor geometry against hand-derived values (TF ssd_anchor_generator conventions).
#include <gtest/gtest.h>

#include <cmath>

#include "anchors.h"
#include "settings.h"

namespace tinydet::ssdlite {
namespace {

std::vector<FeatureMapSize> squares(std::initializer_list<int> sides) {
  std::vector<FeatureMapSize> v;
  for (int s : sides) v.push_back({s, s});
  return v;
}

TEST(SsdliteAnchors, FeatureMapsAreSixAtEveryResolution) {
  EXPECT_EQ(feature_map_sizes(320, 320), squares({20, 10, 5, 3, 2, 1}));
  EXPECT_EQ(feature_map_sizes(160, 160), squares({10, 5, 3, 2, 1, 1}));
  EXPECT_EQ(feature_map_sizes(224, 224), squares({14, 7, 4, 2, 1, 1}));
  const std::vector<FeatureMapSize> wide{{6, 14}, {3, 7}, {2, 4}, {1, 2}, {1, 1}, {1, 1}};
  EXPECT_EQ(feature_map_sizes(96, 224), wide);
}

TEST(SsdliteAnchors, ShapesFollowTheTfScaleSchedule) {
  const auto layers = ssd_anchor_shapes(6);
  ASSERT_EQ(layers.size(), 6u);
  // Lowest layer: (0.1, 1), (s0, 2), (s0, 1/2) with s0 = 0.2.
  ASSERT_EQ(layers[0].size(), 3u);
  EXPECT_FLOAT_EQ(layers[0][0].scale, 0.1f);
  EXPECT_FLOAT_EQ(layers[0][0].aspect_ratio, 1.f);
  EXPECT_FLOAT_EQ(layers[0][1].scale, 0.2f);
  EXPECT_FLOAT_EQ(layers[0][1].aspect_ratio, 2.f);
  EXPECT_FLOAT_EQ(layers[0][2].aspect_ratio, 0.5f);
  // Scales 0.2 + 0.15 i; ratios 1, 2, 1/2, 3, 1/3, then the interpolated scale.
  const float expected_ratio[] = {1.f, 2.f, 0.5f, 3.f, 1.f / 3.f, 1.f};
  for (int i = 1; i < 6; ++i) {
    ASSERT_EQ(layers[i].size(), 6u);
    const float s = 0.2f + 0.15f * float(i);
    const float next = i == 5 ? 1.f : s + 0.15f;
    for (int k = 0; k < 5; ++k) EXPECT_NEAR(layers[i][k].scale, s, 1e-6f);
    for (int k = 0; k < 6; ++k) EXPECT_FLOAT_EQ(layers[i][k].aspect_ratio, expected_ratio[k]);
    EXPECT_NEAR(layers[i][5].scale, std::sqrt(s * next), 1e-6f);
  }
  EXPECT_THROW(ssd_anchor_shapes(1), std::invalid_argument);
}

TEST(SsdliteAnchors, Counts) {
  // The classic TF SSD count for 300×300 (maps 19, 10, 5, 3, 2, 1): 19²·3 + 139·6.
  EXPECT_EQ(generate_anchors(300, 300, squares({19, 10, 5, 3, 2, 1})).anchors.size(), 1917u);
  EXPECT_EQ(generate_anchors(320, 320, feature_map_sizes(320, 320)).anchors.size(), 2034u);
  // 160: 10²·3 + (25 + 9 + 4 + 1 + 1)·6 = 540.
  const AnchorSet s = generate_anchors(160, 160, feature_map_sizes(160, 160));
  EXPECT_EQ(s.anchors.size(), 540u);
  ASSERT_EQ(s.maps.size(), 6u);
  EXPECT_EQ(s.maps[1].first, 300);
  EXPECT_EQ(s.maps[1].per_cell, 6);
  EXPECT_EQ(s.maps[5].first, 534);
}

TEST(SsdliteAnchors, PositionsAndSizesAt64) {
  // Maps 4, 2, 1, 1, 1, 1; scales 0.2, 0.35, 0.5, ...; sizes relative to 64 px.
  const AnchorSet s = generate_anchors(64, 64, feature_map_sizes(64, 64));
  ASSERT_EQ(s.anchors.size(), size_t(16 * 3 + 4 * 6 + 4 * 6));
  auto expect_anchor = [&](size_t n, float cy, float cx, float h, float w) {
    SCOPED_TRACE("anchor " + std::to_string(n));
    EXPECT_NEAR(s.anchors.at(n).cy, cy, 1e-3f);
    EXPECT_NEAR(s.anchors.at(n).cx, cx, 1e-3f);
    EXPECT_NEAR(s.anchors.at(n).h, h, 1e-3f);
    EXPECT_NEAR(s.anchors.at(n).w, w, 1e-3f);
  };
  expect_anchor(0, 8, 8, 6.4f, 6.4f);                // cell (0,0), (0.1, 1)
  expect_anchor(1, 8, 8, 9.05097f, 18.10193f);       // (0.2, 2): 12.8/√2, 12.8·√2
  expect_anchor(18, 24, 40, 6.4f, 6.4f);             // cell (1,2) = (1·4+2)·3
  expect_anchor(48 + 2 * 6 + 5, 48, 16, 26.7731f, 26.7731f);  // map 1 cell (1,0), √(0.35·0.5)
  expect_anchor(72 + 3, 32, 32, 18.4752f, 55.4256f);  // map 2 (1×1), (0.5, 3): 32/√3, 32·√3
  expect_anchor(s.anchors.size() - 1, 32, 32, 62.3794f, 62.3794f);  // √(0.95·1)·64
}

TEST(SsdliteAnchors, NonSquareInputKeepsSquareAnchorsSquare) {
  const AnchorSet s = generate_anchors(64, 128, feature_map_sizes(64, 128));
  EXPECT_EQ(s.maps[0].size, (FeatureMapSize{4, 8}));
  EXPECT_NEAR(s.anchors[0].h, 6.4f, 1e-4f);  // 0.1 · min(64, 128)
  EXPECT_NEAR(s.anchors[0].w, 6.4f, 1e-4f);
  EXPECT_NEAR(s.anchors[0].cx, 8.f, 1e-4f);  // 0.5 / 8 · 128
  EXPECT_NEAR(s.anchors[0].cy, 8.f, 1e-4f);  // 0.5 / 4 · 64
  EXPECT_NEAR(s.anchors[3].cx, 24.f, 1e-4f);  // next cell to the right
}

}  // namespace
}  // namespace tinydet::ssdlite
