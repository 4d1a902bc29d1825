// The `layer` executor plugin: the default layer-by-layer schedule (TFLM-style), every op
// run in order inside one greedy-planned arena through the SDK's LayerRunner.
//
// Settings (ExecutorOptions::settings):
//   "record_high_water" = "1" (default) | "0": fill the arena with a sentinel before the
//     first two invokes and measure the high-water mark (exact after those two; later
//     invokes run at full speed, so latency measurements that warm up are unaffected).
//     With "0", high_water_bytes stays 0.
#include <sstream>
#include <stdexcept>

#include "tinydet/executor.h"
#include "tinydet/layer_runner.h"
#include "tinydet/plugin.h"

namespace {

using namespace tinydet;

class LayerExecutor final : public Executor {
 public:
  void prepare(const Graph& g, DType dtype, const ExecutorOptions& opt) override {
    bool record = true;
    for (const auto& [key, value] : opt.settings) {
      if (key == "record_high_water") {
        if (value != "0" && value != "1")
          throw std::invalid_argument("layer executor: setting 'record_high_water' must be 0 or 1, got '" +
                                      value + "'");
        record = value == "1";
      } else {
        throw std::invalid_argument("layer executor: unknown setting '" + key +
                                    "' (known: record_high_water)");
      }
    }
    runner_.prepare(g, dtype, opt.impl, opt.threads);
    runner_.set_recording(record);
  }

  void invoke(const void* input) override { runner_.invoke(input); }

  const void* output(int i) const override { return runner_.output(i); }

  MemoryReport memory() const override {
    const ArenaPlan& p = runner_.plan();
    const OpStats stats = runner_.graph().total_stats();
    MemoryReport m;
    m.arena_bytes = p.arena_bytes;
    m.arena_lower_bound_bytes = p.lower_bound_bytes;
    m.scratch_bytes = p.scratch_bytes;
    m.flash_bytes = size_t(stats.weight_bytes);
    m.high_water_bytes = runner_.high_water_bytes();
    m.macs = stats.macs;
    int in_place = 0;
    for (char c : p.op_in_place) in_place += c ? 1 : 0;
    m.extra = {{"activation_arena_bytes", double(p.activation_arena_bytes)},
               {"activation_lower_bound_bytes", double(p.activation_lower_bound_bytes)},
               {"peak_op", double(p.peak_op)},
               {"in_place_ops", double(in_place)}};
    return m;
  }

  std::string describe_plan() const override {
    const ArenaPlan& p = runner_.plan();
    std::ostringstream os;
    os << "layer-by-layer schedule, " << runner_.graph().ops.size() << " ops, "
       << dtype_name(runner_.dtype()) << "\n"
       << format_plan(runner_.graph(), p) << "arena " << p.arena_bytes << " B ("
       << (p.lower_bound_bytes ? 100.0 * (double(p.arena_bytes) / double(p.lower_bound_bytes) - 1) : 0.0)
       << "% above the lower bound), flash " << runner_.graph().total_stats().weight_bytes << " B\n";
    return os.str();
  }

 private:
  LayerRunner runner_;
};

}  // namespace

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_EXECUTOR, tinydet::Executor, LayerExecutor, "layer", "1.0.0",
                       "Layer-by-layer executor: ops in order in one greedy-planned arena (TFLM-style)")
