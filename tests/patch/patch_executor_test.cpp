// The patch executor's int8 (and float) outputs are bit-identical to the layer-by-layer
// executor's, for MobileNetV2 graphs and every architecture plugin in the build, at
// several resolutions and patch counts, including uneven patches.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "mobilenet_v2.h"
#include "patch_plan.h"
#include "tinydet/architecture.h"
#include "tinydet/executor.h"
#include "tinydet/graph_builder.h"
#include "tinydet/plugin.h"
#include "tinydet/quantize.h"

using namespace tinydet;
namespace fs = std::filesystem;

namespace {

/// A plugin opened straight from the build folder (the loader is tested elsewhere).
struct OpenedPlugin {
  void* handle = nullptr;
  const tinydet_plugin_descriptor* desc = nullptr;
  explicit OpenedPlugin(const fs::path& file) {
    handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    auto entry = reinterpret_cast<tinydet_plugin_entry_fn>(dlsym(handle, TINYDET_PLUGIN_ENTRY_SYMBOL));
    if (entry) desc = entry();
  }
  template <class T>
  std::shared_ptr<T> create() const {
    void* obj = nullptr;
    char err[256] = {0};
    if (!desc || desc->create(&obj, err, sizeof err) != 0) return nullptr;
    auto destroy = desc->destroy;
    return std::shared_ptr<T>(static_cast<T*>(obj), [destroy](T* p) { destroy(p); });
  }
};

fs::path plugin_file(const std::string& name) {
  return fs::path(TINYDET_BUILD_PLUGIN_DIR) / ("libtinydet_" + name + ".so");
}

std::shared_ptr<Executor> make_executor(const std::string& name) {
  static std::map<std::string, std::unique_ptr<OpenedPlugin>> opened;
  auto& p = opened[name];
  if (!p) p = std::make_unique<OpenedPlugin>(plugin_file(name));
  return p->create<Executor>();
}

std::vector<float> smooth_image(const Shape& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> img(size_t(s.elements()));
  const float fx = 0.05f + 0.2f * u(rng), fy = 0.05f + 0.2f * u(rng);
  for (int y = 0; y < s.h; ++y)
    for (int x = 0; x < s.w; ++x)
      for (int c = 0; c < s.c; ++c)
        img[(size_t(y) * s.w + x) * s.c + c] =
            std::clamp(0.5f + 0.35f * std::sin(fx * x + c) * std::cos(fy * y) + 0.15f * (u(rng) - 0.5f), 0.f, 1.f);
  return img;
}

Graph quantized(const Graph& training_graph, uint64_t seed) {
  Graph g = training_graph;
  init_weights(g, seed);
  // Non-trivial BN statistics so folding changes the weights.
  std::mt19937 rng{static_cast<uint32_t>(seed)};
  std::uniform_real_distribution<float> u(0.5f, 1.5f), v(-0.2f, 0.2f);
  for (auto& op : g.ops)
    if (op.type == OpType::BatchNorm)
      for (size_t c = 0; c < op.bn_gamma.size(); ++c) {
        op.bn_gamma[c] = u(rng);
        op.bn_beta[c] = v(rng);
        op.bn_mean[c] = v(rng);
        op.bn_var[c] = u(rng);
      }
  Graph inf = fold_for_inference(g);
  std::vector<std::vector<float>> calib;
  for (uint32_t i = 0; i < 4; ++i) calib.push_back(smooth_image(inf.input_shape(), 100 + i));
  return quantize(inf, calib);
}

/// Runs `g` with both executors and expects identical output bytes.
void expect_bit_exact(const Graph& g, DType dtype, const std::map<std::string, std::string>& settings,
                      const std::string& what) {
  auto layer = make_executor("layer");
  auto patch = make_executor("patch");
  ASSERT_TRUE(layer) << "layer executor plugin not found in " << TINYDET_BUILD_PLUGIN_DIR;
  ASSERT_TRUE(patch) << "patch executor plugin not found in " << TINYDET_BUILD_PLUGIN_DIR;
  ExecutorOptions lo, po;
  po.settings = settings;
  layer->prepare(g, dtype, lo);
  patch->prepare(g, dtype, po);
  for (uint32_t trial = 0; trial < 2; ++trial) {
    const auto img = smooth_image(g.input_shape(), 7 + trial);
    std::vector<uint8_t> input;
    if (dtype == DType::Int8) {
      std::vector<uint8_t> px(img.size());
      for (size_t i = 0; i < img.size(); ++i) px[i] = uint8_t(std::lround(img[i] * 255.f));
      input.resize(img.size());
      pixels_to_int8_input(px.data(), px.size(), reinterpret_cast<int8_t*>(input.data()));
    } else {
      input.resize(img.size() * 4);
      std::memcpy(input.data(), img.data(), input.size());
    }
    layer->invoke(input.data());
    patch->invoke(input.data());
    for (size_t o = 0; o < g.outputs.size(); ++o) {
      const size_t bytes = size_t(g.shape(g.outputs[o].tensor).elements()) * dtype_bytes(dtype);
      ASSERT_EQ(0, std::memcmp(layer->output(int(o)), patch->output(int(o)), bytes))
          << what << ": output '" << g.outputs[o].name << "' differs (" << patch->describe_plan() << ")";
    }
  }
  const auto mem = patch->memory();
  EXPECT_GT(mem.arena_bytes, 0u);
  EXPECT_LE(mem.high_water_bytes, mem.arena_bytes) << what;
}

Graph mobilenet_graph(int res, float alpha, const std::string& stop_at) {
  GraphBuilder b({res, res, 3});
  auto f = mobilenet::build_mobilenet_v2(b, b.input(), {alpha, stop_at, ""});
  const int head = b.conv2d(f.output, 5, 1, 1, Act::None, "head", {1, false, true});
  b.mark_output(head, "head");
  return b.finish();
}

}  // namespace

TEST(PatchPlan, RegionsCoverTheSplitTensorExactlyOnce) {
  const Graph g = quantized(mobilenet_graph(64, 0.35f, "block_6_expand_relu"), 1);
  patch::PatchPlanOptions opt;
  opt.patches = 3;
  opt.split = "block_5_project_BN";
  // The split by tensor name of a folded graph: the add or projection producing block 5.
  if (g.find_op(opt.split) < 0 && g.find_tensor(opt.split) < 0) opt.split.clear();
  const auto plan = patch::plan_patches(g, opt);
  const Shape& s = g.shape(plan.split_tensor);
  std::vector<int> covered(size_t(s.h) * s.w, 0);
  for (const auto& p : plan.programs)
    for (int r = p.output_region.r0; r < p.output_region.r1; ++r)
      for (int c = p.output_region.c0; c < p.output_region.c1; ++c) ++covered[size_t(r) * s.w + c];
  for (int v : covered) EXPECT_EQ(v, 1);
  EXPECT_EQ(plan.programs.size(), 9u);
  EXPECT_GE(plan.stage_macs_patched, plan.stage_macs);  // halos are recomputed, never skipped
  EXPECT_GE(plan.arena_bytes, plan.lower_bound_bytes);
}

TEST(PatchPlan, BadSettingsAreRefusedByName) {
  const Graph g = quantized(mobilenet_graph(32, 0.35f, "block_3_expand_relu"), 2);
  patch::PatchPlanOptions opt;
  opt.split = "no_such_op";
  try {
    patch::plan_patches(g, opt);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_op"), std::string::npos) << e.what();
  }
  opt.split.clear();
  opt.patches = 40;
  EXPECT_THROW(patch::plan_patches(g, opt), std::invalid_argument);
}

TEST(PatchExecutor, MobileNetBitExactAcrossResolutionsAndGrids) {
  struct Case { int res; const char* stop; const char* patches; };
  // 72 and 88 give split tensors whose sizes n does not divide: uneven patches.
  const Case cases[] = {{96, "block_6_expand_relu", "auto"}, {72, "block_6_expand_relu", "2"},
                        {88, "block_6_expand_relu", "3"},    {64, "block_13_expand_relu", "4"}};
  uint64_t seed = 10;
  for (const auto& c : cases) {
    const Graph g = quantized(mobilenet_graph(c.res, 0.35f, c.stop), seed++);
    const std::string what = "mobilenet@" + std::to_string(c.res) + " patches=" + c.patches;
    expect_bit_exact(g, DType::Int8, {{"patches", c.patches}}, what + " int8");
    expect_bit_exact(g, DType::Float32, {{"patches", c.patches}}, what + " float");
    expect_bit_exact(g, DType::Int8, {{"patches", c.patches}, {"input", "external"}}, what + " int8 input external");
  }
}

TEST(PatchExecutor, EveryArchitecturePluginBitExact) {
  int tested = 0;
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(TINYDET_BUILD_PLUGIN_DIR)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("libtinydet_", 0) != 0 || entry.path().extension() != ".so") continue;
    OpenedPlugin p(entry.path());
    if (!p.desc || p.desc->kind != TINYDET_PLUGIN_ARCHITECTURE) continue;
    auto arch = p.create<Architecture>();
    ASSERT_TRUE(arch) << name;
    ArchConfig probe;
    probe.num_classes = 3;
    const int def = arch->default_resolution(probe);
    const int m = arch->resolution_multiple();
    // The default resolution and a smaller odd multiple (uneven patches).
    for (int res : {def, std::max(m, (def / m / 2) * m + m)}) {
      for (const char* patches : {"auto", "3"}) {
        ArchConfig cfg = probe;
        cfg.input_h = cfg.input_w = res;
        arch->configure(cfg);
        const Graph g = quantized(arch->build_graph(), 40 + res);
        expect_bit_exact(g, DType::Int8, {{"patches", patches}},
                         std::string(p.desc->name) + "@" + std::to_string(res) + " patches=" + patches);
      }
    }
    ++tested;
    names.insert(p.desc->name);
  }
  // The three in-tree architectures are built before this test (CMake dependencies).
  for (const char* expected : {"fomo", "tinyissimo_yolo", "ssdlite_mobilenetv2"})
    EXPECT_TRUE(names.count(expected)) << expected << " was not tested";
}

// Issue #7's target, on the plans (deterministic figures, not timings): on the
// MobileNetV2-based detectors at 160x160 the patch arena is at least 3x smaller than the
// layer-by-layer arena, with at most 20% extra MACs, whether the input image is an arena
// tensor or read from the caller's buffer. tinydet_patch_memory_table prints the figures.
TEST(PatchPlan, MobileNetV2DetectorsAt160MeetTheReductionTarget) {
  int tested = 0;
  for (const char* name : {"ssdlite_mobilenetv2", "fomo"}) {
    OpenedPlugin p(plugin_file(name));
    auto arch = p.create<Architecture>();
    ASSERT_TRUE(arch) << name << " plugin not found in " << TINYDET_BUILD_PLUGIN_DIR;
    ArchConfig cfg;
    cfg.num_classes = 3;
    cfg.input_h = cfg.input_w = 160;  // SSDLite's default width (alpha 0.35) and FOMO's
    arch->configure(cfg);
    const Graph g = quantized(arch->build_graph(), 5);
    for (bool in_arena : {true, false}) {
      patch::PatchPlanOptions opt;
      opt.input_in_arena = in_arena;
      const auto plan = patch::plan_patches(g, opt);
      const std::string what = std::string(name) + (in_arena ? " input in arena" : " input external");
      EXPECT_GE(plan.reduction_factor(), 3.0) << what << "\n" << patch::describe(g, plan);
      EXPECT_LE(plan.mac_overhead_percent(), 20.0) << what;
      EXPECT_GE(plan.arena_bytes, plan.lower_bound_bytes) << what;
    }
    ++tested;
  }
  EXPECT_EQ(tested, 2);
}
