// The `patch` executor plugin: MCUNetV2-style patch-based inference of any graph.
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "patch_plan.h"
#include "patch_run.h"
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
      // The other input placement's best plan (same settings), for comparisons between
      // TFLite Micro's accounting (input in the arena) and MCUNetV2's (input external).
      PatchPlanOptions other = po;
      other.input_in_arena = !po.input_in_arena;
      const PatchPlan other_plan = plan_patches(graph_, other);
      other_arena_bytes_ = other_plan.arena_bytes;
      char line[256];
      std::snprintf(line, sizeof line, "  input %s instead: %zu B arena (%.2fx), split after '%s', %dx%d patches\n",
                    po.input_in_arena ? "external" : "in the arena", other_plan.arena_bytes,
                    other_plan.reduction_factor(), graph_.ops[size_t(other_plan.split_op)].name.c_str(),
                    other_plan.patches, other_plan.patches);
      other_summary_ = line;
    }
    ctx_.impl = opt.impl;
    ctx_.threads = opt.threads;
    kernels_ = prepare_kernels(graph_, plan_, dtype);
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
    run_patch_plan(graph_, plan_, dtype_, kernels_, ctx_, arena_.get(), input);
    if (record) {
      size_t hw = plan_.arena_bytes;
      while (hw > 0 && arena_.get()[hw - 1] == kSentinel) --hw;
      high_water_ = hw;
      recorded_ = true;
    }
  }

  const void* output(int i) const override {
    const int t = plan_.later.outputs.at(i).tensor;
    return arena_.get() + plan_.later_tensor_offset(t);
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

  std::string describe_plan() const override { return describe(graph_, plan_) + other_summary_; }

 private:
  Graph graph_;
  DType dtype_ = DType::Int8;
  PatchPlan plan_;
  KernelContext ctx_;
  PreparedKernels kernels_;
  std::unique_ptr<uint8_t[], AlignedDelete> arena_;
  size_t high_water_ = 0;
  bool recorded_ = false;
  bool input_in_arena_ = true;
  size_t other_arena_bytes_ = 0;
  std::string other_summary_;
};

}  // namespace tinydet::patch

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_EXECUTOR, tinydet::Executor, tinydet::patch::PatchExecutor,
                       "patch", "1.0.0",
                       "MCUNetV2 patch-based inference: first stage patch by patch, bit-exact, lower peak RAM")
