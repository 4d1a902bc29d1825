// plan_arena: tensor lifetimes, in-place reuse and per-op scratch of a graph run layer by
// layer, placed in one arena by the greedy planner. format_plan: the readable layer table.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "tinydet/planner.h"

namespace tinydet {

namespace {

bool is_graph_output(const Graph& g, int t) {
  for (const auto& o : g.outputs)
    if (o.tensor == t) return true;
  return false;
}

// Places `ids` of `buffers` with a fresh greedy planner; returns the arena size and
// writes the offsets of those buffers.
size_t place(const std::vector<BufferLifetime>& buffers, const std::vector<int>& ids,
             size_t alignment, std::vector<size_t>* offsets) {
  auto planner = make_greedy_planner(alignment);
  for (int id : ids) {
    const auto& b = buffers[size_t(id)];
    planner->add_buffer(b.size, b.first_use, b.last_use);
  }
  const size_t arena = planner->arena_size();
  if (offsets)
    for (size_t k = 0; k < ids.size(); ++k) (*offsets)[size_t(ids[k])] = planner->offset(int(k));
  return arena;
}

}  // namespace

ArenaPlan plan_arena(const Graph& g, DType dtype, KernelImpl impl, size_t alignment) {
  return plan_arena(g, dtype, impl, alignment, 2);
}

ArenaPlan plan_arena(const Graph& g, DType dtype, KernelImpl impl, size_t alignment, int threads) {
  g.validate();
  const int n_ops = int(g.ops.size());
  const int n_tensors = int(g.tensors.size());
  const int end = std::max(0, n_ops - 1);
  const size_t elem = size_t(dtype_bytes(dtype));

  // Tensor lifetimes in op indices.
  std::vector<int> first_use(size_t(n_tensors), -1), last_use(size_t(n_tensors), -1);
  first_use[size_t(g.input)] = 0;
  for (int i = 0; i < n_ops; ++i) {
    const Op& op = g.ops[size_t(i)];
    first_use[size_t(op.output)] = i;
    for (int t : op.inputs) last_use[size_t(t)] = std::max(last_use[size_t(t)], i);
  }
  for (const auto& o : g.outputs) last_use[size_t(o.tensor)] = end;
  for (int t = 0; t < n_tensors; ++t)
    if (first_use[size_t(t)] >= 0) last_use[size_t(t)] = std::max(last_use[size_t(t)], first_use[size_t(t)]);

  ArenaPlan plan;
  plan.alignment = alignment;
  plan.tensor_offset.assign(size_t(n_tensors), 0);
  plan.tensor_bytes.assign(size_t(n_tensors), 0);
  plan.tensor_buffer.assign(size_t(n_tensors), -1);
  plan.op_scratch_offset.assign(size_t(n_ops), 0);
  plan.op_scratch_size.assign(size_t(n_ops), 0);
  plan.op_scratch_buffer.assign(size_t(n_ops), -1);
  plan.op_in_place.assign(size_t(n_ops), 0);
  plan.live_bytes_at_op.assign(size_t(n_ops), 0);
  for (int t = 0; t < n_tensors; ++t)
    plan.tensor_bytes[size_t(t)] = size_t(g.tensors[size_t(t)].shape.elements()) * elem;

  // Tensor buffers: one per tensor, except that an in-place op's output joins its input's
  // buffer (which then lives as long as the output and is as large as the larger).
  std::vector<BufferLifetime> buffers;
  auto new_buffer = [&](int t) {
    buffers.push_back({plan.tensor_bytes[size_t(t)], first_use[size_t(t)], last_use[size_t(t)]});
    plan.tensor_buffer[size_t(t)] = int(buffers.size()) - 1;
  };
  new_buffer(g.input);
  for (int i = 0; i < n_ops; ++i) {
    const Op& op = g.ops[size_t(i)];
    const int out = op.output;
    bool in_place = false;
    if (op.inputs.size() == 1 && op_can_run_in_place(op)) {
      const int in = op.inputs[0];
      in_place = last_use[size_t(in)] == i && !is_graph_output(g, in);
    }
    if (in_place) {
      const int b = plan.tensor_buffer[size_t(op.inputs[0])];
      buffers[size_t(b)].size = std::max(buffers[size_t(b)].size, plan.tensor_bytes[size_t(out)]);
      buffers[size_t(b)].last_use = std::max(buffers[size_t(b)].last_use, last_use[size_t(out)]);
      plan.tensor_buffer[size_t(out)] = b;
      plan.op_in_place[size_t(i)] = 1;
    } else {
      new_buffer(out);
    }
  }
  const int n_tensor_buffers = int(buffers.size());

  // Scratch: one buffer per op that needs it, live for that op only.
  for (int i = 0; i < n_ops; ++i) {
    const Op& op = g.ops[size_t(i)];
    const OpGeometry geo = geometry_of(g, i);
    const size_t s = op_scratch_bytes(op, geo, dtype, impl, plan.op_in_place[size_t(i)] != 0, threads);
    plan.op_scratch_size[size_t(i)] = s;
    plan.scratch_bytes = std::max(plan.scratch_bytes, s);
    if (s > 0) {
      buffers.push_back({s, i, i});
      plan.op_scratch_buffer[size_t(i)] = int(buffers.size()) - 1;
    }
  }

  // Activations alone, then everything together (the arena an executor allocates).
  std::vector<int> tensor_ids(static_cast<size_t>(n_tensor_buffers));
  std::vector<int> all_ids(buffers.size());
  for (size_t k = 0; k < all_ids.size(); ++k) all_ids[k] = int(k);
  std::copy_n(all_ids.begin(), n_tensor_buffers, tensor_ids.begin());
  std::vector<BufferLifetime> tensor_buffers(buffers.begin(), buffers.begin() + n_tensor_buffers);
  plan.activation_arena_bytes = place(buffers, tensor_ids, alignment, nullptr);
  plan.activation_lower_bound_bytes = arena_lower_bound(tensor_buffers);
  plan.buffer_offset.assign(buffers.size(), 0);
  plan.arena_bytes = place(buffers, all_ids, alignment, &plan.buffer_offset);
  plan.lower_bound_bytes = arena_lower_bound(buffers);

  for (const auto& b : buffers) {
    plan.buffer_bytes.push_back(b.size);
    plan.buffer_first_use.push_back(b.first_use);
    plan.buffer_last_use.push_back(b.last_use);
    for (int i = b.first_use; i <= b.last_use && i < n_ops; ++i) plan.live_bytes_at_op[size_t(i)] += b.size;
  }
  for (int t = 0; t < n_tensors; ++t)
    if (plan.tensor_buffer[size_t(t)] >= 0)
      plan.tensor_offset[size_t(t)] = plan.buffer_offset[size_t(plan.tensor_buffer[size_t(t)])];
  for (int i = 0; i < n_ops; ++i)
    if (plan.op_scratch_buffer[size_t(i)] >= 0)
      plan.op_scratch_offset[size_t(i)] = plan.buffer_offset[size_t(plan.op_scratch_buffer[size_t(i)])];
  size_t peak = 0;
  for (int i = 0; i < n_ops; ++i)
    if (plan.live_bytes_at_op[size_t(i)] > peak || plan.peak_op < 0) {
      peak = plan.live_bytes_at_op[size_t(i)];
      plan.peak_op = i;
    }
  return plan;
}

std::string format_plan(const Graph& g, const ArenaPlan& plan) {
  std::ostringstream os;
  auto shape_str = [](const Shape& s) {
    return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
  };
  char line[512];
  std::snprintf(line, sizeof line, "%4s  %-32s %-14s %-13s %10s %10s %8s %9s %10s\n", "op", "name",
                "type", "output", "out_bytes", "offset", "in_place", "scratch", "live");
  os << line;
  for (size_t i = 0; i < g.ops.size() && i < plan.live_bytes_at_op.size(); ++i) {
    const Op& op = g.ops[i];
    std::snprintf(line, sizeof line, "%4zu  %-32s %-14s %-13s %10zu %10zu %8s %9zu %10zu%s\n", i,
                  op.name.substr(0, 32).c_str(), op_type_name(op.type),
                  shape_str(g.shape(op.output)).c_str(), plan.tensor_bytes[size_t(op.output)],
                  plan.tensor_offset[size_t(op.output)], plan.op_in_place[i] ? "yes" : "",
                  plan.op_scratch_size[i], plan.live_bytes_at_op[i],
                  int(i) == plan.peak_op ? "  <- peak" : "");
    os << line;
  }
  if (plan.peak_op >= 0 && plan.peak_op < int(g.ops.size())) {
    // The tensors that set the peak: every tensor buffer alive at the peak op.
    os << "peak at op " << plan.peak_op << " (" << g.ops[size_t(plan.peak_op)].name << "), live:";
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      const int b = plan.tensor_buffer[t];
      if (b < 0) continue;
      const bool owner = plan.tensor_offset[t] == plan.buffer_offset[size_t(b)] &&
                         (g.tensors[t].producer < 0 ||
                          !plan.op_in_place[size_t(g.tensors[t].producer)]);
      if (owner && plan.buffer_first_use[size_t(b)] <= plan.peak_op &&
          plan.buffer_last_use[size_t(b)] >= plan.peak_op)
        os << " " << g.tensors[t].name << " (" << plan.buffer_bytes[size_t(b)] << " B)";
    }
    if (plan.op_scratch_size[size_t(plan.peak_op)] > 0)
      os << " + scratch " << plan.op_scratch_size[size_t(plan.peak_op)] << " B";
    os << "\n";
  }
  os << "activations: arena " << plan.activation_arena_bytes << " B, lower bound "
     << plan.activation_lower_bound_bytes << " B\n";
  os << "with scratch: arena " << plan.arena_bytes << " B, lower bound " << plan.lower_bound_bytes
     << " B, largest op scratch " << plan.scratch_bytes << " B\n";
  return os.str();
}

}  // namespace tinydet
