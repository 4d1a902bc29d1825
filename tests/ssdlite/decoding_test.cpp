// Decoding: thresholds, per-class NMS, clipping, limits, and ideal outputs.
#include <gtest/gtest.h>

#include <cmath>

#include "decoding.h"
#include "ssdlite_architecture.h"

namespace tinydet::ssdlite {
namespace {

Anchor corners(float x0, float y0, float x1, float y1) {
  return {0.5f * (y0 + y1), 0.5f * (x0 + x1), y1 - y0, x1 - x0};
}

// Three anchors (0 and 1 overlap at IoU 360/440 = 0.82, 2 is apart), two classes.
struct Fixture {
  AnchorSet anchors;
  AnchorArrays out;
  DecodeSettings settings;
  Fixture() {
    anchors.anchors = {corners(0, 0, 20, 20), corners(2, 0, 22, 20), corners(50, 50, 70, 70)};
    anchors.maps = {{{1, 3}, 1, 0}};
    out.deltas.assign(12, 0.f);
    out.logits.assign(9, -30.f);  // background ~1, classes ~0 unless set
    for (int a = 0; a < 3; ++a) out.logits[size_t(a) * 3] = 0.f;
    settings.input_h = settings.input_w = 100;
    settings.num_classes = 2;
  }
  // Gives anchor `a` probability ~p for class `cls` (0-based) against background.
  void score(int a, int cls, float p) {
    out.logits[size_t(a) * 3] = 0.f;
    out.logits[size_t(a) * 3 + 1 + size_t(cls)] = std::log(p / (1.f - p));
  }
  std::vector<Detection> run() const { return decode_detections(out, anchors, settings); }
};

TEST(SsdliteDecoding, SameClassOverlapIsSuppressed) {
  Fixture f;
  f.score(0, 1, 0.8f);
  f.score(1, 1, 0.9f);
  const auto d = f.run();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NEAR(d[0].score, 0.9f, 1e-4f);
  EXPECT_NEAR(d[0].x0, 2.f, 1e-4f);  // anchor 1 wins
  EXPECT_EQ(d[0].cls, 1);
  EXPECT_FLOAT_EQ(d[0].cx, 12.f);
}

TEST(SsdliteDecoding, DifferentClassesAndSeparateBoxesSurvive) {
  Fixture f;
  f.score(0, 0, 0.8f);
  f.score(1, 1, 0.9f);
  f.score(2, 1, 0.7f);
  const auto d = f.run();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_GE(d[0].score, d[1].score);  // sorted by score
  EXPECT_GE(d[1].score, d[2].score);
  // A looser NMS threshold keeps overlapping boxes of one class.
  Fixture g;
  g.score(0, 1, 0.8f);
  g.score(1, 1, 0.9f);
  g.settings.nms_iou = 0.9f;
  EXPECT_EQ(g.run().size(), 2u);
}

TEST(SsdliteDecoding, ThresholdAndLimit) {
  Fixture f;
  f.score(0, 0, 0.25f);  // below the 0.3 default
  f.score(2, 1, 0.7f);
  EXPECT_EQ(f.run().size(), 1u);
  f.settings.score_threshold = 0.2f;
  EXPECT_EQ(f.run().size(), 2u);
  f.settings.max_detections = 1;
  const auto d = f.run();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NEAR(d[0].score, 0.7f, 1e-4f);
  f.settings.max_detections = 0;
  EXPECT_TRUE(f.run().empty());
}

TEST(SsdliteDecoding, BoxesAreClippedToTheInput) {
  Fixture f;
  f.score(2, 0, 0.9f);
  f.out.deltas[8 + 3] = 5.f * std::log(8.f);  // width 160 around x = 60
  const auto d = f.run();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FLOAT_EQ(d[0].x0, 0.f);
  EXPECT_FLOAT_EQ(d[0].x1, 100.f);
  EXPECT_NEAR(d[0].y0, 50.f, 1e-4f);
}

TEST(SsdliteDecoding, NonFiniteAnchorsAreSkipped) {
  Fixture f;
  f.score(0, 0, 0.9f);
  f.score(2, 0, 0.9f);
  f.out.logits[1] = std::nanf("");
  f.out.deltas[8] = INFINITY;
  EXPECT_TRUE(f.run().empty());
}

// encode -> ideal_outputs -> decode at the configurations the project uses.
void expect_round_trip(int h, int w, float alpha, const std::vector<Box>& gt) {
  SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " alpha " + std::to_string(alpha));
  SsdliteMobileNetV2 arch;
  ArchConfig cfg;
  cfg.input_h = h;
  cfg.input_w = w;
  cfg.num_classes = 3;
  cfg.options["alpha"] = std::to_string(alpha);
  arch.configure(cfg);
  const Graph g = arch.build_graph();
  std::vector<std::vector<float>> data;
  std::vector<TensorBatch> views;
  for (const auto& o : g.outputs) data.emplace_back(size_t(g.shape(o.tensor).elements()), 0.f);
  for (size_t i = 0; i < data.size(); ++i)
    views.push_back({data[i].data(), g.shape(g.outputs[i].tensor), 1});
  arch.ideal_outputs(arch.encode(gt), views);
  std::vector<ConstTensorBatch> in;
  for (size_t i = 0; i < data.size(); ++i) in.push_back({data[i].data(), views[i].shape, 1});
  const auto dets = arch.decode(in, {});
  ASSERT_EQ(dets.size(), gt.size());
  for (const Box& b : gt) {
    bool found = false;
    for (const auto& d : dets)
      found = found || (d.cls == b.cls && iou(d.x0, d.y0, d.x1, d.y1, b.x0, b.y0, b.x1, b.y1) > 0.99f);
    EXPECT_TRUE(found) << "class " << b.cls << " at " << b.cx() << "," << b.cy();
  }
}

TEST(SsdliteDecoding, IdealOutputsGiveTheGroundTruthBack) {
  // Small, large, elongated and touching-the-border boxes.
  expect_round_trip(160, 160, 0.35f,
                    {Box{10, 12, 30, 28, 0}, Box{60, 40, 150, 150, 1}, Box{0, 100, 12, 160, 2}});
  expect_round_trip(224, 224, 1.0f, {Box{20, 20, 60, 200, 2}, Box{120, 30, 220, 70, 0}});
  expect_round_trip(96, 224, 0.35f, {Box{100, 10, 150, 90, 1}});
  expect_round_trip(320, 320, 1.0f, {});
}

}  // namespace
}  // namespace tinydet::ssdlite
