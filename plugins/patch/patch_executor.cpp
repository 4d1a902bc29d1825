// The `patch` executor plugin: MCUNetV2-style patch-based inference of any graph.
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "patch_plan.h"
#include "tinydet/executor.h"
#include "tinydet/plugin.h"

namespace tinydet::patch {

namespace {

int parse_int_setting(const ExecutorOptions& opt, const std::string& key, int fallback) {
  auto it = opt.settings.find(key);
  if (it == opt.settings.end() || it->second.empty() || it->second == "auto") return fallback;
  try {
    size_t used = 0;
    const int v = std::stoi(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing characters");
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument("patch executor: setting '" + key + "' must be an integer or 'auto' (got '" +
                                it->second + "')");
  }
}

struct AlignedDelete {
  void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t(64)); }
};

/// Copies window `want` (tensor coordinates) out of a buffer holding region `have`.
void copy_window(const uint8_t* src, const Region& have, uint8_t* dst, const Region& want,
                 int channels, size_t elem, int dst_row_width, int dst_c0, int dst_r0) {
  const size_t px = size_t(channels) * elem;
  const size_t row_bytes = size_t(want.cols()) * px;
  for (int r = want.r0; r < want.r1; ++r) {
    const uint8_t* s = src + (size_t(r - have.r0) * have.cols() + size_t(want.c0 - have.c0)) * px;
    uint8_t* d = dst + (size_t(r - dst_r0) * dst_row_width + size_t(want.c0 - dst_c0)) * px;
    std::memcpy(d, s, row_bytes);
  }
}

}  // namespace

class PatchExecutor final : public Executor {
 public:
  void prepare(const Graph& g, DType dtype, const ExecutorOptions& opt) override {
    for (const auto& [key, value] : opt.settings)
      if (key != "patches" && key != "split" && key != "input")
        throw std::invalid_argument("patch executor: unknown setting '" + key +
                                    "' (known: patches, split, input)");
    graph_ = g;
    dtype_ = dtype;
    PatchPlanOptions po;
    po.patches = parse_int_setting(opt, "patches", 0);
    if (auto it = opt.settings.find("split"); it != opt.settings.end() && it->second != "auto")
      po.split = it->second;
    if (auto it = opt.settings.find("input"); it != opt.settings.end()) {
      if (it->second != "arena" && it->second != "external")
        throw std::invalid_argument("patch executor: setting 'input' must be 'arena' or 'external' (got '" +
                                    it->second + "')");
      po.input_in_arena = it->second == "arena";
    }
    po.dtype = dtype;
    po.impl = opt.impl;
    plan_ = plan_patches(graph_, po);
    input_in_arena_ = po.input_in_arena;
    {
      // The other input placement's arena, for comparisons with MCUNetV2's accounting.
      PatchPlanOptions other = po;
      other.input_in_arena = !po.input_in_arena;
      other.patches = plan_.patches;
      other.split = graph_.ops[plan_.split_op].name;
      other_arena_bytes_ = plan_patches(graph_, other).arena_bytes;
    }
    ctx_.impl = opt.impl;
    ctx_.threads = opt.threads;
    if (dtype == DType::Int8) {
      stage_params_.clear();
      for (int i = 0; i <= plan_.split_op; ++i) stage_params_.push_back(prepare_int8(graph_, i));
      later_params_.clear();
      for (size_t i = 0; i < plan_.later.ops.size(); ++i)
        later_params_.push_back(prepare_int8(plan_.later, int(i)));
    }
    later_geometry_.clear();
    for (size_t i = 0; i < plan_.later.ops.size(); ++i)
      later_geometry_.push_back(geometry_of(plan_.later, int(i)));
    arena_.reset(static_cast<uint8_t*>(::operator new[](std::max<size_t>(plan_.arena_bytes, 1),
                                                          std::align_val_t(64))));
    high_water_ = 0;
    recorded_ = false;
  }

  void invoke(const void* input) override {
    if (!arena_) throw std::logic_error("patch executor: invoke before prepare");
    const bool record = !recorded_;
    constexpr uint8_t kSentinel = 0xA5;
    if (record) std::memset(arena_.get(), kSentinel, plan_.arena_bytes);
    run(input);
    if (record) {
      size_t hw = plan_.arena_bytes;
      while (hw > 0 && arena_.get()[hw - 1] == kSentinel) --hw;
      high_water_ = hw;
      recorded_ = true;
    }
  }

  const void* output(int i) const override {
    const int t = plan_.later.outputs.at(i).tensor;
    return arena_.get() + plan_.later_plan.tensor_offset.at(t);
  }

  MemoryReport memory() const override {
    MemoryReport m;
    m.arena_bytes = plan_.arena_bytes;
    m.arena_lower_bound_bytes = plan_.lower_bound_bytes;
    size_t scratch = plan_.later_plan.scratch_bytes;
    for (const auto& p : plan_.programs) scratch = std::max(scratch, p.scratch_bytes);
    m.scratch_bytes = scratch;
    m.flash_bytes = size_t(graph_.total_stats().weight_bytes);
    m.high_water_bytes = high_water_;
    m.macs = plan_.total_macs;
    m.extra = {{"patches", double(plan_.patches)},
               {"split_op", double(plan_.split_op)},
               {"patch_phase_bytes", double(plan_.patch_phase_bytes)},
               {"later_phase_bytes", double(plan_.later_phase_bytes)},
               {"layer_by_layer_bytes", double(plan_.layer_by_layer_bytes)},
               {"reduction_factor", plan_.reduction_factor()},
               {"mac_overhead_percent", plan_.mac_overhead_percent()},
               {"input_in_arena", input_in_arena_ ? 1.0 : 0.0},
               {input_in_arena_ ? "arena_bytes_input_external" : "arena_bytes_input_in_arena",
                double(other_arena_bytes_)}};
    return m;
  }

  std::string describe_plan() const override { return describe(graph_, plan_); }

 private:
  void run(const void* input) {
    uint8_t* a = arena_.get();
    const size_t elem = size_t(dtype_bytes(dtype_));
    const Shape& in_shape = graph_.input_shape();
    const uint8_t* full_input = static_cast<const uint8_t*>(input);
    if (input_in_arena_) {
      std::memcpy(a + plan_.input_offset, input, size_t(in_shape.elements()) * elem);
      full_input = a + plan_.input_offset;
    }
    const Region whole_input{0, in_shape.h, 0, in_shape.w};
    const Shape& split_shape = graph_.shape(plan_.split_tensor);

    KernelContext ctx = ctx_;
    ctx.scratch = plan_.scratch_bytes ? a + plan_.scratch_offset : nullptr;
    ctx.scratch_bytes = plan_.scratch_bytes;
    for (const auto& p : plan_.programs) {
      for (const auto& st : p.steps) {
        switch (st.kind) {
          case PatchStep::Kind::Crop: {
            const uint8_t* src = st.inputs[0] < 0 ? full_input : a + p.buffers[st.inputs[0]].offset;
            const Region have = st.inputs[0] < 0 ? whole_input : p.buffers[st.inputs[0]].region;
            copy_window(src, have, a + p.buffers[st.output].offset, st.src_region, st.channels,
                        elem, st.src_region.cols(), st.src_region.c0, st.src_region.r0);
            break;
          }
          case PatchStep::Kind::Run: {
            const void* ins[4] = {nullptr, nullptr, nullptr, nullptr};
            std::vector<const void*> many;
            const void* const* in_ptrs = ins;
            if (st.inputs.size() > 4) {
              for (int b : st.inputs) many.push_back(a + p.buffers[b].offset);
              in_ptrs = many.data();
            } else {
              for (size_t k = 0; k < st.inputs.size(); ++k) ins[k] = a + p.buffers[st.inputs[k]].offset;
            }
            run_op(graph_.ops[st.op], st.geometry, dtype_, in_ptrs, a + p.buffers[st.output].offset,
                   ctx, dtype_ == DType::Int8 ? &stage_params_[st.op] : nullptr);
            break;
          }
          case PatchStep::Kind::Store:
            copy_window(a + p.buffers[st.inputs[0]].offset, p.buffers[st.inputs[0]].region,
                        a + plan_.split_offset, st.src_region, st.channels, elem, split_shape.w,
                        0, 0);
            break;
        }
      }
    }

    const Graph& later = plan_.later;
    const ArenaPlan& lp = plan_.later_plan;
    std::vector<const void*> ins;
    for (size_t i = 0; i < later.ops.size(); ++i) {
      const Op& op = later.ops[i];
      ins.clear();
      for (int t : op.inputs) ins.push_back(a + lp.tensor_offset[t]);
      KernelContext c = ctx_;
      c.scratch = lp.op_scratch_size.empty() || lp.op_scratch_size[i] == 0 ? nullptr : a + lp.op_scratch_offset[i];
      c.scratch_bytes = lp.op_scratch_size.empty() ? 0 : lp.op_scratch_size[i];
      run_op(op, later_geometry_[i], dtype_, ins.data(), a + lp.tensor_offset[op.output], c,
             dtype_ == DType::Int8 ? &later_params_[i] : nullptr);
    }
  }

  Graph graph_;
  DType dtype_ = DType::Int8;
  PatchPlan plan_;
  KernelContext ctx_;
  std::vector<Int8OpParams> stage_params_, later_params_;
  std::vector<OpGeometry> later_geometry_;
  std::unique_ptr<uint8_t[], AlignedDelete> arena_;
  size_t high_water_ = 0;
  bool recorded_ = false;
  bool input_in_arena_ = true;
  size_t other_arena_bytes_ = 0;
};

}  // namespace tinydet::patch

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_EXECUTOR, tinydet::Executor, tinydet::patch::PatchExecutor,
                       "patch", "1.0.0",
                       "MCUNetV2 patch-based inference: first stage patch by patch, bit-exact, lower peak RAM")
