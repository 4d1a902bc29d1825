// Cross-check of every architecture plugin's loss gradient with the trainer's own finite-
// difference helper (train/gradient_check.h), independent of the check in
// conformance_test.cpp. Uses the default resolution and 3 classes.
#include <gtest/gtest.h>

#include "arch_plugins.h"
#include "train/gradient_check.h"

namespace tinydet::testing {
namespace {

TEST(ArchGradientCrossCheck, TrainerHelperAgrees) {
  ASSERT_FALSE(architecture_plugins().empty());
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    ArchConfig cfg;
    cfg.num_classes = 3;
    cfg.input_h = cfg.input_w = a->default_resolution(cfg);
    a->configure(cfg);
    GradientCheckOptions opt;
    opt.batch = 2;
    opt.seed = 5;
    opt.eps = 1e-3;  // small enough for the weight-100 FOMO cells to stay near-linear
    const GradientCheckResult r = check_loss_gradient(*a, cfg, opt);
    EXPECT_TRUE(r.ok) << r.summary;
    EXPECT_GT(r.checked, 0);
  }
}

}  // namespace
}  // namespace tinydet::testing
