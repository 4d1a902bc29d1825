// Every architecture plugin in the build plugin folder: its loss gradient passes the
// finite-difference check, and its training graph trains a few steps through the trainer
// (every op it uses is supported, the loss stays finite). Skips when no plugin is built.
#include <gtest/gtest.h>

#include <cmath>

#include "loader/plugin_loader.h"
#include "train/gradient_check.h"
#include "train/trainer.h"
#include "train_test_util.h"

namespace tinydet {
namespace {

PluginRegistry& registry() {
  static PluginRegistry r = [] {
    PluginRegistry reg;
    reg.load_directory(TINYDET_BUILD_PLUGIN_DIR);
    return reg;
  }();
  return r;
}

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  for (const auto& p : registry().list())
    if (p.kind == PluginKind::Architecture) names.push_back(p.name);
  return names;
}

ArchConfig small_config(const Architecture& arch) {
  const int m = std::max(1, arch.resolution_multiple());
  const int res = ((96 + m - 1) / m) * m;
  return ArchConfig{res, res, 3, {}};
}

TEST(PluginTraining, LossGradientsMatchFiniteDifferences) {
  const auto names = architecture_names();
  if (names.empty()) GTEST_SKIP() << "no architecture plugin built in " << TINYDET_BUILD_PLUGIN_DIR;
  for (const auto& name : names) {
    auto arch = registry().find_architecture(name);
    const ArchConfig cfg = small_config(*arch);
    arch->configure(cfg);
    const auto r = check_loss_gradient(*arch, cfg);
    EXPECT_TRUE(r.ok) << name << ": " << r.summary;
  }
}

TEST(PluginTraining, EveryPluginGraphTrainsAFewSteps) {
  const auto names = architecture_names();
  if (names.empty()) GTEST_SKIP() << "no architecture plugin built in " << TINYDET_BUILD_PLUGIN_DIR;
  for (const auto& name : names) {
    auto arch = registry().find_architecture(name);
    const ArchConfig cfg = small_config(*arch);
    arch->configure(cfg);
    InMemorySource data(test::random_examples(8, cfg.input_h, cfg.input_w, 1), "random");
    TrainRecipe r;
    r.batch_size = 4;
    r.epochs = 1;
    r.threads = 1;
    TrainOptions opt;
    opt.progress = 2;
    const TrainResult t = train_graph(*arch, arch->build_graph(), data, nullptr, r, opt);
    EXPECT_EQ(t.steps_run, 2) << name;
    ASSERT_EQ(t.history.size(), 1u) << name;
    EXPECT_TRUE(std::isfinite(t.history[0].train_loss)) << name;
    EXPECT_NO_THROW(t.inference.validate()) << name;
  }
}

}  // namespace
}  // namespace tinydet
