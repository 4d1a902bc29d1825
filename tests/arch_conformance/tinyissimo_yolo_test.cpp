// Unit tests of the tinyissimo_yolo plugin: size budget, output layout, responsible box,
// NMS and thresholds.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "arch_plugins.h"
#include "arch_test_util.h"

namespace tinydet::testing {
namespace {

constexpr int kClasses = 3;
constexpr int kCell = 5 * 2 + kClasses;  // 5B + C, B = 2

// The geometry tests below use the 11x11 grid of grid_stride 8 (one cell per stride-8
// feature): their hand-placed cells and boxes need a grid fine enough to hold them.
const std::map<std::string, std::string> kFineGrid = {{"grid_stride", "8"},
                                                      {"head_channels", "3"}};

struct Yolo {
  ArchPtr arch;
  Graph graph;
  explicit Yolo(int res = 88, std::map<std::string, std::string> options = kFineGrid)
      : arch(create_architecture("tinyissimo_yolo")) {
    ArchConfig c;
    c.input_h = c.input_w = res;
    c.num_classes = kClasses;
    c.options = std::move(options);
    arch->configure(c);
    graph = arch->build_graph();
  }
  Shape grid() const { return graph.shape(graph.outputs.at(0).tensor); }
};

float logit(double p) { return float(std::log(p / (1 - p))); }

/// Writes box `j` of cell (row, col): centre/size in image units, confidence, class.
void set_box(OutputBuffers& out, const Shape& s, int row, int col, int j, double cx, double cy,
             double w, double h, double conf, int cls) {
  float* z = out.data[0].data() + size_t((row * s.w + col) * s.c);
  z[5 * j + 0] = logit(cx * s.w - col);
  z[5 * j + 1] = logit(cy * s.h - row);
  z[5 * j + 2] = logit(std::sqrt(w));
  z[5 * j + 3] = logit(std::sqrt(h));
  z[5 * j + 4] = logit(conf);
  for (int k = 0; k < kClasses; ++k) z[10 + k] = k == cls ? 20.f : 0.f;
}

OutputBuffers empty_grid(const Yolo& y) {
  OutputBuffers out(y.graph, 1);
  const Shape s = y.grid();
  for (int64_t cell = 0; cell < int64_t(s.h) * s.w; ++cell)
    for (int j = 0; j < 2; ++j) out.data[0][size_t(cell * s.c + 5 * j + 4)] = -20.f;
  return out;
}

TEST(TinyissimoYolo, ParameterBudgetAt88With3Classes) {
  Yolo y(88, {});  // the defaults: grid_stride 16, head_channels 10
  const int64_t params = y.graph.total_stats().params;
  EXPECT_GE(params, 422000 * 0.95);
  EXPECT_LE(params, 422000 * 1.05);
  EXPECT_EQ(params, 425880);  // the derivation in plugins/tinyissimo_yolo/README.md
  EXPECT_EQ(y.grid(), (Shape{6, 6, kCell}));
  EXPECT_EQ(Yolo(128, {}).grid(), (Shape{8, 8, kCell}));  // S = ceil(input / 16)
  EXPECT_EQ(Yolo(72, {}).grid(), (Shape{5, 5, kCell}));
  // The fine grid fits the budget with a 3-channel head conv.
  Yolo fine;
  EXPECT_EQ(fine.graph.total_stats().params, 420311);
  EXPECT_EQ(fine.grid(), (Shape{11, 11, kCell}));
  ArchPtr other = create_architecture("tinyissimo_yolo");
  ArchConfig bad;
  bad.input_h = bad.input_w = 88;
  bad.num_classes = kClasses;
  bad.options = {{"grid_stride", "12"}};
  try {
    other->configure(bad);
    ADD_FAILURE() << "grid_stride 12 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("grid_stride"), std::string::npos) << e.what();
  }
  EXPECT_EQ(y.graph.outputs.at(0).name, "grid");
  EXPECT_EQ(y.arch->primary_metric(), "map50");
  EXPECT_FALSE(y.arch->centroid_detector());
  EXPECT_EQ(y.arch->resize_mode(), ResizeMode::Stretch);
  EXPECT_EQ(y.arch->resolution_multiple(), 8);
}

TEST(TinyissimoYolo, GridFollowsResolution) {
  Yolo y(128);
  EXPECT_EQ(y.grid(), (Shape{16, 16, kCell}));
}

TEST(TinyissimoYolo, DecodesBoxInPixels) {
  Yolo y;
  const Shape s = y.grid();
  auto out = empty_grid(y);
  // Centre (0.5, 0.5) lies in cell (5, 5) of 11 (0.5 * 11 = 5.5).
  set_box(out, s, 5, 5, 1, 0.5, 0.5, 0.25, 0.5, 0.9, 2);
  const auto dets = decode(*y.arch, out);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].cls, 2);
  EXPECT_NEAR(dets[0].x0, 88 * 0.375, 1e-3);
  EXPECT_NEAR(dets[0].x1, 88 * 0.625, 1e-3);
  EXPECT_NEAR(dets[0].y0, 88 * 0.25, 1e-3);
  EXPECT_NEAR(dets[0].y1, 88 * 0.75, 1e-3);
  EXPECT_NEAR(dets[0].cx, 44, 1e-3);
  EXPECT_NEAR(dets[0].score, 0.9, 1e-5);
  EXPECT_FALSE(dets[0].is_centroid_only);
}

TEST(TinyissimoYolo, NmsSuppressesOverlapsOfOneClassOnly) {
  Yolo y;
  const Shape s = y.grid();
  auto out = empty_grid(y);
  // Two boxes of class 0 with IoU ~0.68 (> 0.45): the lower-scored one goes.
  set_box(out, s, 5, 5, 0, 0.50, 0.50, 0.3, 0.3, 0.9, 0);
  set_box(out, s, 5, 6, 0, 0.56, 0.50, 0.3, 0.3, 0.8, 0);
  // The same place in class 1 survives (per-class NMS); a far box of class 0 survives.
  set_box(out, s, 6, 5, 0, 0.50, 0.56, 0.3, 0.3, 0.7, 1);
  set_box(out, s, 1, 1, 0, 0.12, 0.12, 0.1, 0.1, 0.6, 0);
  auto dets = decode(*y.arch, out);
  ASSERT_EQ(dets.size(), 3u);
  EXPECT_NEAR(dets[0].score, 0.9, 1e-5);
  EXPECT_EQ(dets[1].cls, 1);
  EXPECT_NEAR(dets[2].score, 0.6, 1e-5);
  // A looser IoU limit keeps both overlapping boxes.
  DecodeOptions loose;
  loose.nms_iou = 0.9f;
  EXPECT_EQ(decode(*y.arch, out, loose).size(), 4u);
  // Threshold and cap.
  DecodeOptions strict;
  strict.score_threshold = 0.75f;
  EXPECT_EQ(decode(*y.arch, out, strict).size(), 1u);
  DecodeOptions capped;
  capped.max_detections = 1;
  EXPECT_EQ(decode(*y.arch, out, capped).size(), 1u);
}

TEST(TinyissimoYolo, ScoreIsConfidenceTimesClassProbability) {
  Yolo y;
  const Shape s = y.grid();
  auto out = empty_grid(y);
  set_box(out, s, 3, 3, 0, 0.3, 0.3, 0.2, 0.2, 0.8, 0);
  float* z = out.data[0].data() + size_t((3 * s.w + 3) * s.c);
  z[10] = std::log(0.6f), z[11] = std::log(0.3f), z[12] = std::log(0.1f);
  DecodeOptions opt;
  opt.score_threshold = 0.2f;
  const auto dets = decode(*y.arch, out, opt);
  ASSERT_EQ(dets.size(), 2u);  // 0.48 (class 0) and 0.24 (class 1); 0.08 is below
  EXPECT_NEAR(dets[0].score, 0.48, 1e-5);
  EXPECT_NEAR(dets[1].score, 0.24, 1e-5);
  EXPECT_EQ(dets[1].cls, 1);
}

TEST(TinyissimoYolo, ResponsibleBoxIsTheBestOverlap) {
  Yolo y;
  const Shape s = y.grid();
  const Box gt{30.f, 30.f, 58.f, 58.f, 1};  // centre 44 -> cell (5, 5); size 28/88
  OutputBuffers out = empty_grid(y), grad(y.graph, 1);
  const double w = 28.0 / 88;
  set_box(out, s, 5, 5, 0, 0.45, 0.45, 0.05, 0.05, 0.5, 1);  // poor overlap
  set_box(out, s, 5, 5, 1, 0.5, 0.5, w, w, 0.5, 1);          // exact box
  std::vector<Targets> t{y.arch->encode({gt})};
  auto gv = grad.mutable_views();
  y.arch->loss(out.views(), t, gv);
  const float* g = grad.data[0].data() + size_t((5 * s.w + 5) * s.c);
  // Box 1 is responsible: its coordinates are exact (zero gradient), its confidence is pulled
  // up; box 0 only gets the no-object push on its confidence.
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(g[5 + k], 0.f, 1e-5) << k;
  EXPECT_LT(g[9], 0.f);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(g[k], 0.f) << k;
  EXPECT_GT(g[4], 0.f);
  EXPECT_NEAR(g[4], 0.5 * 2 * 0.5 * 0.25, 1e-6);  // lambda_noobj * 2 s * s (1 - s)
}

// objectness_loss=bce: binary cross-entropy on the confidence logit, gradient
// weight * (sigmoid - target); the loss matches central differences.
TEST(TinyissimoYolo, BceObjectnessGradient) {
  auto options = kFineGrid;
  options["objectness_loss"] = "bce";
  Yolo y(88, options);
  const Shape s = y.grid();
  const Box gt{30.f, 30.f, 58.f, 58.f, 1};
  OutputBuffers out = empty_grid(y), grad(y.graph, 1);
  const double w = 28.0 / 88;
  set_box(out, s, 5, 5, 0, 0.45, 0.45, 0.05, 0.05, 0.5, 1);
  set_box(out, s, 5, 5, 1, 0.5, 0.5, w, w, 0.5, 1);
  std::vector<Targets> t{y.arch->encode({gt})};
  auto gv = grad.mutable_views();
  y.arch->loss(out.views(), t, gv);
  const size_t cell = size_t((5 * s.w + 5) * s.c);
  const float* g = grad.data[0].data() + cell;
  EXPECT_NEAR(g[4], 0.5 * (0.5 - 0.0), 1e-6);  // lambda_noobj * (s - 0)
  EXPECT_NEAR(g[9], 1.0 * (0.5 - 1.0), 1e-6);  // responsible: (s - 1)
  for (const size_t k : {cell + 4, cell + 9, size_t(4)}) {  // and an empty cell's box 0
    const float z0 = out.data[0][k];
    auto loss_at = [&](float z) {
      out.data[0][k] = z;
      OutputBuffers scratch(y.graph, 1);
      auto sv = scratch.mutable_views();
      return y.arch->loss(out.views(), t, sv);
    };
    const double h = 1e-2;
    const double numeric = (loss_at(z0 + float(h)) - loss_at(z0 - float(h))) / (2 * h);
    out.data[0][k] = z0;
    EXPECT_NEAR(grad.data[0][k], numeric, 1e-3) << k;
  }
  auto bad = kFineGrid;
  bad["objectness_loss"] = "focal";
  EXPECT_THROW(Yolo(88, bad), std::invalid_argument);
}

// objectness_target=iou: the responsible box's confidence is pulled towards its IoU with the
// ground truth (YOLOv1), not towards 1; the other boxes still towards 0.
TEST(TinyissimoYolo, IouObjectnessTarget) {
  auto options = kFineGrid;
  options["objectness_target"] = "iou";
  Yolo y(88, options);
  const Shape s = y.grid();
  const Box gt{30.f, 30.f, 58.f, 58.f, 1};  // 28 px square centred at 44
  OutputBuffers out = empty_grid(y), grad(y.graph, 1);
  // Responsible box: same centre, 14 px square (a quarter of the area): IoU 0.25.
  set_box(out, s, 5, 5, 1, 0.5, 0.5, 14.0 / 88, 14.0 / 88, 0.5, 1);
  set_box(out, s, 5, 5, 0, 0.45, 0.45, 0.02, 0.02, 0.5, 1);
  std::vector<Targets> t{y.arch->encode({gt})};
  auto gv = grad.mutable_views();
  y.arch->loss(out.views(), t, gv);
  const float* g = grad.data[0].data() + size_t((5 * s.w + 5) * s.c);
  EXPECT_NEAR(g[9], 2 * (0.5 - 0.25) * 0.25, 2e-4);  // 2 (s - iou) s (1 - s)
  EXPECT_NEAR(g[4], 0.5 * 2 * 0.5 * 0.25, 1e-6);     // lambda_noobj * 2 s * s (1 - s)
  auto bad = kFineGrid;
  bad["objectness_target"] = "giou";
  EXPECT_THROW(Yolo(88, bad), std::invalid_argument);
}

// fc_dropout adds a Dropout op before the FC layer (training only: no parameters).
TEST(TinyissimoYolo, FcDropoutAddsNoParameters) {
  Yolo plain(88, {}), dropped(88, {{"fc_dropout", "0.5"}});
  EXPECT_EQ(plain.graph.total_stats().params, dropped.graph.total_stats().params);
  int dropouts = 0;
  for (const Op& op : dropped.graph.ops)
    if (op.type == OpType::Dropout) {
      ++dropouts;
      EXPECT_FLOAT_EQ(op.dropout_p, 0.5f);
    }
  EXPECT_EQ(dropouts, 1);
  EXPECT_THROW(Yolo(88, {{"fc_dropout", "0.95"}}), std::invalid_argument);
}

TEST(TinyissimoYolo, EncodeKeepsOneObjectPerCell) {
  Yolo y;
  // Both centres in cell (1, 1): the larger box wins.
  const Targets t = y.arch->encode({Box{8, 8, 16, 16, 0}, Box{4, 4, 20, 20, 2}});
  const float* v = t.values.data() + size_t(1 * 11 + 1) * 6;
  EXPECT_EQ(v[0], 1.f);
  EXPECT_EQ(v[1], 2.f);
  EXPECT_THROW(y.arch->encode({Box{0, 0, 8, 8, -1}}), std::invalid_argument);
}

}  // namespace
}  // namespace tinydet::testing
