// Unit tests of the fomo plugin's own behaviour (merging, weighting, targets, sizes).
#include <gtest/gtest.h>

#include <cmath>

#include "arch_plugins.h"
#include "arch_test_util.h"

namespace tinydet::testing {
namespace {

constexpr int kClasses = 3;

struct Fomo {
  ArchPtr arch;
  Graph graph;
  explicit Fomo(int res = 96, std::map<std::string, std::string> options = {})
      : arch(create_architecture("fomo")) {
    ArchConfig c;
    c.input_h = c.input_w = res;
    c.num_classes = kClasses;
    c.options = std::move(options);
    arch->configure(c);
    graph = arch->build_graph();
  }
  Shape heatmap() const { return graph.shape(graph.outputs.at(0).tensor); }
};

/// Background-only logits (every cell: background 0, classes -30).
OutputBuffers background(const Fomo& f) {
  OutputBuffers out(f.graph, 1);
  const Shape s = f.heatmap();
  for (int64_t cell = 0; cell < int64_t(s.h) * s.w; ++cell)
    for (int k = 1; k < s.c; ++k) out.data[0][size_t(cell * s.c + k)] = -30.f;
  return out;
}

void set_cell(OutputBuffers& out, const Shape& s, int row, int col, int cls, float logit) {
  out.data[0][size_t((row * s.w + col) * s.c + cls + 1)] = logit;
}

/// Probability of a class whose logit is `l` against background 0 and two classes at -30.
double prob(float l) { return std::exp(l) / (1.0 + std::exp(l) + 2 * std::exp(-30.0)); }

TEST(Fomo, SizeAt96MatchesReference) {
  Fomo f;
  EXPECT_EQ(f.graph.outputs.at(0).name, "heatmap");
  EXPECT_EQ(f.heatmap(), (Shape{12, 12, kClasses + 1}));
  // The lead's reference measurement for MobileNetV2-0.35 cut at block_6_expand_relu + head.
  EXPECT_EQ(f.graph.total_stats().macs, 5877504);
  // 18,204 is the folded (inference) count; training adds BN gamma+beta minus the folded bias.
  EXPECT_EQ(fold_for_inference(f.graph).total_stats().params, 18204);
  EXPECT_EQ(f.graph.total_stats().params, 19076);
  EXPECT_EQ(f.arch->primary_metric(), "centroid_f1");
  EXPECT_TRUE(f.arch->centroid_detector());
  EXPECT_EQ(f.arch->resize_mode(), ResizeMode::Stretch);
}

TEST(Fomo, CutOptionChangesStride) {
  Fomo f(96, {{"cut", "block_3_expand_relu"}});
  EXPECT_EQ(f.arch->resolution_multiple(), 4);
  EXPECT_EQ(f.heatmap(), (Shape{24, 24, kClasses + 1}));
  Fomo wide(96, {{"alpha", "1.0"}});
  EXPECT_GT(wide.graph.total_stats().params, 18204);
  ArchConfig c;
  c.input_h = c.input_w = 96;
  c.num_classes = kClasses;
  auto a = create_architecture("fomo");
  for (auto [key, value] : {std::pair{"alpha", "0.2"}, {"alpha", "x"}, {"cut", "block_5"},
                            {"target", "box"}, {"object_weight", "-1"}}) {
    c.options = {{key, value}};
    try {
      a->configure(c);
      ADD_FAILURE() << key << "=" << value << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

TEST(Fomo, TouchingSameClassCellsMerge) {
  Fomo f;
  const Shape s = f.heatmap();
  auto out = background(f);
  set_cell(out, s, 2, 2, 0, 5.f);
  set_cell(out, s, 2, 3, 0, 5.f);
  set_cell(out, s, 3, 3, 0, 5.f);
  const auto dets = decode(*f.arch, out);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].cls, 0);
  EXPECT_TRUE(dets[0].is_centroid_only);
  // Extent of the merged cells, in pixels (8-pixel cells).
  EXPECT_FLOAT_EQ(dets[0].x0, 16.f);
  EXPECT_FLOAT_EQ(dets[0].x1, 32.f);
  EXPECT_FLOAT_EQ(dets[0].y0, 16.f);
  EXPECT_FLOAT_EQ(dets[0].y1, 32.f);
}

TEST(Fomo, DiagonalCellsDoNotMerge) {
  Fomo f;
  const Shape s = f.heatmap();
  auto out = background(f);
  set_cell(out, s, 5, 5, 1, 5.f);
  set_cell(out, s, 6, 6, 1, 5.f);
  const auto dets = decode(*f.arch, out);
  ASSERT_EQ(dets.size(), 2u);
  for (const auto& d : dets) EXPECT_EQ(d.cls, 1);
}

TEST(Fomo, DifferentClassesDoNotMerge) {
  Fomo f;
  const Shape s = f.heatmap();
  auto out = background(f);
  set_cell(out, s, 8, 8, 0, 5.f);
  set_cell(out, s, 8, 9, 2, 5.f);
  const auto dets = decode(*f.arch, out);
  ASSERT_EQ(dets.size(), 2u);
  EXPECT_NE(dets[0].cls, dets[1].cls);
}

TEST(Fomo, CentroidIsScoreWeightedAndScoreIsMax) {
  Fomo f;
  const Shape s = f.heatmap();
  auto out = background(f);
  set_cell(out, s, 4, 4, 1, 1.f);  // centre (36, 36)
  set_cell(out, s, 4, 5, 1, 6.f);  // centre (44, 36)
  const auto dets = decode(*f.arch, out);
  ASSERT_EQ(dets.size(), 1u);
  const double p1 = prob(1.f), p2 = prob(6.f);
  EXPECT_NEAR(dets[0].cx, (p1 * 36 + p2 * 44) / (p1 + p2), 1e-3);
  EXPECT_NEAR(dets[0].cy, 36.0, 1e-4);
  EXPECT_NEAR(dets[0].score, p2, 1e-5);
}

TEST(Fomo, ThresholdAndMaxDetections) {
  Fomo f;
  const Shape s = f.heatmap();
  auto out = background(f);
  set_cell(out, s, 0, 0, 0, -0.5f);  // p ~ 0.38: below the default 0.5
  set_cell(out, s, 0, 5, 0, 3.f);
  set_cell(out, s, 5, 0, 1, 4.f);
  set_cell(out, s, 9, 9, 2, 2.f);
  EXPECT_EQ(decode(*f.arch, out).size(), 3u);
  DecodeOptions low;
  low.score_threshold = 0.3f;
  EXPECT_EQ(decode(*f.arch, out, low).size(), 4u);
  DecodeOptions capped;
  capped.max_detections = 2;
  const auto dets = decode(*f.arch, out, capped);
  ASSERT_EQ(dets.size(), 2u);
  EXPECT_EQ(dets[0].cls, 1);  // highest score first
  EXPECT_EQ(dets[1].cls, 0);
}

TEST(Fomo, EncodeCentreAndCover) {
  const Box box{10.f, 20.f, 30.f, 28.f, 2};  // centre (20, 24): cell row 3, col 2
  {
    Fomo f(96, {{"box_class_weight", "0"}});
    const Targets t = f.arch->encode({box});
    ASSERT_EQ(t.values.size(), 144u);
    int nonzero = 0;
    for (float v : t.values) nonzero += v != 0.f;
    EXPECT_EQ(nonzero, 1);
    EXPECT_EQ(t.values[3 * 12 + 2], 3.f);
  }
  {
    // Default: a second plane holds the class of the box covering each cell.
    Fomo f;
    const Targets t = f.arch->encode({box});
    ASSERT_EQ(t.values.size(), 288u);
    for (int r = 0; r < 12; ++r)
      for (int c = 0; c < 12; ++c) {
        EXPECT_EQ(t.values[size_t(r * 12 + c)], (r == 3 && c == 2) ? 3.f : 0.f) << r << "," << c;
        EXPECT_EQ(t.values[144 + size_t(r * 12 + c)],
                  (r >= 2 && r <= 3 && c >= 1 && c <= 3) ? 3.f : 0.f)
            << r << "," << c;
      }
  }
  {
    Fomo f(96, {{"target", "cover"}, {"box_class_weight", "0"}});
    const Targets t = f.arch->encode({box});
    // Columns 1..3 (x 10..30), rows 2..3 (y 20..28).
    for (int r = 0; r < 12; ++r)
      for (int c = 0; c < 12; ++c)
        EXPECT_EQ(t.values[size_t(r * 12 + c)], (r >= 2 && r <= 3 && c >= 1 && c <= 3) ? 3.f : 0.f)
            << r << "," << c;
  }
  Fomo f;
  EXPECT_THROW(f.arch->encode({Box{0, 0, 8, 8, kClasses}}), std::invalid_argument);
}

TEST(Fomo, LossWeightsObjectCells) {
  Fomo f(32, {{"box_class_weight", "0"}});  // 4×4 grid
  OutputBuffers out(f.graph, 1), grad(f.graph, 1);
  auto gv = grad.mutable_views();
  const std::vector<Targets> empty{f.arch->encode({})};
  // Zero logits: every cell costs log(C + 1).
  EXPECT_NEAR(f.arch->loss(out.views(), empty, gv), std::log(4.0), 1e-9);
  const std::vector<Targets> one{f.arch->encode({Box{0, 0, 8, 8, 0}})};
  EXPECT_NEAR(f.arch->loss(out.views(), one, gv), (15 + 100) * std::log(4.0) / 16, 1e-6);
  // d/dz of the object cell's label channel: 100 (1/4 - 1) / 16.
  EXPECT_NEAR(grad.data[0][1], 100.0 * (0.25 - 1.0) / 16, 1e-6);
  EXPECT_NEAR(grad.data[0][0], 100.0 * 0.25 / 16, 1e-6);
}

TEST(Fomo, BoxClassLossActsOnObjectChannelsOfCoveredBackgroundCells) {
  // 4×4 grid; the box covers cells (0,0) and (0,1); its centre (8, 4) is in cell (0,1).
  const std::vector<Box> gt{Box{0.f, 0.f, 16.f, 8.f, 1}};
  Fomo with(32), without(32, {{"box_class_weight", "0"}});
  OutputBuffers out(with.graph, 1), g1(with.graph, 1), g0(with.graph, 1);
  auto v1 = g1.mutable_views(), v0 = g0.mutable_views();
  const std::vector<Targets> t1{with.arch->encode(gt)}, t0{without.arch->encode(gt)};
  const double l1 = with.arch->loss(out.views(), t1, v1);
  const double l0 = without.arch->loss(out.views(), t0, v0);
  // Zero logits: cell (0,0) adds 100 * -log(1/3) (the class among 3 object channels), / 16.
  EXPECT_NEAR(l1 - l0, 100.0 * std::log(3.0) / 16, 1e-6);
  for (int cell = 0; cell < 16; ++cell)
    for (int k = 0; k < 4; ++k) {
      const double extra = g1.data[0][size_t(cell * 4 + k)] - g0.data[0][size_t(cell * 4 + k)];
      // Only cell 0 changes, never on the background channel: 100 (1/3 - [k == 2]) / 16.
      const double expected = cell == 0 && k > 0 ? 100.0 * (1.0 / 3 - (k == 2 ? 1 : 0)) / 16 : 0;
      EXPECT_NEAR(extra, expected, 1e-6) << "cell " << cell << " channel " << k;
    }
  // The ideal heatmap (background everywhere but the centre cell) still decodes to the box.
  OutputBuffers ideal(with.graph, 1);
  auto iv = ideal.mutable_views();
  with.arch->ideal_outputs(t1[0], iv);
  const auto dets = decode(*with.arch, ideal);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].cls, 1);
  EXPECT_FLOAT_EQ(dets[0].cx, 12.f);
}

TEST(Fomo, CoverTargetsRoundTripToOneCentroidPerObject) {
  Fomo f(96, {{"target", "cover"}});
  const std::vector<Box> gt{{8.f, 8.f, 40.f, 30.f, 0}, {56.f, 50.f, 90.f, 90.f, 2}};
  OutputBuffers out(f.graph, 1);
  auto views = out.mutable_views();
  f.arch->ideal_outputs(f.arch->encode(gt), views);
  const auto dets = decode(*f.arch, out);
  ASSERT_EQ(dets.size(), 2u);
  for (const Box& b : gt) {
    bool found = false;
    for (const auto& d : dets)
      found = found || (d.cls == b.cls && std::abs(d.cx - b.cx()) <= 8.f &&
                        std::abs(d.cy - b.cy()) <= 8.f && d.x0 <= b.x0 && d.x1 >= b.x1 &&
                        d.y0 <= b.y0 && d.y1 >= b.y1);
    EXPECT_TRUE(found) << "class " << b.cls;
  }
}

}  // namespace
}  // namespace tinydet::testing
