// FusedAdam against libtorch's own optimizers (torch::optim::AdamW / Adam after
// torch::nn::utils::clip_grad_norm_), and against hand-computed first steps.
//
// Tolerance: both compute in float, but libtorch's vectorised kernels may contract a*b+c
// into FMAs where the fused loop does not (and the other way round), so results agree to a
// few float ulps per step. After 6 steps we allow 2e-6 relative (+1e-7 absolute).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <torch/torch.h>

#include "train/fused_adam.h"

namespace tinydet {
namespace {

struct Case {
  bool decoupled;
  double max_norm;  // 0: no clipping
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << (c.decoupled ? "AdamW" : "Adam") << " max_norm " << c.max_norm;
}

/// libtorch's Optimizer over two parameter groups: `decayed` with `weight_decay`, the rest
/// without.
template <class Optimizer, class Options>
std::unique_ptr<torch::optim::Optimizer> two_group_optimizer(
    const std::vector<torch::Tensor>& decayed, const std::vector<torch::Tensor>& not_decayed,
    double lr, double weight_decay) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::make_unique<Options>(Options(lr).weight_decay(weight_decay)));
  groups.emplace_back(not_decayed, std::make_unique<Options>(Options(lr).weight_decay(0.0)));
  return std::make_unique<Optimizer>(groups, Options(lr));
}

class FusedAdamVsTorch : public ::testing::TestWithParam<Case> {};

TEST_P(FusedAdamVsTorch, MatchesTorchOverSeveralSteps) {
  const Case c = GetParam();
  const std::vector<int64_t> sizes = {27, 1, 300, 64};
  const std::vector<double> decay = {0.05, 0.0, 0.05, 0.0};
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.f, 1.f);

  std::vector<torch::Tensor> torch_params;
  std::vector<std::vector<float>> ours;
  for (int64_t n : sizes) {
    std::vector<float> v(static_cast<size_t>(n), 0.f);
    for (float& x : v) x = normal(rng);
    ours.push_back(v);
    torch_params.push_back(
        torch::from_blob(v.data(), {n}, torch::kFloat32).clone().set_requires_grad(true));
  }
  // Two groups, as the trainer builds them: decayed weights (0 and 2) and the rest.
  const double lr = 0.01;
  const std::vector<torch::Tensor> decayed = {torch_params[0], torch_params[2]};
  const std::vector<torch::Tensor> not_decayed = {torch_params[1], torch_params[3]};
  std::unique_ptr<torch::optim::Optimizer> reference =
      c.decoupled ? two_group_optimizer<torch::optim::AdamW, torch::optim::AdamWOptions>(
                        decayed, not_decayed, lr, 0.05)
                  : two_group_optimizer<torch::optim::Adam, torch::optim::AdamOptions>(
                        decayed, not_decayed, lr, 0.05);

  FusedAdamOptions o;
  o.decoupled_weight_decay = c.decoupled;
  o.max_grad_norm = c.max_norm;
  FusedAdam fused({27, 1, 300, 64}, o);

  for (int step = 0; step < 6; ++step) {
    // Gradients grow with the step so that clipping is active on some steps only.
    const float scale = 0.2f * float(step * step + 1);
    std::vector<std::vector<float>> grads;
    for (size_t k = 0; k < sizes.size(); ++k) {
      std::vector<float> g(static_cast<size_t>(sizes[k]), 0.f);
      for (float& x : g) x = scale * normal(rng);
      grads.push_back(g);
      torch_params[k].mutable_grad() =
          torch::from_blob(g.data(), {sizes[k]}, torch::kFloat32).clone();
    }
    if (c.max_norm > 0) torch::nn::utils::clip_grad_norm_(torch_params, c.max_norm);
    {
      torch::NoGradGuard no_grad;
      reference->step();
    }
    std::vector<FusedAdamParam> in(sizes.size());
    for (size_t k = 0; k < sizes.size(); ++k)
      in[k] = {ours[k].data(), grads[k].data(), ours[k].size(), decay[k]};
    double expected_norm = 0;
    for (const auto& g : grads)
      for (float x : g) expected_norm += double(x) * x;
    EXPECT_NEAR(fused.step(in, lr), std::sqrt(expected_norm), 1e-9 * std::sqrt(expected_norm));

    for (size_t k = 0; k < sizes.size(); ++k) {
      const torch::Tensor t = torch_params[k].detach().contiguous();
      for (int64_t i = 0; i < sizes[k]; ++i) {
        const float want = t.data_ptr<float>()[i];
        ASSERT_NEAR(ours[k][size_t(i)], want, 1e-7 + 2e-6 * std::fabs(want))
            << "step " << step << " param " << k << " element " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, FusedAdamVsTorch,
                         ::testing::Values(Case{true, 0.0}, Case{true, 5.0}, Case{false, 0.0},
                                           Case{false, 5.0}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.decoupled ? "AdamW" : "Adam") +
                                  (info.param.max_norm > 0 ? "_clipped" : "_unclipped");
                         });

// First step from zero state: m = (1-b1) g, v = (1-b2) g^2, and after bias correction the
// update is lr * g / (|g| + eps'), i.e. lr * sign(g): value 1 with gradient 0.5 and lr 0.1
// becomes 0.9 (AdamW additionally shrinks it by 1 - lr*wd first).
TEST(FusedAdam, FirstStepIsLearningRateTimesSign) {
  FusedAdamOptions o;
  FusedAdam adam({2}, o);
  std::vector<float> values = {1.f, 1.f};
  const std::vector<float> grad = {0.5f, -2.f};
  const FusedAdamParam p{values.data(), grad.data(), 2, 0.1};
  adam.step({&p, 1}, 0.1);
  EXPECT_NEAR(values[0], 1.f * (1 - 0.1 * 0.1) - 0.1f, 1e-6);
  EXPECT_NEAR(values[1], 1.f * (1 - 0.1 * 0.1) + 0.1f, 1e-6);
  EXPECT_EQ(adam.steps(0), 1);
  EXPECT_NEAR(adam.first_moment(0)[1], 0.1f * -2.f, 1e-7);
  EXPECT_NEAR(adam.second_moment(0)[1], 0.001f * 4.f, 1e-9);
}

TEST(FusedAdam, ClipsTheGlobalNormBeforeTheMoments) {
  FusedAdamOptions o;
  o.max_grad_norm = 1.0;
  FusedAdam adam({1, 1}, o);
  std::vector<float> a = {0.f}, b = {0.f};
  const std::vector<float> ga = {3.f}, gb = {4.f};  // global norm 5
  const FusedAdamParam p[2] = {{a.data(), ga.data(), 1, 0}, {b.data(), gb.data(), 1, 0}};
  EXPECT_DOUBLE_EQ(adam.step(p, 0.1), 5.0);
  const float coef = float(1.0 / (5.0 + 1e-6));
  EXPECT_NEAR(adam.first_moment(0)[0], 0.1f * 3.f * coef, 1e-7);
  EXPECT_NEAR(adam.first_moment(1)[0], 0.1f * 4.f * coef, 1e-7);
}

TEST(FusedAdam, ParameterWithoutGradientIsLeftAlone) {
  FusedAdam adam({1, 1}, FusedAdamOptions{});
  std::vector<float> a = {2.f}, b = {2.f};
  const std::vector<float> gb = {1.f};
  const FusedAdamParam p[2] = {{a.data(), nullptr, 1, 0.1}, {b.data(), gb.data(), 1, 0.1}};
  adam.step(p, 0.1);
  EXPECT_EQ(a[0], 2.f);
  EXPECT_EQ(adam.steps(0), 0);
  EXPECT_EQ(adam.steps(1), 1);
  EXPECT_NE(b[0], 2.f);
}

TEST(FusedAdam, RefusesMismatchedParameters) {
  FusedAdam adam({3}, FusedAdamOptions{});
  std::vector<float> v(2), g(2);
  const FusedAdamParam p{v.data(), g.data(), 2, 0};
  EXPECT_THROW(adam.step({&p, 1}, 0.1), std::invalid_argument);
  EXPECT_THROW(adam.step({}, 0.1), std::invalid_argument);
  FusedAdamOptions bad;
  bad.beta1 = 1.0;
  EXPECT_THROW(FusedAdam({1}, bad), std::invalid_argument);
}

}  // namespace
}  // namespace tinydet
