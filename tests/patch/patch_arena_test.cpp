// The joint arena of a patch plan: every candidate layout (input and split tensor at fixed
// offsets, later phase re-placed, kept or mirrored, patch rows top-down or bottom-up) keeps
// the int8 outputs bit-identical to the layer-by-layer run even when every buffer's bytes
// are overwritten with garbage the moment its planned lifetime ends; and no two buffers
// alive at the same step share a byte.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mobilenet_v2.h"
#include "patch_arena.h"
#include "patch_plan.h"
#include "patch_run.h"
#include "tinydet/graph_builder.h"
#include "tinydet/layer_runner.h"
#include "tinydet/quantize.h"

using namespace tinydet;

namespace {

Graph quantized_mobilenet(int res, const std::string& stop_at, uint64_t seed) {
  GraphBuilder b({res, res, 3});
  const auto f = mobilenet::build_mobilenet_v2(b, b.input(), {0.35f, stop_at, ""});
  b.mark_output(b.conv2d(f.output, 5, 1, 1, Act::None, "head", {1, false, true}), "head");
  Graph g = b.finish();
  init_weights(g, seed);
  const Graph inference = fold_for_inference(g);
  std::mt19937 rng{uint32_t(seed)};
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<std::vector<float>> calibration(3, std::vector<float>(size_t(inference.input_shape().elements())));
  for (auto& image : calibration)
    for (float& v : image) v = u(rng);
  return quantize(inference, calibration);
}

std::vector<int8_t> random_input(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> px(0, 255);
  std::vector<uint8_t> pixels(size_t(g.input_shape().elements()));
  for (auto& p : pixels) p = uint8_t(px(rng));
  std::vector<int8_t> input(pixels.size());
  pixels_to_int8_input(pixels.data(), pixels.size(), input.data());
  return input;
}

/// Pairs of buffers alive at the same step that share a byte (independent of the planner).
std::vector<std::string> overlaps(const patch::PatchPlan& plan) {
  std::vector<std::string> found;
  const auto& b = plan.arena_buffers;
  const auto& off = plan.arena_buffer_offset;
  for (size_t i = 0; i < b.size(); ++i)
    for (size_t j = i + 1; j < b.size(); ++j) {
      const bool together = b[i].first_use <= b[j].last_use && b[j].first_use <= b[i].last_use;
      const bool share = b[i].size > 0 && b[j].size > 0 && off[i] < off[j] + b[j].size && off[j] < off[i] + b[i].size;
      if (together && share) found.push_back(std::to_string(i) + "/" + std::to_string(j));
    }
  return found;
}

/// Runs `plan` with every buffer overwritten by noise as soon as its lifetime ends (and
/// the arena noisy to begin with); returns the outputs' bytes. A plan whose lifetimes are
/// one step too short reads noise.
std::vector<std::vector<int8_t>> run_poisoned(const Graph& g, const patch::PatchPlan& plan,
                                              const std::vector<int8_t>& input, uint32_t seed) {
  std::vector<uint8_t> arena(plan.arena_bytes + 64);
  uint8_t* a = arena.data() + (64 - reinterpret_cast<uintptr_t>(arena.data()) % 64) % 64;
  std::mt19937 rng(seed);
  auto noise = [&](size_t begin, size_t size) {
    for (size_t k = 0; k < size; ++k) a[begin + k] = uint8_t(rng());
  };
  noise(0, plan.arena_bytes);
  const auto kernels = patch::prepare_kernels(g, plan, DType::Int8);
  KernelContext ctx;
  const int last_step = plan.later_phase_start + int(plan.later.ops.size()) - 1;
  patch::run_patch_plan(g, plan, DType::Int8, kernels, ctx, a, input.data(), [&](int step) {
    if (step == last_step) return;  // the outputs are read after the run
    for (size_t i = 0; i < plan.arena_buffers.size(); ++i)
      if (plan.arena_buffers[i].last_use == step) noise(plan.arena_buffer_offset[i], plan.arena_buffers[i].size);
  });
  std::vector<std::vector<int8_t>> out;
  for (const auto& o : plan.later.outputs) {
    const int8_t* p = reinterpret_cast<const int8_t*>(a + plan.later_tensor_offset(o.tensor));
    out.emplace_back(p, p + plan.later.shape(o.tensor).elements());
  }
  return out;
}

struct Case {
  int res;
  const char* stop_at;
  int patches;
  const char* split;  // empty: automatic
};

}  // namespace

TEST(PatchArena, EveryLayoutIsBitExactWithDeadBytesPoisoned) {
  // 72: uneven patches; block_2_add and block_5_project_BN: residual adds inside the stage
  // and right after the cut; the later phase of block_13_expand_relu graphs is long.
  const Case cases[] = {{64, "block_6_expand_relu", 3, ""},
                        {72, "block_6_expand_relu", 2, "block_2_add"},
                        {64, "block_13_expand_relu", 4, ""}};
  uint64_t seed = 3;
  for (const Case& c : cases) {
    const Graph g = quantized_mobilenet(c.res, c.stop_at, seed++);
    LayerRunner reference;
    reference.prepare(g, DType::Int8);
    const auto input = random_input(g, uint32_t(seed));
    reference.invoke(input.data());
    for (bool in_arena : {true, false}) {
      patch::PatchPlanOptions opt;
      opt.patches = c.patches;
      opt.split = c.split;
      opt.input_in_arena = in_arena;
      patch::PatchPlan plan = patch::plan_patches(g, opt);
      const auto layouts = patch::candidate_layouts(g, plan, opt);
      ASSERT_GE(layouts.size(), 4u);
      for (size_t l = 0; l < layouts.size(); ++l) {
        const std::string what = "res " + std::to_string(c.res) + " " + c.stop_at + (in_arena ? " input in arena" : " input external") +
                                 " layout " + std::to_string(l);
        patch::apply_placement(patch::place_jointly(g, plan, layouts[l], opt), plan);
        EXPECT_TRUE(overlaps(plan).empty()) << what << ": " << overlaps(plan).front();
        EXPECT_GE(plan.arena_bytes, plan.lower_bound_bytes) << what;
        EXPECT_EQ(plan.arena_bytes, std::max(plan.patch_phase_bytes, plan.later_phase_bytes)) << what;
        const auto out = run_poisoned(g, plan, input, uint32_t(seed + l));
        for (size_t o = 0; o < out.size(); ++o)
          ASSERT_EQ(0, std::memcmp(out[o].data(), reference.output(int(o)), out[o].size()))
              << what << ": output " << o << " differs\n"
              << patch::describe(g, plan, true);
      }
    }
  }
}

TEST(PatchArena, InputRowsAreFreedAndSplitRowsTakenAsThePatchesPass) {
  const Graph g = quantized_mobilenet(96, "block_6_expand_relu", 9);
  patch::PatchPlanOptions opt;
  opt.patches = 3;
  opt.split = "block_2_add";
  const auto plan = patch::plan_patches(g, opt);
  const size_t input_bytes = size_t(g.input_shape().elements());
  // The input's bands: they start together (the copy at invoke) and end at different
  // steps; the split tensor's bands start at different steps and end together.
  std::set<int> input_ends, split_starts;
  for (size_t i = 0; i < plan.arena_buffers.size(); ++i) {
    const size_t off = plan.arena_buffer_offset[i];
    if (off >= plan.input_offset && off < plan.input_offset + input_bytes && plan.arena_buffers[i].first_use == 0 &&
        plan.arena_buffers[i].last_use < plan.later_phase_start)
      input_ends.insert(plan.arena_buffers[i].last_use);
    if (off >= plan.split_offset && off < plan.split_offset + plan.split_bytes &&
        plan.arena_buffers[i].last_use >= plan.later_phase_start && plan.arena_buffers[i].first_use < plan.later_phase_start)
      split_starts.insert(plan.arena_buffers[i].first_use);
  }
  EXPECT_GE(input_ends.size(), 3u);
  EXPECT_EQ(split_starts.size(), 3u);  // one band per patch row
}
