#include "patch_arena.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>

namespace tinydet::patch {

namespace {

/// Consecutive rows [r0, r1) that share one lifetime.
struct Band {
  int r0 = 0, r1 = 0;
  int first_use = 0, last_use = 0;
};

/// Merges rows with equal lifetimes into bands.
std::vector<Band> bands_of(const std::vector<int>& first_use, const std::vector<int>& last_use) {
  std::vector<Band> bands;
  for (int r = 0; r < int(first_use.size()); ++r) {
    if (!bands.empty() && bands.back().first_use == first_use[size_t(r)] &&
        bands.back().last_use == last_use[size_t(r)]) {
      bands.back().r1 = r + 1;
    } else {
      bands.push_back({r, r + 1, first_use[size_t(r)], last_use[size_t(r)]});
    }
  }
  return bands;
}

/// A planner that also remembers every lifetime, for the lower bound and the phase peaks.
struct TrackedPlanner {
  std::unique_ptr<MemoryPlanner> planner;
  std::vector<BufferLifetime> lifetimes;

  int add(size_t size, int first, int last) {
    lifetimes.push_back({size, first, last});
    return planner->add_buffer(size, first, last);
  }
  int add_placed(size_t size, int first, int last, size_t offset) {
    lifetimes.push_back({size, first, last});
    return planner->add_placed_buffer(size, first, last, offset);
  }
};

size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

/// The later plan's buffer offsets as plan_arena placed them, or mirrored top to bottom
/// (offsets stay aligned: each buffer's aligned end becomes its start from the top).
std::vector<size_t> later_offsets(const ArenaPlan& lp, bool mirror) {
  if (!mirror) return lp.buffer_offset;
  size_t top = 0;
  for (size_t b = 0; b < lp.buffer_bytes.size(); ++b) top = std::max(top, lp.buffer_offset[b] + lp.buffer_bytes[b]);
  top = align_up(top, lp.alignment);
  std::vector<size_t> out(lp.buffer_bytes.size());
  for (size_t b = 0; b < out.size(); ++b) out[b] = top - align_up(lp.buffer_offset[b] + lp.buffer_bytes[b], lp.alignment);
  return out;
}

int split_buffer_of(const PatchPlan& plan) { return plan.later_plan.tensor_buffer.at(size_t(plan.later.input)); }

}  // namespace

std::vector<PhaseLayout> candidate_layouts(const Graph& g, const PatchPlan& plan, const PatchPlanOptions& opt) {
  const ArenaPlan& lp = plan.later_plan;
  const size_t input_span =
      align_up(size_t(g.input_shape().elements()) * size_t(dtype_bytes(opt.dtype)), opt.alignment);
  const size_t split_span = align_up(lp.buffer_bytes.at(size_t(split_buffer_of(plan))), opt.alignment);
  std::vector<PhaseLayout> layouts;
  // The input just below the split tensor when it fits there, else just above it.
  auto input_next_to = [&](size_t split_at) { return split_at >= input_span ? split_at - input_span : split_at + split_span; };

  // The later phase re-placed with the patch phase.
  const size_t own_split_offset = lp.buffer_offset.at(size_t(split_buffer_of(plan)));
  for (size_t split_at : {size_t(0), own_split_offset}) {
    if (!layouts.empty() && split_at == layouts.front().split_offset) continue;
    PhaseLayout l;
    l.split_offset = split_at;
    if (!opt.input_in_arena) {
      layouts.push_back(l);
      continue;
    }
    l.input_offset = split_at + split_span;  // split, then input
    layouts.push_back(l);
    if (split_at >= input_span) {
      l.input_offset = split_at - input_span;  // input, then split
    } else {
      l.input_offset = 0;
      l.split_offset = input_span;
    }
    layouts.push_back(l);
  }
  // The later phase kept as planned alone, as is or mirrored.
  for (bool mirror : {false, true}) {
    PhaseLayout l;
    l.keep_later_plan = true;
    l.mirror_later_plan = mirror;
    l.split_offset = later_offsets(lp, mirror).at(size_t(split_buffer_of(plan)));
    // Mirrored, the split tensor sits high: the input goes to the bottom, so that the free
    // bytes between them join the split tensor's unwritten rows.
    if (opt.input_in_arena)
      l.input_offset = mirror && l.split_offset >= input_span ? 0 : input_next_to(l.split_offset);
    layouts.push_back(l);
  }
  // Each arrangement with the patch rows top to bottom and bottom to top.
  const size_t n = layouts.size();
  for (size_t i = 0; i < n; ++i) {
    layouts.push_back(layouts[i]);
    layouts.back().bottom_up = true;
  }
  return layouts;
}

JointPlacement place_jointly(const Graph& g, const PatchPlan& plan, const PhaseLayout& layout,
                             const PatchPlanOptions& opt) {
  const ArenaPlan& lp = plan.later_plan;
  const size_t elem = size_t(dtype_bytes(opt.dtype));
  TrackedPlanner tp{make_greedy_planner(opt.alignment), {}};

  // Execution order of the programs (row-major in `plan`): top to bottom or the reverse.
  const int n = plan.patches;
  std::vector<int> order;
  for (int pr = 0; pr < n; ++pr)
    for (int pc = 0; pc < n; ++pc) order.push_back((layout.bottom_up ? n - 1 - pr : pr) * n + pc);

  // Timeline: the patch steps, one program after another, then the later ops.
  std::vector<int> program_base(plan.programs.size(), 0);
  int patch_steps = 0;
  for (int k : order) {
    program_base[size_t(k)] = patch_steps;
    patch_steps += int(plan.programs[size_t(k)].steps.size());
  }
  const int later_base = patch_steps;
  const int split_buffer = split_buffer_of(plan);
  const int split_last_use = later_base + lp.buffer_last_use.at(size_t(split_buffer));

  // The graph input: row r lives from the start to the last crop reading it.
  const Shape& in = g.input_shape();
  if (opt.input_in_arena) {
    std::vector<int> first(size_t(in.h), 0), last(size_t(in.h), 0);
    for (size_t k = 0; k < plan.programs.size(); ++k) {
      const auto& steps = plan.programs[k].steps;
      for (size_t j = 0; j < steps.size(); ++j)
        if (steps[j].kind == PatchStep::Kind::Crop && steps[j].inputs.at(0) < 0)
          for (int r = steps[j].src_region.r0; r < steps[j].src_region.r1; ++r)
            last[size_t(r)] = std::max(last[size_t(r)], program_base[k] + int(j));
    }
    const size_t row_bytes = size_t(in.w) * size_t(in.c) * elem;
    for (const Band& b : bands_of(first, last))
      tp.add_placed(size_t(b.r1 - b.r0) * row_bytes, b.first_use, b.last_use,
                    layout.input_offset + size_t(b.r0) * row_bytes);
  }

  // The later phase's buffers as plan_arena grouped them (in-place sharing included),
  // except the split tensor's, which the bands below stand for.
  const std::vector<size_t> kept = later_offsets(lp, layout.mirror_later_plan);
  const size_t split_offset = layout.keep_later_plan ? kept.at(size_t(split_buffer)) : layout.split_offset;
  std::vector<int> later_id(lp.buffer_bytes.size(), -1);
  for (size_t b = 0; b < lp.buffer_bytes.size(); ++b) {
    if (int(b) == split_buffer) continue;
    const int first = later_base + lp.buffer_first_use[b], last = later_base + lp.buffer_last_use[b];
    later_id[b] = layout.keep_later_plan ? tp.add_placed(lp.buffer_bytes[b], first, last, kept[b])
                                         : tp.add(lp.buffer_bytes[b], first, last);
  }

  // The split tensor: row r lives from the first store into it to its last later use.
  const Shape& st = g.shape(plan.split_tensor);
  {
    std::vector<int> first(size_t(st.h), std::numeric_limits<int>::max());
    std::vector<int> last(size_t(st.h), split_last_use);
    for (size_t k = 0; k < plan.programs.size(); ++k) {
      const auto& steps = plan.programs[k].steps;
      for (size_t j = 0; j < steps.size(); ++j)
        if (steps[j].kind == PatchStep::Kind::Store)
          for (int r = steps[j].src_region.r0; r < steps[j].src_region.r1; ++r)
            first[size_t(r)] = std::min(first[size_t(r)], program_base[k] + int(j));
    }
    const size_t row_bytes = size_t(st.w) * size_t(st.c) * elem;
    for (const Band& b : bands_of(first, last))
      tp.add_placed(size_t(b.r1 - b.r0) * row_bytes, b.first_use, b.last_use,
                    split_offset + size_t(b.r0) * row_bytes);
    // An in-place op of the later phase may grow the split tensor's buffer.
    const size_t buffer_bytes = lp.buffer_bytes.at(size_t(split_buffer));
    if (buffer_bytes > plan.split_bytes)
      tp.add_placed(buffer_bytes - plan.split_bytes, later_base, split_last_use, split_offset + plan.split_bytes);
  }

  // Patch working buffers (one per in-place alias chain) and per-step scratch.
  std::vector<std::vector<int>> buffer_id(plan.programs.size()), scratch_id(plan.programs.size());
  for (size_t k = 0; k < plan.programs.size(); ++k) {
    const auto& p = plan.programs[k];
    const int base = program_base[k];
    std::vector<BufferLifetime> chain;
    const std::vector<int> root = storage_roots(p, &chain);
    std::vector<int> id_of_root(p.buffers.size(), -1);
    for (size_t j = 0; j < p.buffers.size(); ++j)
      if (root[j] == int(j))
        id_of_root[j] = tp.add(chain[j].size, base + chain[j].first_use, base + chain[j].last_use);
    for (size_t j = 0; j < p.buffers.size(); ++j) buffer_id[k].push_back(id_of_root[size_t(root[j])]);
    for (size_t j = 0; j < p.steps.size(); ++j)
      scratch_id[k].push_back(p.steps[j].scratch_bytes > 0
                                  ? tp.add(p.steps[j].scratch_bytes, base + int(j), base + int(j))
                                  : -1);
  }

  JointPlacement out;
  out.layout = layout;
  out.layout.split_offset = split_offset;
  out.program_order = order;
  out.arena_bytes = tp.planner->arena_size();
  out.lower_bound_bytes = arena_lower_bound(tp.lifetimes);
  for (int id = 0; id < int(tp.lifetimes.size()); ++id) {
    const BufferLifetime& lt = tp.lifetimes[size_t(id)];
    if (lt.size == 0) continue;
    const size_t end = tp.planner->offset(id) + lt.size;
    if (lt.first_use < later_base) out.patch_phase_bytes = std::max(out.patch_phase_bytes, end);
    if (lt.last_use >= later_base) out.later_phase_bytes = std::max(out.later_phase_bytes, end);
  }
  for (size_t k = 0; k < plan.programs.size(); ++k) {
    out.patch_buffer_offset.emplace_back();
    out.step_scratch_offset.emplace_back();
    for (int id : buffer_id[k]) out.patch_buffer_offset[k].push_back(tp.planner->offset(id));
    for (int id : scratch_id[k]) out.step_scratch_offset[k].push_back(id >= 0 ? tp.planner->offset(id) : 0);
  }
  for (size_t b = 0; b < later_id.size(); ++b)
    out.later_buffer_offset.push_back(later_id[b] >= 0 ? tp.planner->offset(later_id[b]) : split_offset);
  out.buffers = tp.lifetimes;
  for (int id = 0; id < int(tp.lifetimes.size()); ++id) out.buffer_offset.push_back(tp.planner->offset(id));
  out.later_phase_start = later_base;
  return out;
}

void apply_placement(const JointPlacement& placement, PatchPlan& plan) {
  plan.input_offset = plan.input_in_arena ? placement.layout.input_offset : 0;
  plan.split_offset = placement.layout.split_offset;
  plan.program_order = placement.program_order;
  for (size_t k = 0; k < plan.programs.size(); ++k) {
    auto& p = plan.programs[k];
    for (size_t j = 0; j < p.buffers.size(); ++j) p.buffers[j].offset = placement.patch_buffer_offset[k][j];
    for (size_t j = 0; j < p.steps.size(); ++j) p.steps[j].scratch_offset = placement.step_scratch_offset[k][j];
  }
  plan.later_buffer_offset = placement.later_buffer_offset;
  plan.arena_buffers = placement.buffers;
  plan.arena_buffer_offset = placement.buffer_offset;
  plan.later_phase_start = placement.later_phase_start;
  plan.arena_bytes = placement.arena_bytes;
  plan.lower_bound_bytes = placement.lower_bound_bytes;
  plan.patch_phase_bytes = placement.patch_phase_bytes;
  plan.later_phase_bytes = placement.later_phase_bytes;
}

}  // namespace tinydet::patch
