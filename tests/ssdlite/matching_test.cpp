// Anchor matching: threshold, forced best anchor, collisions, crowd and degenerate boxes.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "matching.h"
#include "targets.h"

namespace tinydet::ssdlite {
namespace {

// Anchors by corners (x0, y0, x1, y1).
Anchor corners(float x0, float y0, float x1, float y1) {
  return {0.5f * (y0 + y1), 0.5f * (x0 + x1), y1 - y0, x1 - x0};
}
Box box(float x0, float y0, float x1, float y1, int cls = 0, bool crowd = false) {
  Box b{x0, y0, x1, y1, cls};
  b.crowd = crowd;
  return b;
}

const std::vector<Anchor> kAnchors = {
    corners(0, 0, 20, 20),   // 0
    corners(20, 0, 40, 20),  // 1
    corners(5, 5, 15, 15),   // 2
    corners(0, 0, 20, 40),   // 3: IoU 0.5 with [0,0,20,20]
    corners(0, 0, 20, 41),   // 4: IoU 400/820 = 0.488 with [0,0,20,20]
};

TEST(SsdliteMatching, ThresholdIsInclusiveAndHasNoIgnoreBand) {
  const AnchorMatches m = match_anchors(kAnchors, {box(0, 0, 20, 20)}, 100, 100, 0.5f, 0.5f);
  EXPECT_EQ(m.box_of_anchor[0], 0);  // IoU 1
  EXPECT_EQ(m.box_of_anchor[1], kBackground);
  EXPECT_EQ(m.box_of_anchor[2], kBackground);  // IoU 0.25
  EXPECT_EQ(m.box_of_anchor[3], 0);            // IoU exactly 0.5
  EXPECT_EQ(m.box_of_anchor[4], kBackground);  // IoU 0.488: negative, not ignored
}

TEST(SsdliteMatching, UnmatchedThresholdIgnoresTheBandBelowTheMatchThreshold) {
  // IoUs with box [0,0,20,20]: anchor 0 1, 1 0, 2 0.25, 3 0.5, 4 0.488.
  const AnchorMatches m = match_anchors(kAnchors, {box(0, 0, 20, 20)}, 100, 100, 0.5f, 0.25f);
  EXPECT_EQ(m.box_of_anchor[0], 0);
  EXPECT_EQ(m.box_of_anchor[1], kBackground);
  EXPECT_EQ(m.box_of_anchor[2], kIgnored);  // exactly 0.25: inclusive
  EXPECT_EQ(m.box_of_anchor[3], 0);
  EXPECT_EQ(m.box_of_anchor[4], kIgnored);
  // A box whose best anchor is in the band is still forced onto it (IoU 0.32 with anchor 2;
  // 0.25 with anchor 0, which the band ignores).
  const AnchorMatches f = match_anchors(kAnchors, {box(2, 2, 12, 12)}, 100, 100, 0.5f, 0.2f);
  EXPECT_EQ(f.box_of_anchor[2], 0);
  EXPECT_EQ(f.box_of_anchor[0], kIgnored);
  EXPECT_THROW(match_anchors(kAnchors, {}, 100, 100, 0.5f, 0.6f), std::invalid_argument);
}

TEST(SsdliteMatching, BoxBelowThresholdGetsItsBestAnchor) {
  // IoU with anchor 2 is 49/151 = 0.32, with anchor 0 is 0.25: only anchor 2 is forced.
  const AnchorMatches m = match_anchors(kAnchors, {box(2, 2, 12, 12)}, 100, 100, 0.5f, 0.5f);
  EXPECT_EQ(m.box_of_anchor[2], 0);
  for (int a : {0, 1, 3, 4}) EXPECT_EQ(m.box_of_anchor[size_t(a)], kBackground) << a;
}

TEST(SsdliteMatching, BoxesSharingABestAnchorBothKeepOne) {
  // Both boxes' best anchor is 0 (IoU 1 and 0.81); the better-overlapping box (the first)
  // keeps it and the second is forced to its next best free anchor, 3 (IoU 324/800),
  // rather than being lost. No IoU but the first reaches the 0.9 threshold.
  const AnchorMatches m =
      match_anchors(kAnchors, {box(0, 0, 20, 20, 0), box(1, 1, 19, 19, 1)}, 100, 100, 0.9f, 0.9f);
  EXPECT_EQ(m.box_of_anchor[0], 0);
  EXPECT_EQ(m.box_of_anchor[3], 1);
  for (int a : {1, 2, 4}) EXPECT_EQ(m.box_of_anchor[size_t(a)], kBackground) << a;
}

TEST(SsdliteMatching, CrowdBoxesIgnoreTheirAnchors) {
  const AnchorMatches m =
      match_anchors(kAnchors, {box(0, 0, 20, 20, 0, /*crowd=*/true)}, 100, 100, 0.5f, 0.5f);
  EXPECT_EQ(m.box_of_anchor[0], kIgnored);
  EXPECT_EQ(m.box_of_anchor[3], kIgnored);
  EXPECT_EQ(m.box_of_anchor[1], kBackground);
  EXPECT_EQ(m.box_of_anchor[2], kBackground);
}

TEST(SsdliteMatching, BoxesAreClippedAndDegenerateOnesDropped) {
  const AnchorMatches m =
      match_anchors(kAnchors, {box(-10, -10, 0, 5), box(-5, -5, 20, 20), box(7, 7, 7, 9)}, 100,
                    100, 0.5f, 0.5f);
  ASSERT_EQ(m.boxes.size(), 1u);
  EXPECT_FLOAT_EQ(m.boxes[0].x0, 0.f);
  EXPECT_FLOAT_EQ(m.boxes[0].y0, 0.f);
  EXPECT_EQ(m.box_of_anchor[0], 0);
}

TEST(SsdliteTargets, LayoutAndClassCheck) {
  SsdliteSettings s;
  s.input_h = s.input_w = 100;
  s.num_classes = 2;
  const Targets t = encode_targets({box(0, 0, 20, 20, 1)}, kAnchors, s);
  ASSERT_EQ(t.values.size(), kAnchors.size() * kTargetStride);
  EXPECT_EQ(target_label(t, 0), 2);  // class 1 + 1
  EXPECT_EQ(target_label(t, 1), 0);
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(target_deltas(t, 0)[k], 0.f, 1e-5f);
  EXPECT_EQ(target_label(t, 3), 2);
  EXPECT_NEAR(target_deltas(t, 3)[2], 5.f * std::log(0.5f), 1e-4f);  // th: half the height
  EXPECT_THROW(encode_targets({box(0, 0, 20, 20, 2)}, kAnchors, s), std::invalid_argument);
  EXPECT_THROW(encode_targets({box(0, 0, 20, 20, -1)}, kAnchors, s), std::invalid_argument);
}

}  // namespace
}  // namespace tinydet::ssdlite
