// The greedy arena planner, the lower bound, and plan_arena on real MobileNetV2 graphs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "mobilenet_v2.h"
#include "tinydet/graph_builder.h"
#include "tinydet/planner.h"

namespace tinydet {
namespace {

struct Case {
  std::vector<BufferLifetime> buffers;
};

size_t plan_size(const std::vector<BufferLifetime>& bufs, size_t alignment,
                 std::vector<size_t>* offsets = nullptr) {
  auto p = make_greedy_planner(alignment);
  for (const auto& b : bufs) p->add_buffer(b.size, b.first_use, b.last_use);
  if (offsets) {
    offsets->clear();
    for (int i = 0; i < p->buffer_count(); ++i) offsets->push_back(p->offset(i));
  }
  return p->arena_size();
}

// No two buffers alive at the same op share a byte; every offset is aligned.
void expect_valid_placement(const std::vector<BufferLifetime>& bufs, const std::vector<size_t>& off,
                            size_t alignment) {
  for (size_t i = 0; i < bufs.size(); ++i) {
    EXPECT_EQ(off[i] % alignment, 0u) << "buffer " << i;
    for (size_t j = i + 1; j < bufs.size(); ++j) {
      const bool alive_together =
          bufs[i].first_use <= bufs[j].last_use && bufs[j].first_use <= bufs[i].last_use;
      const bool share_bytes = off[i] < off[j] + bufs[j].size && off[j] < off[i] + bufs[i].size &&
                               bufs[i].size > 0 && bufs[j].size > 0;
      EXPECT_FALSE(alive_together && share_bytes) << "buffers " << i << " and " << j;
    }
  }
}

TEST(GreedyPlanner, HandMadeCasesHaveKnownOptimum) {
  // All alive together: the sum.
  EXPECT_EQ(plan_size({{64, 0, 2}, {32, 0, 2}, {16, 1, 1}}, 16), 112u);
  // Disjoint lifetimes: the largest.
  EXPECT_EQ(plan_size({{64, 0, 0}, {32, 1, 1}, {128, 2, 2}}, 16), 128u);
  // A chain a -> b -> c: the largest adjacent pair.
  EXPECT_EQ(plan_size({{160, 0, 1}, {320, 1, 2}, {48, 2, 3}}, 16), 480u);
  // Two small buffers fit side by side under a big one's neighbour:
  // [0,1]:100 [1,2]:60 [1,2]:40 [2,3]:100 -> optimum 200.
  EXPECT_EQ(plan_size({{96, 0, 1}, {64, 1, 2}, {32, 1, 2}, {96, 2, 3}}, 16), 192u);
  // Alignment: 10-byte buffers alive together need 16 + 10.
  EXPECT_EQ(plan_size({{10, 0, 1}, {10, 0, 1}}, 16), 26u);
  EXPECT_EQ(plan_size({{10, 0, 1}, {10, 0, 1}}, 1), 20u);
  // Zero-size buffers take no room.
  EXPECT_EQ(plan_size({{0, 0, 5}, {48, 0, 5}}, 16), 48u);
}

TEST(GreedyPlanner, OffsetsFollowSizeOrderAndFirstFit) {
  auto p = make_greedy_planner(16);
  const int a = p->add_buffer(32, 0, 1);
  const int b = p->add_buffer(64, 1, 2);
  const int c = p->add_buffer(32, 2, 3);
  EXPECT_EQ(p->offset(b), 0u);  // largest first, at 0
  EXPECT_EQ(p->offset(a), 64u);
  EXPECT_EQ(p->offset(c), 64u);  // reuses a's space: a is dead by then
  EXPECT_EQ(p->arena_size(), 96u);
  EXPECT_EQ(p->buffer_count(), 3);
  EXPECT_THROW(p->offset(3), std::out_of_range);
  EXPECT_THROW(p->add_buffer(16, 3, 2), std::invalid_argument);
}

TEST(GreedyPlanner, PrePlacedBuffersKeepTheirOffsetsAndTheOthersPackAround) {
  auto p = make_greedy_planner(16);
  const int fixed = p->add_placed_buffer(64, 0, 3, 32);  // [32, 96) during ops 0..3
  const int a = p->add_buffer(32, 0, 1);
  const int b = p->add_buffer(48, 1, 2);
  const int c = p->add_buffer(80, 4, 5);  // after `fixed` dies: its bytes are free again
  EXPECT_EQ(p->offset(fixed), 32u);
  EXPECT_EQ(p->offset(b), 96u);  // largest first; the 32-byte gap below `fixed` is too small
  EXPECT_EQ(p->offset(a), 0u);   // fits in that gap
  EXPECT_EQ(p->offset(c), 0u);
  EXPECT_EQ(p->arena_size(), 144u);
  EXPECT_THROW(p->add_placed_buffer(8, 2, 1, 0), std::invalid_argument);

  // An unaligned pre-placed offset is kept; the next buffer starts at the aligned end.
  auto q = make_greedy_planner(16);
  const int odd = q->add_placed_buffer(10, 0, 0, 40);
  const int next = q->add_buffer(48, 0, 0);
  EXPECT_EQ(q->offset(odd), 40u);
  EXPECT_EQ(q->offset(next), 64u);  // [0, 40) is too small: after 50, aligned
  EXPECT_EQ(q->arena_size(), 112u);
}

TEST(GreedyPlanner, PrePlacedBuffersMayShareBytesOnlyAtDifferentTimes) {
  auto p = make_greedy_planner(16);
  p->add_placed_buffer(64, 0, 1, 0);
  p->add_placed_buffer(64, 2, 3, 0);  // same bytes, later: fine
  EXPECT_EQ(p->arena_size(), 64u);
  p->add_placed_buffer(16, 1, 2, 48);  // alive with both, inside both
  try {
    p->arena_size();
    FAIL() << "overlapping pre-placed buffers were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pre-placed"), std::string::npos) << e.what();
  }
}

TEST(MemoryPlanner, PlannersWithoutFixedOffsetsSaySo) {
  struct SumPlanner final : MemoryPlanner {
    std::vector<size_t> sizes;
    int add_buffer(size_t size, int, int) override {
      sizes.push_back(size);
      return int(sizes.size()) - 1;
    }
    size_t arena_size() override { return offset(int(sizes.size())); }
    size_t offset(int id) override {
      size_t o = 0;
      for (int i = 0; i < id; ++i) o += sizes[size_t(i)];
      return o;
    }
    int buffer_count() const override { return int(sizes.size()); }
  } planner;
  EXPECT_THROW(planner.add_placed_buffer(16, 0, 0, 0), std::logic_error);
}

TEST(LowerBound, PeakOfLiveBytes) {
  EXPECT_EQ(arena_lower_bound({}), 0u);
  EXPECT_EQ(arena_lower_bound({{100, 0, 1}, {200, 1, 2}, {50, 2, 3}}), 300u);
  EXPECT_EQ(arena_lower_bound({{100, 0, 0}, {200, 1, 1}}), 200u);  // touching ends do not overlap
  EXPECT_EQ(arena_lower_bound({{10, 0, 9}, {20, 3, 4}, {30, 4, 6}}), 60u);
}

TEST(GreedyPlanner, EqualsLowerBoundOnShrinkingChains) {
  // A sequential network whose feature maps never grow (each buffer alive for its
  // producer and its consumer): greedy reaches the largest adjacent pair.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<size_t> sizes;
    const int n = 2 + int(rng() % 20);
    for (int i = 0; i < n; ++i) sizes.push_back(16 * (1 + rng() % 64));
    std::sort(sizes.rbegin(), sizes.rend());
    std::vector<BufferLifetime> bufs;
    for (int i = 0; i < n; ++i) bufs.push_back({sizes[size_t(i)], i, i + 1});
    std::vector<size_t> off;
    const size_t arena = plan_size(bufs, 16, &off);
    EXPECT_EQ(arena, arena_lower_bound(bufs)) << "trial " << trial;
    expect_valid_placement(bufs, off, 16);
  }
}

TEST(GreedyPlanner, CanExceedTheBoundOnAnArbitraryChain) {
  // Greedy by size is a heuristic: chain z-y-x-w with sizes 160, 144, 128, 136 places z
  // at 0, y above z, w at 0, and x fits neither under y nor above w -> 432 > 304.
  const std::vector<BufferLifetime> bufs{{160, 0, 1}, {144, 1, 2}, {128, 2, 3}, {136, 3, 4}};
  EXPECT_EQ(arena_lower_bound(bufs), 304u);
  EXPECT_EQ(plan_size(bufs, 16), 432u);
}

TEST(GreedyPlanner, RandomLifetimesNeverBelowBoundNeverOverlap) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<BufferLifetime> bufs;
    const int n = 1 + int(rng() % 40);
    const size_t alignment = size_t(1) << (rng() % 7);
    for (int i = 0; i < n; ++i) {
      const int first = int(rng() % 30);
      bufs.push_back({size_t(rng() % 5000), first, first + int(rng() % 8)});
    }
    std::vector<size_t> off;
    const size_t arena = plan_size(bufs, alignment, &off);
    EXPECT_GE(arena, arena_lower_bound(bufs)) << "trial " << trial;
    expect_valid_placement(bufs, off, alignment);
    size_t end = 0;
    for (size_t i = 0; i < bufs.size(); ++i) end = std::max(end, off[i] + bufs[i].size);
    EXPECT_EQ(arena, end);
  }
}

// --- plan_arena on graphs ------------------------------------------------------------------

Graph mobilenet_graph(float alpha, int resolution, const std::string& stop_at, bool fomo_heads) {
  GraphBuilder b(Shape{resolution, resolution, 3});
  mobilenet::MobileNetV2Options opt;
  opt.alpha = alpha;
  opt.stop_at = stop_at;
  int x = mobilenet::build_mobilenet_v2(b, b.input(), opt).output;
  if (fomo_heads) {
    ConvOptions head;
    head.bn = false;
    head.bias = true;
    x = b.conv2d(x, 32, 1, 1, Act::ReLU, "head", head);
    x = b.conv2d(x, 3, 1, 1, Act::None, "logits", head);
  }
  b.mark_output(x, "out");
  return fold_for_inference(b.finish());
}

void expect_plan_consistent(const Graph& g, const ArenaPlan& plan) {
  EXPECT_GE(plan.arena_bytes, plan.lower_bound_bytes);
  EXPECT_GE(plan.activation_arena_bytes, plan.activation_lower_bound_bytes);
  EXPECT_GE(plan.arena_bytes, plan.activation_arena_bytes);
  std::vector<BufferLifetime> bufs;
  for (size_t b = 0; b < plan.buffer_bytes.size(); ++b)
    bufs.push_back({plan.buffer_bytes[b], plan.buffer_first_use[b], plan.buffer_last_use[b]});
  expect_valid_placement(bufs, plan.buffer_offset, plan.alignment);
  for (size_t b = 0; b < bufs.size(); ++b)
    EXPECT_LE(plan.buffer_offset[b] + bufs[b].size, plan.arena_bytes);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const int b = plan.tensor_buffer[t];
    ASSERT_GE(b, 0) << g.tensors[t].name;
    EXPECT_LE(plan.tensor_bytes[t], plan.buffer_bytes[size_t(b)]);
    EXPECT_EQ(plan.tensor_offset[t], plan.buffer_offset[size_t(b)]);
  }
  EXPECT_EQ(*std::max_element(plan.live_bytes_at_op.begin(), plan.live_bytes_at_op.end()),
            plan.lower_bound_bytes);
}

TEST(PlanArena, MobileNetV2FullAt224Int8MatchesTheKnownPeak) {
  const Graph g = mobilenet_graph(1.0f, 224, "", false);
  const ArenaPlan plan = plan_arena(g, DType::Int8, KernelImpl::Fast);
  // block_1_expand: block_0's output (112x112x16) and the expansion (112x112x96) live
  // together; the stride-2 depthwise that follows runs in place.
  EXPECT_EQ(plan.activation_lower_bound_bytes, 1404928u);
  EXPECT_EQ(plan.activation_lower_bound_bytes, size_t(112 * 112 * (16 + 96)));
  EXPECT_EQ(plan.activation_arena_bytes, 1404928u);
  const int dw = g.find_op("block_1_depthwise");
  ASSERT_GE(dw, 0);
  EXPECT_TRUE(plan.op_in_place[size_t(dw)]);
  EXPECT_EQ(plan.tensor_offset[size_t(g.ops[size_t(dw)].output)],
            plan.tensor_offset[size_t(g.ops[size_t(dw)].inputs[0])]);
  expect_plan_consistent(g, plan);
  std::printf("MobileNetV2 1.0 @224 int8: activations arena %zu (lower bound %zu); with scratch "
              "arena %zu (lower bound %zu, largest scratch %zu); peak op %s\n",
              plan.activation_arena_bytes, plan.activation_lower_bound_bytes, plan.arena_bytes,
              plan.lower_bound_bytes, plan.scratch_bytes, g.ops[size_t(plan.peak_op)].name.c_str());
  const ArenaPlan ref = plan_arena(g, DType::Int8, KernelImpl::Reference);
  std::printf("  reference kernels: arena %zu (lower bound %zu, largest scratch %zu)\n",
              ref.arena_bytes, ref.lower_bound_bytes, ref.scratch_bytes);
  // Float: four bytes an element.
  const ArenaPlan f = plan_arena(g, DType::Float32, KernelImpl::Fast);
  EXPECT_EQ(f.activation_lower_bound_bytes, 4u * 1404928u);
}

TEST(PlanArena, FomoStyleCutAndTableReport) {
  const Graph g = mobilenet_graph(0.35f, 96, "block_6_expand_relu", true);
  const ArenaPlan plan = plan_arena(g, DType::Int8, KernelImpl::Fast);
  expect_plan_consistent(g, plan);
  const std::string table = format_plan(g, plan);
  EXPECT_NE(table.find("block_1_depthwise"), std::string::npos);
  EXPECT_NE(table.find("<- peak"), std::string::npos);
  EXPECT_NE(table.find("lower bound"), std::string::npos);
  std::printf("%s", table.c_str());
  std::printf("FOMO-style MobileNetV2-0.35 @96 cut at block_6_expand_relu + heads, int8: activations "
              "arena %zu / lower bound %zu (+%.2f%%); with scratch %zu / %zu (+%.2f%%)\n",
              plan.activation_arena_bytes, plan.activation_lower_bound_bytes,
              100.0 * (double(plan.activation_arena_bytes) / double(plan.activation_lower_bound_bytes) - 1),
              plan.arena_bytes, plan.lower_bound_bytes,
              100.0 * (double(plan.arena_bytes) / double(plan.lower_bound_bytes) - 1));
}

TEST(PlanArena, InPlaceOnlyWhenTheInputDies) {
  // x feeds both a depthwise conv and the residual add: the depthwise may not overwrite it.
  GraphBuilder b(Shape{8, 8, 4});
  const int x = b.conv2d(b.input(), 4, 1, 1, Act::ReLU, "c0");
  const int d = b.depthwise(x, 3, 1, Act::ReLU6, "dw");
  const int s = b.add(x, d, "add");
  const int r = b.activation(s, Act::ReLU, "relu_out");
  const int d2 = b.depthwise(r, 3, 1, Act::None, "dw2");
  b.mark_output(d2, "out");
  b.mark_output(r, "mid");
  const Graph g = fold_for_inference(b.finish());
  const ArenaPlan plan = plan_arena(g, DType::Int8);
  expect_plan_consistent(g, plan);
  EXPECT_FALSE(plan.op_in_place[size_t(g.find_op("dw"))]);
  // relu_out is a graph output: dw2 must not overwrite it.
  EXPECT_FALSE(plan.op_in_place[size_t(g.find_op("dw2"))]);
  // The input lives from op 0 to its last consumer; outputs to the end.
  const int in_buf = plan.tensor_buffer[size_t(g.input)];
  EXPECT_EQ(plan.buffer_first_use[size_t(in_buf)], 0);
  EXPECT_EQ(plan.buffer_last_use[size_t(in_buf)], 0);
  const int out_buf = plan.tensor_buffer[size_t(g.outputs[1].tensor)];
  EXPECT_EQ(plan.buffer_last_use[size_t(out_buf)], int(g.ops.size()) - 1);
}

TEST(PlanArena, GraphInputMayBeReusedInPlace) {
  // The input is copied into the arena at every invoke, so a depthwise conv that is its
  // only consumer runs in place on it.
  GraphBuilder b(Shape{6, 6, 3});
  const int d = b.depthwise(b.input(), 3, 1, Act::ReLU, "dw");
  const int c = b.conv2d(d, 8, 1, 1, Act::None, "pw");
  b.mark_output(c, "out");
  const Graph g = fold_for_inference(b.finish());
  const ArenaPlan plan = plan_arena(g, DType::Int8);
  EXPECT_TRUE(plan.op_in_place[0]);
  EXPECT_EQ(plan.tensor_buffer[size_t(g.input)], plan.tensor_buffer[size_t(g.ops[0].output)]);
  expect_plan_consistent(g, plan);
}

}  // namespace
}  // namespace tinydet
