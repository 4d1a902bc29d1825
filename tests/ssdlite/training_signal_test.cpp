// The loss as a training signal: gradient descent on the raw outputs themselves (no network)
// must drive decode() to the ground truth. This catches sign errors, a loss that ignores
// background anchors (hard negatives must eventually cover every confident one), and
// disagreement between the target encoding and the decoder.
#include <gtest/gtest.h>

#include <cmath>

#include "ssdlite_architecture.h"

namespace tinydet::ssdlite {
namespace {

TEST(SsdliteTrainingSignal, DescentOnOutputsRecoversTheGroundTruth) {
  SsdliteMobileNetV2 arch;
  ArchConfig cfg;
  cfg.input_h = cfg.input_w = 160;
  cfg.num_classes = 3;
  arch.configure(cfg);
  const Graph g = arch.build_graph();
  const std::vector<Box> gt{Box{12, 20, 60, 90, 0}, Box{90, 30, 150, 80, 2},
                            Box{40, 100, 120, 150, 1}};
  const std::vector<Targets> targets{arch.encode(gt)};

  std::vector<Shape> shapes;
  std::vector<std::vector<float>> out, grad;
  for (const auto& o : g.outputs) {
    shapes.push_back(g.shape(o.tensor));
    out.emplace_back(size_t(shapes.back().elements()), 0.f);
    grad.emplace_back(out.back().size(), 0.f);
  }
  auto const_views = [&] {
    std::vector<ConstTensorBatch> v;
    for (size_t i = 0; i < out.size(); ++i) v.push_back({out[i].data(), shapes[i], 1});
    return v;
  };
  std::vector<TensorBatch> grad_views;
  for (size_t i = 0; i < grad.size(); ++i) grad_views.push_back({grad[i].data(), shapes[i], 1});

  double first = 0, last = 0;
  constexpr float kLearningRate = 5.f;
  for (int step = 0; step < 400; ++step) {
    last = arch.loss(const_views(), targets, grad_views);
    if (step == 0) first = last;
    for (size_t i = 0; i < out.size(); ++i)
      for (size_t k = 0; k < out[i].size(); ++k) out[i][k] -= kLearningRate * grad[i][k];
  }
  EXPECT_LT(last, 0.05 * first) << "first " << first << ", last " << last;

  const auto dets = arch.decode(const_views(), {});
  ASSERT_EQ(dets.size(), gt.size());
  for (const Box& b : gt) {
    bool found = false;
    for (const auto& d : dets)
      found = found || (d.cls == b.cls && iou(d.x0, d.y0, d.x1, d.y1, b.x0, b.y0, b.x1, b.y1) > 0.8f);
    EXPECT_TRUE(found) << "class " << b.cls;
  }
}

}  // namespace
}  // namespace tinydet::ssdlite
