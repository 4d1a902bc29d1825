// LayerRunner and the `layer` executor plugin: outputs, arena high water == plan, every
// op inside its planned region, no heap growth during inference.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "../support/test_models.h"
#include "mobilenet_v2.h"
#include "tinydet/executor.h"
#include "tinydet/layer_runner.h"
#include "tinydet/plugin.h"
#include "tinydet/quantize.h"

namespace tinydet {
namespace {

// Runs `g` op by op with every tensor in its own heap buffer (no arena, no reuse): the
// reference the planned execution must reproduce exactly.
std::vector<std::vector<uint8_t>> run_unplanned(const Graph& g, DType dtype, const void* input) {
  const size_t elem = size_t(dtype_bytes(dtype));
  std::vector<std::vector<uint8_t>> t(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i) t[i].resize(size_t(g.tensors[i].shape.elements()) * elem);
  std::memcpy(t[size_t(g.input)].data(), input, t[size_t(g.input)].size());
  for (int i = 0; i < int(g.ops.size()); ++i) {
    const Op& op = g.ops[size_t(i)];
    const OpGeometry geo = geometry_of(g, i);
    std::vector<const void*> in;
    for (int x : op.inputs) in.push_back(t[size_t(x)].data());
    std::vector<uint8_t> scratch(op_scratch_bytes(op, geo, dtype, KernelImpl::Reference));
    KernelContext ctx;
    ctx.impl = KernelImpl::Reference;
    ctx.scratch = scratch.empty() ? nullptr : scratch.data();
    ctx.scratch_bytes = scratch.size();
    Int8OpParams q;
    if (dtype == DType::Int8) q = prepare_int8(g, i);
    run_op(op, geo, dtype, in.data(), t[size_t(op.output)].data(), ctx, dtype == DType::Int8 ? &q : nullptr);
  }
  std::vector<std::vector<uint8_t>> outs;
  for (const auto& o : g.outputs) outs.push_back(t[size_t(o.tensor)]);
  return outs;
}

Graph fomo_style_graph() {
  GraphBuilder b(Shape{96, 96, 3});
  mobilenet::MobileNetV2Options opt;
  opt.alpha = 0.35f;
  opt.stop_at = "block_6_expand_relu";
  int x = mobilenet::build_mobilenet_v2(b, b.input(), opt).output;
  x = b.conv2d(x, 32, 1, 1, Act::ReLU, "head", ConvOptions{.bn = false, .bias = true});
  x = b.conv2d(x, 3, 1, 1, Act::None, "logits", ConvOptions{.bn = false, .bias = true});
  b.mark_output(x, "out");
  Graph g = b.finish();
  init_weights(g, 4);
  return fold_for_inference(g);
}

struct Prepared {
  Graph float_graph, int8_graph;
  std::vector<std::vector<float>> images;
};

const Prepared& small_models() {
  static const Prepared p = [] {
    Prepared r;
    r.float_graph = fold_for_inference(test::small_mobilenet(32, 9));
    r.images = test::smooth_images(r.float_graph.input_shape(), 20, 3);
    r.int8_graph = quantize(r.float_graph, r.images);
    return r;
  }();
  return p;
}

std::vector<int8_t> int8_input(const std::vector<float>& x) {
  std::vector<int8_t> q(x.size());
  float_to_int8_input(x.data(), x.size(), q.data());
  return q;
}

void expect_plan_kept(LayerRunner& runner, const void* input, const char* what) {
  const ArenaCheck check = runner.check_arena(input);
  const ArenaPlan& plan = runner.plan();
  for (const auto& v : check.violations) ADD_FAILURE() << what << ": " << v;
  // One-thread runs: the plan reserves one scratch slot per op, which the op fills, and
  // every tensor is written whole, so the real high-water mark is the planned size.
  EXPECT_EQ(check.high_water_bytes, plan.arena_bytes) << what;
  std::printf("%s: arena %zu B, high water %zu B, lower bound %zu B\n", what, plan.arena_bytes,
              check.high_water_bytes, plan.lower_bound_bytes);
}

TEST(LayerRunner, FloatAndInt8MatchUnplannedExecution) {
  const Prepared& m = small_models();
  for (KernelImpl impl : {KernelImpl::Reference, KernelImpl::Fast}) {
    LayerRunner f, q;
    f.prepare(m.float_graph, DType::Float32, impl);
    q.prepare(m.int8_graph, DType::Int8, impl);
    EXPECT_EQ(f.arena_bytes(), f.plan().arena_bytes);
    for (int k = 0; k < 3; ++k) {
      const auto& img = m.images[size_t(k)];
      const std::vector<int8_t> qin = int8_input(img);
      f.invoke(img.data());
      q.invoke(qin.data());
      const auto fref = run_unplanned(m.float_graph, DType::Float32, img.data());
      const auto qref = run_unplanned(m.int8_graph, DType::Int8, qin.data());
      for (size_t o = 0; o < fref.size(); ++o) {
        const auto* fo = static_cast<const float*>(f.output(int(o)));
        const auto* fr = reinterpret_cast<const float*>(fref[o].data());
        for (size_t i = 0; i < fref[o].size() / 4; ++i)
          ASSERT_NEAR(fo[i], fr[i], 1e-5f * std::max(1.f, std::fabs(fr[i]))) << "output " << o << " at " << i;
        EXPECT_EQ(std::memcmp(q.output(int(o)), qref[o].data(), qref[o].size()), 0) << "int8 output " << o;
      }
    }
  }
}

TEST(LayerRunner, HighWaterEqualsPlanAndOpsKeepToTheirRegions) {
  const Prepared& m = small_models();
  for (KernelImpl impl : {KernelImpl::Reference, KernelImpl::Fast}) {
    LayerRunner f, q;
    f.prepare(m.float_graph, DType::Float32, impl);
    q.prepare(m.int8_graph, DType::Int8, impl);
    const std::vector<int8_t> qin = int8_input(m.images[0]);
    expect_plan_kept(f, m.images[0].data(), impl == KernelImpl::Fast ? "small float fast" : "small float ref");
    expect_plan_kept(q, qin.data(), impl == KernelImpl::Fast ? "small int8 fast" : "small int8 ref");
  }
  // The FOMO-style MobileNetV2-0.35 cut (int8 weights quantised from random weights).
  const Graph fomo = fomo_style_graph();
  const auto images = test::smooth_images(fomo.input_shape(), 2, 8);
  const Graph fomo_q = quantize(fomo, images);
  LayerRunner r;
  r.prepare(fomo_q, DType::Int8);
  const std::vector<int8_t> qin = int8_input(images[0]);
  expect_plan_kept(r, qin.data(), "fomo-style int8 fast");
  // Two threads: each op's scratch holds one slot per worker, so the plan grows by the
  // second slots; every op still keeps to its regions and stays inside the plan (whether
  // the second slot is written depends on how oneTBB splits the work).
  LayerRunner r2;
  r2.prepare(fomo_q, DType::Int8, KernelImpl::Fast, 2);
  EXPECT_GT(r2.plan().arena_bytes, r.plan().arena_bytes);
  EXPECT_EQ(r2.plan().activation_arena_bytes, r.plan().activation_arena_bytes);
  const ArenaCheck two = r2.check_arena(qin.data());
  for (const auto& v : two.violations) ADD_FAILURE() << "two threads: " << v;
  EXPECT_LE(two.high_water_bytes, r2.plan().arena_bytes);
  EXPECT_EQ(std::memcmp(r2.output(0), r.output(0), size_t(fomo_q.tensor(fomo_q.outputs[0].tensor).shape.elements())), 0);
  // Reported only: random weights, two calibration images.
  std::printf("fomo-style random-weight int8 SQNR: %.2f dB\n", measure_sqnr(fomo, fomo_q, images)[0].sqnr_db);
}

TEST(LayerRunner, RecordingModeAndNoHeapGrowth) {
  const Prepared& m = small_models();
  LayerRunner q;
  q.prepare(m.int8_graph, DType::Int8);
  const std::vector<int8_t> qin = int8_input(m.images[1]);
  const long long growth = q.heap_growth_bytes(qin.data());
  std::printf("heap growth during one int8 invoke: %lld B\n", growth);
  EXPECT_EQ(growth, 0);
  LayerRunner f;
  f.prepare(m.float_graph, DType::Float32);
  EXPECT_EQ(f.heap_growth_bytes(m.images[1].data()), 0);
  // With two threads the fast kernels go through oneTBB; reported, not asserted (the
  // scheduler's own bookkeeping is not ours).
  LayerRunner q2;
  q2.prepare(m.int8_graph, DType::Int8, KernelImpl::Fast, 2);
  std::printf("heap growth during one int8 invoke, 2 threads: %lld B\n", q2.heap_growth_bytes(qin.data()));

  q.set_recording(true);
  q.invoke(qin.data());
  q.invoke(qin.data());
  EXPECT_EQ(q.high_water_bytes(), q.check_arena(qin.data()).high_water_bytes);
  EXPECT_GT(q.high_water_bytes(), 0u);
}

TEST(LayerRunner, ProfileRowsCoverEveryOp) {
  const Prepared& m = small_models();
  const auto rows = profile_layers(m.int8_graph, DType::Int8, KernelImpl::Fast, 1, 2);
  ASSERT_EQ(rows.size(), m.int8_graph.ops.size());
  int64_t macs = 0;
  int peaks = 0;
  double cpu = 0;
  for (const auto& r : rows) {
    EXPECT_GE(r.micros, 0.0);
    EXPECT_GE(r.cpu_micros, 0.0);
    cpu += r.cpu_micros;
    macs += r.macs;
    peaks += r.peak;
  }
  EXPECT_EQ(macs, m.int8_graph.total_stats().macs);
  EXPECT_GT(cpu, 0.0);  // the convolutions take measurable CPU time
  EXPECT_EQ(peaks, 1);
  const std::string table = format_profile(rows);
  EXPECT_NE(table.find("<- slowest"), std::string::npos);
  EXPECT_NE(table.find("b2_expand"), std::string::npos);
}

TEST(LayerRunner, RejectsBadArguments) {
  const Prepared& m = small_models();
  LayerRunner r;
  EXPECT_THROW(r.prepare(m.float_graph, DType::Int8), std::invalid_argument);  // not quantised
  EXPECT_THROW(r.prepare(test::small_mobilenet(32, 1), DType::Float32), std::invalid_argument);  // BN
  EXPECT_THROW(r.prepare(m.float_graph, DType::Float32, KernelImpl::Fast, 0), std::invalid_argument);
  EXPECT_THROW(r.invoke(nullptr), std::logic_error);
}

// --- the plugin ------------------------------------------------------------------------

struct PluginHandle {
  void* lib = nullptr;
  const tinydet_plugin_descriptor* d = nullptr;
  ~PluginHandle() {
    if (lib) dlclose(lib);
  }
};

// The heap measurement sees an executor that allocates during inference (so a 0 from the
// layer executor below means something).
TEST(HeapGrowth, SeesAnExecutorThatAllocatesPerInference) {
  struct Leaky : Executor {
    std::vector<std::vector<uint8_t>> kept;
    void prepare(const Graph&, DType, const ExecutorOptions&) override {}
    void invoke(const void*) override { kept.emplace_back(4096, uint8_t(1)); }
    const void* output(int) const override { return nullptr; }
    MemoryReport memory() const override { return {}; }
    std::string describe_plan() const override { return {}; }
  } leaky;
  const uint8_t input = 0;
  EXPECT_GE(heap_growth_bytes(leaky, &input), 4096);
}

TEST(LayerPlugin, LoadsAndReportsMemory) {
  const std::filesystem::path so = std::filesystem::path(TINYDET_BUILD_PLUGIN_DIR) / "libtinydet_layer.so";
  if (!std::filesystem::exists(so)) GTEST_SKIP() << so << " not built";
  PluginHandle h;
  h.lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h.lib, nullptr) << dlerror();
  auto entry = reinterpret_cast<tinydet_plugin_entry_fn>(dlsym(h.lib, TINYDET_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  h.d = entry();
  EXPECT_EQ(h.d->abi_version, TINYDET_PLUGIN_ABI_VERSION);
  EXPECT_EQ(h.d->kind, uint32_t(TINYDET_PLUGIN_EXECUTOR));
  EXPECT_STREQ(h.d->name, "layer");
  void* inst = nullptr;
  char err[256] = {0};
  ASSERT_EQ(h.d->create(&inst, err, sizeof err), 0) << err;
  auto* ex = static_cast<Executor*>(inst);

  const Prepared& m = small_models();
  ExecutorOptions opt;
  ex->prepare(m.int8_graph, DType::Int8, opt);
  const std::vector<int8_t> qin = int8_input(m.images[2]);
  ex->invoke(qin.data());
  ex->invoke(qin.data());
  const MemoryReport mem = ex->memory();
  LayerRunner ref;
  ref.prepare(m.int8_graph, DType::Int8);
  ref.invoke(qin.data());
  EXPECT_EQ(mem.arena_bytes, ref.plan().arena_bytes);
  EXPECT_EQ(mem.arena_lower_bound_bytes, ref.plan().lower_bound_bytes);
  EXPECT_EQ(mem.scratch_bytes, ref.plan().scratch_bytes);
  EXPECT_EQ(mem.high_water_bytes, ref.check_arena(qin.data()).high_water_bytes);
  EXPECT_EQ(mem.flash_bytes, size_t(m.int8_graph.total_stats().weight_bytes));
  EXPECT_EQ(mem.macs, m.int8_graph.total_stats().macs);
  EXPECT_EQ(heap_growth_bytes(*ex, qin.data()), 0);  // the executor keeps to its arena
  ASSERT_FALSE(mem.extra.empty());
  EXPECT_EQ(mem.extra[0].first, "activation_arena_bytes");
  for (size_t o = 0; o < m.int8_graph.outputs.size(); ++o) {
    const size_t bytes = size_t(m.int8_graph.tensor(m.int8_graph.outputs[o].tensor).shape.elements());
    EXPECT_EQ(std::memcmp(ex->output(int(o)), ref.output(int(o)), bytes), 0);
  }
  const std::string plan = ex->describe_plan();
  EXPECT_NE(plan.find("b1_depthwise"), std::string::npos);
  EXPECT_NE(plan.find("lower bound"), std::string::npos);

  ExecutorOptions bad;
  bad.settings["no_such_setting"] = "1";
  EXPECT_THROW(ex->prepare(m.int8_graph, DType::Int8, bad), std::invalid_argument);
  h.d->destroy(inst);
}

}  // namespace
}  // namespace tinydet
