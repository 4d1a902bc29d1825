// Hard negative mining, the multibox loss and its gradient.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "hard_negative_mining.h"
#include "loss.h"
#include "ssdlite_architecture.h"
#include "targets.h"

namespace tinydet::ssdlite {
namespace {

TEST(SsdliteHardNegativeMining, KeepsThreeHardestPerPositive) {
  const std::vector<double> loss{0.1, 5, 3, 3, 0.2, 7, 4};
  const std::vector<char> candidate{1, 1, 1, 1, 1, 0, 1};  // anchor 5 is a positive
  // One positive: the 3 hardest candidates, the tie at 3.0 broken by the lower index.
  EXPECT_EQ(mine_hard_negatives(loss, candidate, 1, 3, 3), (std::vector<int>{1, 6, 2}));
  // Two positives want 6 of the 6 candidates.
  EXPECT_EQ(mine_hard_negatives(loss, candidate, 2, 3, 3).size(), 6u);
  // Without positives: the minimum.
  EXPECT_EQ(mine_hard_negatives(loss, candidate, 0, 3, 2), (std::vector<int>{1, 6}));
  EXPECT_TRUE(mine_hard_negatives(loss, candidate, 0, 3, 0).empty());
}

// Four anchors, one class: anchor 0 positive (label 1), the others background.
Targets four_anchor_targets() {
  Targets t;
  t.values.assign(4 * kTargetStride, 0.f);
  t.values[0] = 1.f;
  return t;
}

TEST(SsdliteLoss, HandComputedValue) {
  SsdliteSettings s;
  s.num_classes = 1;
  AnchorArrays pred;
  pred.deltas.assign(16, 0.f);
  pred.deltas[0] = 0.5f;  // smooth-L1: 0.125
  pred.deltas[1] = 2.f;   // smooth-L1: 1.5
  pred.logits.assign(8, 0.f);
  AnchorArrays grad;
  const ImageLoss l = image_loss(pred, four_anchor_targets(), 2, s, grad);
  EXPECT_EQ(l.num_positives, 1);
  EXPECT_EQ(l.num_negatives, 3);
  EXPECT_NEAR(l.localization, 1.625, 1e-9);
  EXPECT_NEAR(l.classification, 4 * std::log(2.0), 1e-6);
  EXPECT_FLOAT_EQ(grad.deltas[0], 0.5f);
  EXPECT_FLOAT_EQ(grad.deltas[1], 1.f);  // |x| >= 1: sign
  EXPECT_FLOAT_EQ(grad.logits[0], 0.5f);   // positive: softmax - one_hot(1)
  EXPECT_FLOAT_EQ(grad.logits[1], -0.5f);
  EXPECT_FLOAT_EQ(grad.logits[2], -0.5f);  // negative: softmax - one_hot(0)
  EXPECT_FLOAT_EQ(grad.logits[3], 0.5f);
}

TEST(SsdliteLoss, IgnoredAnchorsContributeNothing) {
  SsdliteSettings s;
  s.num_classes = 1;
  Targets t = four_anchor_targets();
  t.values[1 * kTargetStride] = kIgnoreLabel;
  AnchorArrays pred;
  pred.deltas.assign(16, 0.f);
  pred.logits.assign(8, 0.f);
  pred.logits[3] = 9.f;  // anchor 1 would be the hardest negative
  AnchorArrays grad;
  const ImageLoss l = image_loss(pred, t, 2, s, grad);
  EXPECT_EQ(l.num_negatives, 2);
  EXPECT_FLOAT_EQ(grad.logits[2], 0.f);
  EXPECT_FLOAT_EQ(grad.logits[3], 0.f);
}

class SsdliteArchLoss : public ::testing::Test {
 protected:
  void SetUp() override {
    ArchConfig cfg;
    cfg.input_h = cfg.input_w = 64;
    cfg.num_classes = 2;
    arch.configure(cfg);
    graph = arch.build_graph();
    for (const auto& o : graph.outputs) shapes.push_back(graph.shape(o.tensor));
  }
  // Buffers of `batch` images per output, filled with N(0, 1.5) values.
  std::vector<std::vector<float>> random_outputs(int batch, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.f, 1.5f);
    std::vector<std::vector<float>> out;
    for (const Shape& s : shapes) {
      out.emplace_back(size_t(batch) * size_t(s.elements()));
      for (float& v : out.back()) v = normal(rng);
    }
    return out;
  }
  double run(std::vector<std::vector<float>>& out, std::vector<std::vector<float>>& grad,
             const std::vector<Targets>& targets) {
    const int batch = int(targets.size());
    std::vector<ConstTensorBatch> in;
    std::vector<TensorBatch> g;
    for (size_t i = 0; i < shapes.size(); ++i) {
      grad.resize(shapes.size());
      grad[i].assign(out[i].size(), 0.f);
      in.push_back({out[i].data(), shapes[i], batch});
      g.push_back({grad[i].data(), shapes[i], batch});
    }
    return arch.loss(in, targets, g);
  }

  SsdliteMobileNetV2 arch;
  Graph graph;
  std::vector<Shape> shapes;
};

TEST_F(SsdliteArchLoss, NegativesAreThreePerPositive) {
  const Targets t = arch.encode({Box{4, 6, 30, 40, 1}, Box{34, 30, 60, 62, 0}});
  AnchorArrays pred;
  pred.deltas.assign(size_t(arch.anchor_set().anchors.size()) * 4, 0.f);
  pred.logits.assign(size_t(arch.anchor_set().anchors.size()) * 3, 0.f);
  AnchorArrays grad;
  const ImageLoss l = image_loss(pred, t, 3, arch.settings(), grad);
  ASSERT_GE(l.num_positives, 2);
  EXPECT_EQ(l.num_negatives, 3 * l.num_positives);
}

TEST_F(SsdliteArchLoss, NormalisedByPositivesOfTheBatch) {
  const Targets t = arch.encode({Box{4, 6, 30, 40, 1}});
  auto one = random_outputs(1, 5);
  std::vector<std::vector<float>> two(one.size());
  for (size_t i = 0; i < one.size(); ++i) {
    two[i] = one[i];
    two[i].insert(two[i].end(), one[i].begin(), one[i].end());
  }
  std::vector<std::vector<float>> g1, g2;
  const double l1 = run(one, g1, {t});
  const double l2 = run(two, g2, {t, t});
  EXPECT_NEAR(l1, l2, 1e-9 * l1);  // twice the sum over twice the positives
  EXPECT_NEAR(g2[0][0], 0.5f * g1[0][0], 1e-7f);
  // No positives anywhere: normalised by 1, still finite.
  std::vector<std::vector<float>> g0;
  EXPECT_TRUE(std::isfinite(run(one, g0, {arch.encode({})})));
}

TEST_F(SsdliteArchLoss, GradientMatchesCentralDifferences) {
  const std::vector<Targets> targets{arch.encode({Box{4, 6, 30, 40, 1}}),
                                     arch.encode({Box{10, 10, 50, 36, 0}, Box{40, 40, 62, 63, 1}})};
  auto out = random_outputs(2, 9);
  std::vector<std::vector<float>> grad, scratch;
  run(out, grad, targets);
  std::mt19937 rng(17);
  int checked = 0, nonzero = 0;
  for (size_t o = 0; o < out.size(); ++o) {
    std::uniform_int_distribution<size_t> pick(0, out[o].size() - 1);
    std::vector<size_t> check{size_t(std::max_element(grad[o].begin(), grad[o].end(),
                                                      [](float a, float b) {
                                                        return std::abs(a) < std::abs(b);
                                                      }) -
                                     grad[o].begin())};
    for (int k = 0; k < 20; ++k) check.push_back(pick(rng));
    for (size_t i : check) {
      const float x = out[o][i];
      const float eps = 1e-3f;
      out[o][i] = x + eps;
      const double lp = run(out, scratch, targets);
      out[o][i] = x - eps;
      const double lm = run(out, scratch, targets);
      out[o][i] = x;
      const double numeric = (lp - lm) / (2.0 * eps);
      EXPECT_NEAR(grad[o][i], numeric, 1e-3 + 1e-2 * std::abs(numeric))
          << "output " << o << " element " << i;
      ++checked;
      nonzero += grad[o][i] != 0.f;
    }
  }
  EXPECT_GE(nonzero, int(out.size())) << "of " << checked;
}

}  // namespace
}  // namespace tinydet::ssdlite
