#include "patch_plan.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "patch_arena.h"

namespace tinydet::patch {

namespace {

bool is_spatially_local(OpType t) {
  switch (t) {
    case OpType::Conv2D:
    case OpType::MaxPool:
    case OpType::AvgPool:
    case OpType::Add:
    case OpType::Activation:
    case OpType::Concat:
      return true;
    default:
      return false;
  }
}

bool is_window_op(OpType t) {
  return t == OpType::Conv2D || t == OpType::MaxPool || t == OpType::AvgPool;
}

Region bounding_union(const Region& a, const Region& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return Region{std::min(a.r0, b.r0), std::max(a.r1, b.r1), std::min(a.c0, b.c0),
                std::max(a.c1, b.c1)};
}

/// The input window a window op reads to produce output rows/cols `out`, clipped to the
/// input, and the padding that stands in for the clipped part.
struct WindowInput {
  Region region;
  Padding pad;
};

WindowInput window_input(const Op& op, const Region& out, const Shape& in) {
  WindowInput w;
  const int q_r0 = out.r0 * op.stride_h - op.pad.top;
  const int q_r1 = (out.r1 - 1) * op.stride_h - op.pad.top + op.kernel_h;
  const int q_c0 = out.c0 * op.stride_w - op.pad.left;
  const int q_c1 = (out.c1 - 1) * op.stride_w - op.pad.left + op.kernel_w;
  w.region = Region{std::max(0, q_r0), std::min(in.h, q_r1), std::max(0, q_c0), std::min(in.w, q_c1)};
  w.pad = Padding{std::max(0, -q_r0), std::max(0, -q_c0), std::max(0, q_r1 - in.h),
                  std::max(0, q_c1 - in.w)};
  return w;
}

/// Region of input `i` that op needs for output region `out`.
Region needed_input(const Graph& g, const Op& op, const Region& out) {
  if (is_window_op(op.type)) return window_input(op, out, g.shape(op.inputs[0])).region;
  return out;  // elementwise and channel concat
}

/// Splits [0, size) into n nearly equal parts (the first ones one larger when uneven).
std::vector<std::pair<int, int>> split_evenly(int size, int n) {
  std::vector<std::pair<int, int>> parts;
  int start = 0;
  for (int i = 0; i < n; ++i) {
    const int len = size / n + (i < size % n ? 1 : 0);
    parts.emplace_back(start, start + len);
    start += len;
  }
  return parts;
}

/// Builds the program of one patch: backward region walk, then forward steps.
PatchProgram build_program(const Graph& g, int split, const Region& out_region,
                           const PatchPlanOptions& opt) {
  const int split_tensor = g.ops[split].output;
  std::vector<Region> needed(g.tensors.size());
  needed[split_tensor] = out_region;
  for (int i = split; i >= 0; --i) {
    const Op& op = g.ops[i];
    if (needed[op.output].empty()) continue;
    for (int in : op.inputs)
      needed[in] = bounding_union(needed[in], needed_input(g, op, needed[op.output]));
  }

  PatchProgram p;
  p.output_region = out_region;
  const size_t elem = size_t(dtype_bytes(opt.dtype));
  std::vector<int> buffer_of(g.tensors.size(), -1);
  auto new_buffer = [&](int tensor, const Region& r) {
    PatchBuffer b;
    b.tensor = tensor;
    b.region = r;
    b.bytes = size_t(r.rows()) * size_t(r.cols()) * size_t(g.shape(tensor).c) * elem;
    b.first_step = int(p.steps.size());
    b.last_step = b.first_step;
    p.buffers.push_back(b);
    return int(p.buffers.size()) - 1;
  };
  auto use = [&](int buffer) {
    if (buffer >= 0) p.buffers[buffer].last_step = int(p.steps.size());
  };

  // The graph input's window comes from the full input tensor.
  {
    const int in = g.input;
    if (!needed[in].empty()) {
      PatchStep crop;
      crop.kind = PatchStep::Kind::Crop;
      crop.inputs = {-1};
      crop.src_region = needed[in];
      crop.src_buffer_region = Region{0, g.shape(in).h, 0, g.shape(in).w};
      crop.channels = g.shape(in).c;
      crop.output = new_buffer(in, needed[in]);
      buffer_of[in] = crop.output;
      p.steps.push_back(crop);
    }
  }

  for (int i = 0; i <= split; ++i) {
    const Op& op = g.ops[i];
    const Region& out = needed[op.output];
    if (out.empty()) continue;
    PatchStep run;
    run.kind = PatchStep::Kind::Run;
    run.op = i;
    for (int in : op.inputs) {
      Region want = needed_input(g, op, out);
      int buf = buffer_of[in];
      if (!(p.buffers[buf].region == want)) {
        // The tensor's patch is larger than this op reads (another consumer needs more):
        // copy the window this op reads into a temporary buffer.
        PatchStep crop;
        crop.kind = PatchStep::Kind::Crop;
        crop.inputs = {buf};
        crop.src_region = want;
        crop.src_buffer_region = p.buffers[buf].region;
        crop.channels = g.shape(in).c;
        use(buf);
        crop.output = new_buffer(in, want);
        p.steps.push_back(crop);
        buf = crop.output;
      }
      run.inputs.push_back(buf);
      run.geometry.inputs.push_back(Shape{want.rows(), want.cols(), g.shape(in).c});
    }
    run.geometry.output = Shape{out.rows(), out.cols(), g.shape(op.output).c};
    if (is_window_op(op.type)) run.geometry.pad = window_input(op, out, g.shape(op.inputs[0])).pad;
    for (int b : run.inputs) use(b);
    run.output = new_buffer(op.output, out);
    buffer_of[op.output] = run.output;
    {
      // MACs of this op on the patch: the whole-op figure scaled by output elements.
      const Shape& full = g.shape(op.output);
      const int64_t full_macs = g.op_stats(i).macs;
      run.macs = full_macs * int64_t(out.rows()) * out.cols() / (int64_t(full.h) * full.w);
    }
    p.steps.push_back(run);
  }

  // Depthwise convolutions (and other in-place-safe ops) whose input dies with them write
  // their output over the input, as the layer-by-layer plan does.
  for (size_t k = 0; k < p.steps.size(); ++k) {
    PatchStep& st = p.steps[k];
    if (st.kind != PatchStep::Kind::Run || st.inputs.size() != 1 || st.inputs[0] < 0) continue;
    const Op& op = g.ops[st.op];
    if (!op_can_run_in_place(op)) continue;
    const int in = st.inputs[0];
    if (p.buffers[in].last_step != int(k) || p.buffers[in].tensor == g.input) continue;
    p.buffers[st.output].alias = in;
  }
  // Kernel scratch per Run step, for the in-place form where the step runs in place.
  for (auto& st : p.steps) {
    if (st.kind != PatchStep::Kind::Run) continue;
    const bool in_place = p.buffers[st.output].alias >= 0;
    st.scratch_bytes = op_scratch_bytes(g.ops[st.op], st.geometry, opt.dtype, opt.impl, in_place);
    p.scratch_bytes = std::max(p.scratch_bytes, st.scratch_bytes);
  }

  PatchStep store;
  store.kind = PatchStep::Kind::Store;
  store.inputs = {buffer_of[split_tensor]};
  store.src_region = out_region;
  store.src_buffer_region = out_region;
  store.channels = g.shape(split_tensor).c;
  use(buffer_of[split_tensor]);
  p.steps.push_back(store);
  return p;
}

/// The ops after `split` as a graph whose input is the split tensor.
Graph later_graph(const Graph& g, int split) {
  Graph out;
  out.quantized = g.quantized;
  out.meta = g.meta;
  std::vector<int> remap(g.tensors.size(), -1);
  auto map_tensor = [&](int t) {
    if (remap[t] < 0) {
      remap[t] = int(out.tensors.size());
      out.tensors.push_back(g.tensors[t]);
      out.tensors.back().producer = -1;
    }
    return remap[t];
  };
  out.input = map_tensor(g.ops[split].output);
  for (size_t i = split + 1; i < g.ops.size(); ++i) {
    Op op = g.ops[i];
    for (int& t : op.inputs) t = map_tensor(t);
    op.output = map_tensor(op.output);
    out.tensors[op.output].producer = int(out.ops.size());
    out.ops.push_back(std::move(op));
  }
  for (const auto& o : g.outputs) out.outputs.push_back(GraphOutput{o.name, map_tensor(o.tensor)});
  out.validate();
  return out;
}

/// Plans one (split, n) candidate completely.
PatchPlan plan_candidate(const Graph& g, int split, int n, const PatchPlanOptions& opt,
                         size_t layer_by_layer_bytes) {
  PatchPlan plan;
  plan.split_op = split;
  plan.split_tensor = g.ops[split].output;
  plan.patches = n;
  plan.layer_by_layer_bytes = layer_by_layer_bytes;

  const Shape& s = g.shape(plan.split_tensor);
  const auto rows = split_evenly(s.h, n);
  const auto cols = split_evenly(s.w, n);
  for (const auto& r : rows)
    for (const auto& c : cols)
      plan.programs.push_back(build_program(g, split, Region{r.first, r.second, c.first, c.second}, opt));

  plan.later = later_graph(g, split);
  plan.later_plan = plan_arena(plan.later, opt.dtype, opt.impl, opt.alignment);
  plan.split_bytes = size_t(s.elements()) * size_t(dtype_bytes(opt.dtype));
  plan.input_in_arena = opt.input_in_arena;
  for (const auto& p : plan.programs) plan.scratch_bytes = std::max(plan.scratch_bytes, p.scratch_bytes);

  // Both phases in one arena: the smallest of a few layouts (patch_arena.h).
  JointPlacement best;
  for (const PhaseLayout& layout : candidate_layouts(g, plan, opt)) {
    JointPlacement cand = place_jointly(g, plan, layout, opt);
    if (best.arena_bytes == 0 || cand.arena_bytes < best.arena_bytes) best = std::move(cand);
  }
  apply_placement(best, plan);
  for (size_t i = 0; i <= size_t(split); ++i) plan.stage_macs += g.op_stats(int(i)).macs;
  for (const auto& p : plan.programs)
    for (const auto& st : p.steps) plan.stage_macs_patched += st.macs;
  plan.total_macs = g.total_stats().macs - plan.stage_macs + plan.stage_macs_patched;
  return plan;
}

int resolve_split(const Graph& g, const std::string& name) {
  int s = g.find_op(name);
  if (s < 0) {
    const int t = g.find_tensor(name);
    if (t >= 0) s = g.tensors[t].producer;
  }
  if (s < 0) throw std::invalid_argument("patch executor: split '" + name + "' names no op or tensor of the graph");
  if (!is_valid_split(g, s))
    throw std::invalid_argument("patch executor: split '" + name +
                                "' is not a valid cut (the stage before it must be convolutions, "
                                "pools and elementwise ops only, with only its output used later)");
  return s;
}

/// The fixed buffers of the patch phase and the buffers of the patch reaching highest.
std::string describe_patch_phase(const Graph& g, const PatchPlan& plan) {
  std::ostringstream os;
  size_t top = 0, top_end = 0;
  for (size_t k = 0; k < plan.programs.size(); ++k)
    for (const auto& b : plan.programs[k].buffers)
      if (b.offset + b.bytes > top_end) {
        top_end = b.offset + b.bytes;
        top = k;
      }
  const size_t elem = plan.split_bytes / size_t(g.shape(plan.split_tensor).elements());
  os << "patch phase: split tensor at " << plan.split_offset << " (" << plan.split_bytes << " B)";
  if (plan.input_in_arena)
    os << ", input at " << plan.input_offset << " (" << size_t(g.input_shape().elements()) * elem << " B)";
  os << ", largest step scratch " << plan.scratch_bytes << " B\n";
  const auto& p = plan.programs[top];
  os << "  patch " << top << " [" << p.output_region.r0 << "," << p.output_region.r1 << ")x["
     << p.output_region.c0 << "," << p.output_region.c1 << ") reaches " << top_end << " B:\n";
  char line[256];
  for (size_t j = 0; j < p.buffers.size(); ++j) {
    const auto& b = p.buffers[j];
    std::snprintf(line, sizeof line, "    buf %2zu %-28s %3dx%-3d x%-4d %8zu B at %8zu  steps %2d..%-2d%s\n", j,
                  g.tensors[size_t(b.tensor)].name.substr(0, 28).c_str(), b.region.rows(), b.region.cols(),
                  g.shape(b.tensor).c, b.bytes, b.offset, b.first_step, b.last_step,
                  b.alias >= 0 ? (" in place of " + std::to_string(b.alias)).c_str() : "");
    os << line;
  }
  return os.str();
}

}  // namespace

std::vector<int> storage_roots(const PatchProgram& p, std::vector<BufferLifetime>* storage) {
  std::vector<int> root(p.buffers.size());
  storage->assign(p.buffers.size(), BufferLifetime{0, 0, 0});
  for (size_t j = 0; j < p.buffers.size(); ++j) {
    const auto& b = p.buffers[j];
    root[j] = b.alias >= 0 ? root[size_t(b.alias)] : int(j);
    auto& c = (*storage)[size_t(root[j])];
    if (root[j] == int(j)) {
      c = {b.bytes, b.first_step, b.last_step};
    } else {
      c.size = std::max(c.size, b.bytes);
      c.last_use = std::max(c.last_use, b.last_step);
    }
  }
  return root;
}

size_t working_set_bytes(const PatchProgram& p) {
  std::vector<BufferLifetime> storage;
  const std::vector<int> root = storage_roots(p, &storage);
  size_t most = 0;
  for (int t = 0; t < int(p.steps.size()); ++t) {
    size_t live = p.steps[size_t(t)].scratch_bytes;
    for (size_t j = 0; j < root.size(); ++j)
      if (root[j] == int(j) && storage[j].first_use <= t && t <= storage[j].last_use) live += storage[j].size;
    most = std::max(most, live);
  }
  return most;
}

bool is_valid_split(const Graph& g, int s) {
  if (s < 0 || s + 1 >= int(g.ops.size())) return false;
  std::vector<char> in_stage(g.tensors.size(), 0);
  in_stage[g.input] = 1;
  for (int i = 0; i <= s; ++i) {
    if (!is_spatially_local(g.ops[i].type)) return false;
    in_stage[g.ops[i].output] = 1;
  }
  const int split_tensor = g.ops[s].output;
  for (size_t i = s + 1; i < g.ops.size(); ++i)
    for (int t : g.ops[i].inputs)
      if (in_stage[t] && t != split_tensor) return false;
  for (const auto& o : g.outputs)
    if (in_stage[o.tensor] && o.tensor != split_tensor) return false;
  // A stage op whose output nothing downstream needs would be skipped per patch; such a
  // cut is legal but pointless, so it is allowed.
  return true;
}

PatchPlan plan_patches(const Graph& g, const PatchPlanOptions& opt) {
  if (opt.dtype == DType::Int8 && !g.quantized)
    throw std::invalid_argument("patch executor: int8 needs a quantised graph");
  if (opt.patches != 0 && (opt.patches < 1 || opt.patches > 16))
    throw std::invalid_argument("patch executor: patches must be 1..16 (got " +
                                std::to_string(opt.patches) + ")");
  const size_t lbl = plan_arena(g, opt.dtype, opt.impl, opt.alignment).arena_bytes;

  std::vector<int> splits;
  if (!opt.split.empty()) {
    splits.push_back(resolve_split(g, opt.split));
  } else {
    for (int s = 0; s + 1 < int(g.ops.size()); ++s)
      if (is_valid_split(g, s)) splits.push_back(s);
    if (splits.empty())
      throw std::invalid_argument("patch executor: the graph has no valid split point");
  }
  std::vector<int> grids;
  if (opt.patches != 0) grids.push_back(opt.patches);
  else grids = {2, 3, 4};

  // Lowest peak wins, among plans whose halo recomputation stays within the MAC budget
  // (all plans compete when none does). Among peaks within 1% of each other the earliest
  // split and the smallest grid win, since they recompute the fewest halo MACs. This
  // realises "the earliest point after which the peak is no longer set by the first
  // stage": cutting later only adds recomputation once the later layers set the peak.
  PatchPlan best;
  bool have = false, best_in_budget = false;
  for (int s : splits) {
    const Shape& st = g.shape(g.ops[s].output);
    for (int n : grids) {
      if (n > st.h || n > st.w) {
        if (!opt.split.empty())
          throw std::invalid_argument("patch executor: " + std::to_string(n) + "x" +
                                      std::to_string(n) + " patches do not fit the " +
                                      std::to_string(st.h) + "x" + std::to_string(st.w) +
                                      " split tensor");
        continue;
      }
      PatchPlan cand = plan_candidate(g, s, n, opt, lbl);
      const bool in_budget = cand.mac_overhead_percent() <= opt.max_mac_overhead_percent;
      const bool better =
          !have || (in_budget && !best_in_budget) ||
          (in_budget == best_in_budget && double(cand.arena_bytes) < 0.99 * double(best.arena_bytes));
      if (better) {
        best = std::move(cand);
        best_in_budget = in_budget;
        have = true;
      }
    }
  }
  if (!have) throw std::invalid_argument("patch executor: no split/grid fits the graph");
  return best;
}

std::string describe(const Graph& g, const PatchPlan& plan, bool detailed) {
  std::ostringstream os;
  const Shape& s = g.shape(plan.split_tensor);
  const Shape& in = g.input_shape();
  const bool bottom_up = !plan.program_order.empty() && plan.program_order.front() != 0;
  os << "patch-based plan (MCUNetV2)\n"
     << "  split: after op " << plan.split_op << " '" << g.ops[size_t(plan.split_op)].name << "' -> "
     << s.h << "x" << s.w << "x" << s.c << " (" << plan.split_bytes << " B, stride " << in.h / s.h << ")\n"
     << "  patches: " << plan.patches << "x" << plan.patches << " (rows run "
     << (bottom_up ? "bottom to top" : "top to bottom") << ")\n"
     << "  input: "
     << (plan.input_in_arena ? "in the arena, freed row by row as the patches pass"
                             : "external (read patch by patch from the caller's buffer)")
     << "\n"
     << "  arena: " << plan.arena_bytes << " B (lower bound " << plan.lower_bound_bytes << " B)\n"
     << "    patch phase: " << plan.patch_phase_bytes << " B\n"
     << "    later phase: " << plan.later_phase_bytes << " B\n"
     << "  layer-by-layer: " << plan.layer_by_layer_bytes << " B\n";
  os.setf(std::ios::fixed);
  os.precision(2);
  os << "  reduction: " << plan.reduction_factor() << "x\n"
     << "  halo MAC overhead: " << plan.mac_overhead_percent() << " % (" << plan.total_macs
     << " MACs per inference; stage " << plan.stage_macs_patched << " patched vs " << plan.stage_macs
     << " whole-image)\n";
  size_t largest = 0;
  for (const auto& p : plan.programs) largest = std::max(largest, working_set_bytes(p));
  os << "  patch working set: up to " << largest << " B live at one step (one patch's buffers and scratch)\n";
  if (detailed) {
    ArenaPlan later = plan.later_plan;  // shown at its offsets in this arena
    for (size_t t = 0; t < later.tensor_offset.size(); ++t)
      if (later.tensor_buffer[t] >= 0) later.tensor_offset[t] = plan.later_tensor_offset(int(t));
    for (size_t i = 0; i < later.op_scratch_offset.size(); ++i) later.op_scratch_offset[i] = plan.later_scratch_offset(int(i));
    os << describe_patch_phase(g, plan) << "later phase (offsets in this arena; its own plan's totals):\n"
       << format_plan(plan.later, later);
  }
  return os.str();
}

}  // namespace tinydet::patch
