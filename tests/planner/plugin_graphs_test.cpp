// Planned arena vs lower bound on the architecture plugins' own graphs (default
// configurations). A report, not a target: the 5% goal is printed, not asserted, and a
// plugin that is not built is skipped.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "tinydet/architecture.h"
#include "tinydet/plugin.h"
#include "tinydet/planner.h"

namespace tinydet {
namespace {

struct Loaded {
  void* lib = nullptr;
  const tinydet_plugin_descriptor* d = nullptr;
  Architecture* arch = nullptr;
  ~Loaded() {
    if (arch) d->destroy(static_cast<void*>(arch));
    if (lib) dlclose(lib);
  }
};

void report(const std::string& plugin, int resolution) {
  const auto so = std::filesystem::path(TINYDET_BUILD_PLUGIN_DIR) / ("libtinydet_" + plugin + ".so");
  if (!std::filesystem::exists(so)) GTEST_SKIP() << so << " is not built";
  Loaded p;
  p.lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(p.lib, nullptr) << dlerror();
  auto entry = reinterpret_cast<tinydet_plugin_entry_fn>(dlsym(p.lib, TINYDET_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  p.d = entry();
  ASSERT_EQ(p.d->kind, uint32_t(TINYDET_PLUGIN_ARCHITECTURE));
  void* inst = nullptr;
  char err[256] = {0};
  ASSERT_EQ(p.d->create(&inst, err, sizeof err), 0) << err;
  p.arch = static_cast<Architecture*>(inst);
  ArchConfig cfg;
  cfg.input_h = cfg.input_w = resolution;
  cfg.num_classes = 2;
  p.arch->configure(cfg);
  const Graph g = fold_for_inference(p.arch->build_graph());
  for (DType dtype : {DType::Int8, DType::Float32}) {
    const ArenaPlan plan = plan_arena(g, dtype, KernelImpl::Fast);
    EXPECT_GE(plan.arena_bytes, plan.lower_bound_bytes);
    EXPECT_GE(plan.activation_arena_bytes, plan.activation_lower_bound_bytes);
    const double over = 100.0 * (double(plan.arena_bytes) / double(plan.lower_bound_bytes) - 1);
    const double over_act =
        100.0 * (double(plan.activation_arena_bytes) / double(plan.activation_lower_bound_bytes) - 1);
    std::printf("%-20s @%d %-7s activations: arena %8zu / bound %8zu (+%.2f%%); with scratch: arena %8zu / "
                "bound %8zu (+%.2f%%)%s; peak op %s\n",
                plugin.c_str(), resolution, dtype_name(dtype), plan.activation_arena_bytes,
                plan.activation_lower_bound_bytes, over_act, plan.arena_bytes, plan.lower_bound_bytes, over,
                over <= 5.0 ? "" : "  [above the 5% target]", g.ops[size_t(plan.peak_op)].name.c_str());
  }
}

TEST(PluginGraphs, Fomo) { report("fomo", 96); }
TEST(PluginGraphs, TinyissimoYolo) { report("tinyissimo_yolo", 88); }
TEST(PluginGraphs, SsdliteMobileNetV2) { report("ssdlite_mobilenetv2", 160); }

}  // namespace
}  // namespace tinydet
