// The whole int8 stack on the architecture plugins' own graphs (random weights): quantise,
// run in the planned arena, check that every op keeps to its region and the high-water
// mark matches the plan, and that the planned run equals an op-by-op reference run.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "../support/arch_plugin.h"
#include "../support/test_models.h"
#include "tinydet/layer_runner.h"
#include "tinydet/quantize.h"

namespace tinydet {
namespace {

void run_stack(const std::string& plugin, int resolution) {
  if (!std::filesystem::exists(test::ArchPlugin::file(plugin)))
    GTEST_SKIP() << test::ArchPlugin::file(plugin) << " is not built";
  test::ArchPlugin p(plugin);
  const Graph g = p.inference_graph(resolution, 3);
  const auto images = test::smooth_images(g.input_shape(), 4, 17);
  QuantizeReport report;
  const Graph q = quantize(g, images, {}, &report);
  std::vector<int8_t> qin(images[0].size());
  float_to_int8_input(images[0].data(), qin.size(), qin.data());

  LayerRunner fast, ref;
  fast.prepare(q, DType::Int8, KernelImpl::Fast);
  ref.prepare(q, DType::Int8, KernelImpl::Reference);
  const ArenaCheck check = fast.check_arena(qin.data());
  for (const auto& v : check.violations) ADD_FAILURE() << plugin << ": " << v;
  EXPECT_EQ(check.high_water_bytes, fast.plan().arena_bytes);  // one thread: exactly the plan
  ref.invoke(qin.data());
  for (size_t o = 0; o < q.outputs.size(); ++o)
    EXPECT_EQ(std::memcmp(fast.output(int(o)), ref.output(int(o)),
                          size_t(q.tensor(q.outputs[o].tensor).shape.elements())), 0)
        << plugin << " output " << q.outputs[o].name;
  EXPECT_EQ(fast.heap_growth_bytes(qin.data()), 0);
  std::printf("%-20s @%d int8: arena %zu B (activations %zu), high water %zu B; random-weight SQNR",
              plugin.c_str(), resolution, fast.plan().arena_bytes, fast.plan().activation_arena_bytes,
              check.high_water_bytes);
  for (const auto& s : report.outputs) std::printf(" %s %.1f dB", s.name.c_str(), s.sqnr_db);
  std::printf("\n");
}

TEST(PluginGraphsInt8, Fomo) { run_stack("fomo", 96); }
TEST(PluginGraphsInt8, TinyissimoYolo) { run_stack("tinyissimo_yolo", 88); }
TEST(PluginGraphsInt8, SsdliteMobileNetV2) { run_stack("ssdlite_mobilenetv2", 160); }

}  // namespace
}  // namespace tinydet
