// LayerRunner: prepare (plan, one arena, int8 params) and invoke (run_op at the planned
// offsets), plus the arena checks used by tests and the recording mode.
#include "tinydet/layer_runner.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tinydet {

void LayerRunner::prepare(const Graph& g, DType dtype, KernelImpl impl, int threads, size_t alignment) {
  if (threads < 1) throw std::invalid_argument("LayerRunner: threads must be >= 1, got " + std::to_string(threads));
  g.validate();
  if (dtype == DType::Int8 && !g.quantized)
    throw std::invalid_argument("LayerRunner: an int8 run needs a quantised graph (run quantize())");
  for (const Op& op : g.ops)
    if (op.type == OpType::BatchNorm || op.type == OpType::Dropout)
      throw std::invalid_argument("LayerRunner: op '" + op.name + "' (" + op_type_name(op.type) +
                                  ") is training-only: pass fold_for_inference(graph)");
  prepared_ = false;
  graph_ = g;
  dtype_ = dtype;
  impl_ = impl;
  threads_ = threads;
  plan_ = plan_arena(graph_, dtype, impl, alignment, threads);
  geometry_.clear();
  int8_params_.clear();
  size_t max_inputs = 1;
  for (int i = 0; i < int(graph_.ops.size()); ++i) {
    geometry_.push_back(geometry_of(graph_, i));
    if (dtype == DType::Int8) int8_params_.push_back(prepare_int8(graph_, i));
    max_inputs = std::max(max_inputs, graph_.ops[size_t(i)].inputs.size());
  }
  input_ptrs_.assign(max_inputs, nullptr);
  arena_ = Arena(plan_.arena_bytes, 64);
  // A defined starting state (and no uninitialised reads in tools like valgrind).
  if (arena_.size() > 0) std::memset(arena_.data(), 0, arena_.size());
  recorded_runs_ = 0;
  high_water_ = 0;
  prepared_ = true;
}

void LayerRunner::copy_input(const void* input) {
  if (!prepared_) throw std::logic_error("LayerRunner: invoke before prepare");
  if (!input) throw std::invalid_argument("LayerRunner: null input");
  const int in = graph_.input;
  std::memcpy(arena_.data() + plan_.tensor_offset[size_t(in)], input, plan_.tensor_bytes[size_t(in)]);
}

void LayerRunner::run_one(int i) {
  const Op& op = graph_.ops[size_t(i)];
  uint8_t* base = arena_.data();
  for (size_t k = 0; k < op.inputs.size(); ++k)
    input_ptrs_[k] = base + plan_.tensor_offset[size_t(op.inputs[k])];
  void* out = base + plan_.tensor_offset[size_t(op.output)];
  KernelContext ctx;
  ctx.impl = impl_;
  ctx.threads = threads_;
  ctx.scratch_bytes = plan_.op_scratch_size[size_t(i)];
  ctx.scratch = ctx.scratch_bytes > 0 ? base + plan_.op_scratch_offset[size_t(i)] : nullptr;
  run_op(op, geometry_[size_t(i)], dtype_, input_ptrs_.data(), out, ctx,
         dtype_ == DType::Int8 ? &int8_params_[size_t(i)] : nullptr);
}

void LayerRunner::invoke(const void* input) { invoke(input, OpObserver()); }

void LayerRunner::invoke(const void* input, const OpObserver& after_each_op) {
  const uint8_t mask = (recorded_runs_ % 2) ? 0xFF : 0x00;
  const bool record = recording_ && prepared_ && (record_limit_ == 0 || recorded_runs_ < record_limit_);
  if (record) fill_sentinel(arena_.data(), 0, arena_.size(), mask);
  copy_input(input);
  for (int i = 0; i < int(graph_.ops.size()); ++i) {
    run_one(i);
    if (after_each_op)
      after_each_op(i, arena_.data() + plan_.tensor_offset[size_t(graph_.ops[size_t(i)].output)]);
  }
  if (record) {
    high_water_ = std::max(high_water_, sentinel_high_water(arena_.data(), arena_.size(), mask));
    ++recorded_runs_;
  }
}

const void* LayerRunner::output(int i) const {
  if (!prepared_) throw std::logic_error("LayerRunner: output before prepare");
  if (i < 0 || i >= int(graph_.outputs.size()))
    throw std::out_of_range("LayerRunner: no graph output " + std::to_string(i));
  return arena_.data() + plan_.tensor_offset[size_t(graph_.outputs[size_t(i)].tensor)];
}

ArenaCheck LayerRunner::check_arena(const void* input) {
  ArenaCheck result;
  uint8_t* a = arena_.data();
  const size_t n = arena_.size();
  // 1. High water: two plain runs over complementary sentinels.
  for (uint8_t mask : {uint8_t(0x00), uint8_t(0xFF)}) {
    fill_sentinel(a, 0, n, mask);
    copy_input(input);
    for (int i = 0; i < int(graph_.ops.size()); ++i) run_one(i);
    result.high_water_bytes = std::max(result.high_water_bytes, sentinel_high_water(a, n, mask));
  }
  // 2. Op by op: everything but the buffers holding live data is reset to the sentinel,
  // then any byte the op changes must lie in its output buffer or its scratch.
  const size_t n_buffers = plan_.buffer_bytes.size();
  std::vector<char> written(n_buffers, 0);
  std::vector<uint8_t> before(n);
  fill_sentinel(a, 0, n, 0x5A);
  copy_input(input);
  written[size_t(plan_.tensor_buffer[size_t(graph_.input)])] = 1;
  for (int i = 0; i < int(graph_.ops.size()); ++i) {
    std::memcpy(before.data(), a, n);
    fill_sentinel(a, 0, n, 0x5A);
    for (size_t b = 0; b < n_buffers; ++b)
      if (written[b] && plan_.buffer_last_use[b] >= i)
        std::memcpy(a + plan_.buffer_offset[b], before.data() + plan_.buffer_offset[b], plan_.buffer_bytes[b]);
    std::memcpy(before.data(), a, n);
    run_one(i);
    const Op& op = graph_.ops[size_t(i)];
    const int out_buffer = plan_.tensor_buffer[size_t(op.output)];
    const size_t out_begin = plan_.buffer_offset[size_t(out_buffer)];
    const size_t out_end = out_begin + plan_.buffer_bytes[size_t(out_buffer)];
    const size_t s_begin = plan_.op_scratch_offset[size_t(i)];
    const size_t s_end = s_begin + plan_.op_scratch_size[size_t(i)];
    for (size_t k = 0; k < n; ++k) {
      if (a[k] == before[k]) continue;
      if ((k >= out_begin && k < out_end) || (k >= s_begin && k < s_end)) continue;
      result.violations.push_back("op " + std::to_string(i) + " '" + op.name + "' wrote arena byte " +
                                  std::to_string(k) + " outside its output [" + std::to_string(out_begin) +
                                  ", " + std::to_string(out_end) + ") and scratch [" +
                                  std::to_string(s_begin) + ", " + std::to_string(s_end) + ")");
      break;
    }
    written[size_t(out_buffer)] = 1;
  }
  return result;
}

}  // namespace tinydet
