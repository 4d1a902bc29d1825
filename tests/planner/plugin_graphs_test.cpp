// Planned arena vs lower bound on the architecture plugins' own graphs (default
// configurations). A report, not a target: the 5% goal is printed, not asserted, and a
// plugin that is not built is skipped.
#include <gtest/gtest.h>

#include <cstdio>

#include "../support/arch_plugin.h"
#include "tinydet/planner.h"

namespace tinydet {
namespace {

void report(const std::string& plugin, int resolution) {
  if (!std::filesystem::exists(test::ArchPlugin::file(plugin)))
    GTEST_SKIP() << test::ArchPlugin::file(plugin) << " is not built";
  test::ArchPlugin p(plugin);
  const Graph g = p.inference_graph(resolution);
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
