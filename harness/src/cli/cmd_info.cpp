// `tinydet info ARCH`: an architecture's inference graph at a resolution, without
// training: the layer table (type, output shape, parameters, MACs, int8 weight bytes,
// arena placement), the totals (parameters, MACs, flash, planned arena and its lower
// bound, scratch), the tensors that set the memory peak, the plugin's options; with
// --executor the executor's own plan and memory report (e.g. the patch plan), and with
// --profile the time of every op.
//
// Weights are He-initialised (shapes, sizes and the plan do not depend on their values);
// the int8 graph is calibrated on a few synthetic scenes.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/environment.h"
#include "cli/executor_choice.h"
#include "cli/key_value_options.h"
#include "cli/memory_text.h"
#include "cli/runnable_model.h"
#include "suite/performance.h"
#include "tinydet/layer_runner.h"
#include "tinydet/planner.h"

namespace tinydet::cli {
namespace {

using nlohmann::json;

struct InfoOptions {
  std::string architecture;
  int resolution = 0;  // 0: the architecture's default
  int num_classes = 1;
  std::vector<std::string> arch_options;  // KEY=VALUE
  uint64_t seed = 1;
  int calibration_images = 8;
  ExecutorChoice executor;
  bool profile = false;
  int repeats = 10;
  bool json = false;
};

json shape_json(const Shape& s) { return json::array({s.h, s.w, s.c}); }

std::string shape_text(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

/// The tensors alive while the plan's peak op runs (each from its producer to its last
/// consumer; graph outputs to the end), one entry per arena buffer (an in-place op's
/// input and output share one), and the peak op's scratch.
json peak_tensors(const Graph& g, const ArenaPlan& plan) {
  json out = json::array();
  const int peak = plan.peak_op;
  if (peak < 0) return out;
  const int last_op = int(g.ops.size()) - 1;
  std::vector<int> buffer_entry(plan.buffer_bytes.size(), -1);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const int buffer = plan.tensor_buffer[t];
    if (buffer < 0) continue;
    const int born = g.tensors[t].producer < 0 ? 0 : g.tensors[t].producer;
    int dies = born;
    for (int op : g.consumers(int(t))) dies = std::max(dies, op);
    for (const auto& o : g.outputs)
      if (o.tensor == int(t)) dies = last_op;
    if (born > peak || dies < peak) continue;
    int& entry = buffer_entry[size_t(buffer)];
    if (entry >= 0) {
      out[size_t(entry)]["tensor"] = out[size_t(entry)]["tensor"].get<std::string>() + " / " +
                                     g.tensors[t].name;
      continue;
    }
    entry = int(out.size());
    out.push_back({{"tensor", g.tensors[t].name},
                   {"bytes", plan.buffer_bytes[size_t(buffer)]},
                   {"offset", plan.buffer_offset[size_t(buffer)]}});
  }
  if (plan.op_scratch_size[size_t(peak)] > 0)
    out.push_back({{"tensor", "scratch of " + g.ops[size_t(peak)].name},
                   {"bytes", plan.op_scratch_size[size_t(peak)]},
                   {"offset", plan.op_scratch_offset[size_t(peak)]}});
  return out;
}

json layers_json(const Graph& g, const ArenaPlan& plan) {
  json layers = json::array();
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const OpStats s = g.op_stats(int(i));
    layers.push_back({{"op", i},
                      {"name", op.name},
                      {"type", op_type_name(op.type)},
                      {"activation", act_name(op.act)},
                      {"output", shape_json(g.shape(op.output))},
                      {"params", s.params},
                      {"macs", s.macs},
                      {"weight_bytes", s.weight_bytes},
                      {"output_bytes", plan.tensor_bytes[size_t(op.output)]},
                      {"arena_offset", plan.tensor_offset[size_t(op.output)]},
                      {"in_place", bool(plan.op_in_place[i])},
                      {"scratch_bytes", plan.op_scratch_size[i]},
                      {"live_bytes", plan.live_bytes_at_op[i]}});
  }
  return layers;
}

json profile_json(const std::vector<LayerProfileRow>& rows, int repeats, int threads) {
  json layers = json::array();
  double total_us = 0;
  int slowest = -1;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    total_us += r.micros;
    if (slowest < 0 || r.micros > rows[size_t(slowest)].micros) slowest = int(i);
    layers.push_back({{"op", r.op},
                      {"name", r.name},
                      {"type", op_type_name(r.type)},
                      {"output", shape_json(r.output)},
                      {"micros", r.micros},
                      {"macs", r.macs},
                      {"arena_offset", r.output_offset},
                      {"output_bytes", r.output_bytes},
                      {"scratch_offset", r.scratch_offset},
                      {"scratch_bytes", r.scratch_bytes},
                      {"live_bytes", r.live_bytes},
                      {"in_place", r.in_place},
                      {"peak", r.peak}});
  }
  return {{"schedule", "layer-by-layer"},
          {"repeats", repeats},
          {"threads", threads},
          {"total_micros", total_us},
          {"slowest_op", slowest >= 0 ? json(rows[size_t(slowest)].name) : json(nullptr)},
          {"layers", layers}};
}

void print_text(const json& j, const std::string& profile_table, const std::string& executor_plan) {
  std::printf("%s %s @%dx%d, %d classes, %s; weights %s\n", j["architecture"].get<std::string>().c_str(),
              j["plugin_version"].get<std::string>().c_str(), j["input"][0].get<int>(),
              j["input"][1].get<int>(), j["num_classes"].get<int>(),
              j["precision"].get<std::string>().c_str(), j["weights"].get<std::string>().c_str());
  std::printf("\n%4s  %-30s %-15s %-12s %9s %12s %9s %9s %9s %9s\n", "op", "name", "type", "output",
              "params", "MACs", "weight_B", "out_B", "offset", "live_B");
  const json& totals = j["totals"];
  for (const auto& l : j["layers"]) {
    const Shape s{l["output"][0].get<int>(), l["output"][1].get<int>(), l["output"][2].get<int>()};
    std::printf("%4d  %-30s %-15s %-12s %9lld %12lld %9lld %9zu %9zu %9zu%s\n", l["op"].get<int>(),
                l["name"].get<std::string>().substr(0, 30).c_str(), l["type"].get<std::string>().c_str(),
                shape_text(s).c_str(), l["params"].get<long long>(), l["macs"].get<long long>(),
                l["weight_bytes"].get<long long>(), l["output_bytes"].get<size_t>(),
                l["arena_offset"].get<size_t>(), l["live_bytes"].get<size_t>(),
                l["op"] == totals["peak_op"] ? "  <- memory peak" : "");
  }
  const double arena = totals["arena_bytes"].get<double>(), bound = totals["arena_lower_bound_bytes"].get<double>();
  std::printf("\ntotals\n");
  std::printf("  parameters:            %lld", totals["params"].get<long long>());
  if (totals.contains("trainable_params"))
    std::printf(" (inference graph, BatchNorm folded); %lld trainable (training graph)",
                totals["trainable_params"].get<long long>());
  std::printf("\n  MACs:                  %lld\n", totals["macs"].get<long long>());
  std::printf("  flash (int8 weights):  %s\n", bytes_text(totals["flash_bytes"].get<double>()).c_str());
  std::printf("  arena (greedy plan):   %s, %s\n", bytes_text(arena).c_str(), j["precision"].get<std::string>().c_str());
  std::printf("  lower bound:           %s, greedy plan %+.1f%% above it\n", bytes_text(bound).c_str(),
              bound > 0 ? 100.0 * (arena / bound - 1.0) : 0.0);
  std::printf("  scratch (in arena):    %s\n", bytes_text(totals["scratch_bytes"].get<double>()).c_str());
  std::printf("  activations only:      arena %s, lower bound %s\n",
              bytes_text(totals["activation_arena_bytes"].get<double>()).c_str(),
              bytes_text(totals["activation_lower_bound_bytes"].get<double>()).c_str());
  if (totals["peak_op"].is_number()) {
    std::printf("  peak at op %d '%s', live:", totals["peak_op"].get<int>(),
                totals["peak_op_name"].get<std::string>().c_str());
    for (const auto& t : totals["peak_tensors"])
      std::printf(" %s (%zu B)", t["tensor"].get<std::string>().c_str(), t["bytes"].get<size_t>());
    std::printf("\n");
  }
  if (!j["arch_options"].empty()) {
    std::printf("\noptions (--option KEY=VALUE): name, value, help\n");
    int name_width = 4, value_width = 5;
    for (const auto& o : j["arch_options"]) {
      name_width = std::max(name_width, int(o["name"].get<std::string>().size()));
      value_width = std::max(value_width, int(o["value"].get<std::string>().size()));
    }
    for (const auto& o : j["arch_options"])
      std::printf("  %-*s  %-*s  %s\n", name_width, o["name"].get<std::string>().c_str(), value_width,
                  o["value"].get<std::string>().c_str(), o["help"].get<std::string>().c_str());
  }
  if (j.contains("executor")) {
    std::printf("\nexecutor %s\n%s", j["executor"]["name"].get<std::string>().c_str(), executor_plan.c_str());
    std::printf("memory report:\n%s", memory_text(j["executor"]["memory"]).c_str());
  }
  if (j.contains("profile")) {
    std::printf("\nprofile: layer-by-layer schedule, mean over %d invokes, %d thread(s), mid-grey input\n%s",
                j["profile"]["repeats"].get<int>(), j["profile"]["threads"].get<int>(), profile_table.c_str());
  }
}

int run_info(const InfoOptions& o, const GlobalOptions& global, bool executor_given) {
  const PluginRegistry registry = load_registry(global);
  RunnableModel m = untrained_model(registry, o.architecture, o.resolution, o.num_classes,
                                    parse_key_values(o.arch_options, "--option"), o.seed);
  const DType dtype = precision_dtype(o.executor);
  if (dtype == DType::Int8) ensure_int8(m, nullptr, o.calibration_images);
  const Graph& g = m.graph(dtype);
  const ArenaPlan plan = plan_arena(g, dtype);
  const OpStats total = g.total_stats();

  json j;
  j["architecture"] = o.architecture;
  j["plugin_version"] = m.arch.plugin ? m.arch.plugin->version : "";
  j["input"] = shape_json(g.input_shape());
  j["num_classes"] = m.arch.config.num_classes;
  j["precision"] = dtype_name(dtype);
  j["weights"] = m.weights;
  if (dtype == DType::Int8) j["quantization"] = m.quantization;
  json options = json::array();
  for (const auto& info : m.arch.arch->options()) {
    const auto set = m.arch.config.options.find(info.name);
    options.push_back({{"name", info.name},
                       {"default", info.default_value},
                       {"value", set != m.arch.config.options.end() ? set->second : info.default_value},
                       {"help", info.help}});
  }
  j["arch_options"] = options;
  j["layers"] = layers_json(g, plan);
  j["totals"] = {{"params", total.params},
                 {"trainable_params", m.training_graph.total_stats().params},
                 {"macs", total.macs},
                 {"flash_bytes", total.weight_bytes},
                 {"arena_bytes", plan.arena_bytes},
                 {"arena_lower_bound_bytes", plan.lower_bound_bytes},
                 {"scratch_bytes", plan.scratch_bytes},
                 {"activation_arena_bytes", plan.activation_arena_bytes},
                 {"activation_lower_bound_bytes", plan.activation_lower_bound_bytes},
                 {"peak_op", plan.peak_op >= 0 ? json(plan.peak_op) : json(nullptr)},
                 {"peak_op_name", plan.peak_op >= 0 ? json(g.ops[size_t(plan.peak_op)].name) : json(nullptr)},
                 {"peak_tensors", peak_tensors(g, plan)}};

  std::string executor_plan;
  if (executor_given) {
    const ExecutorOptions eo = executor_options(o.executor);
    ExecutorHandle ex = registry.find_executor(o.executor.name);
    ex->prepare(g, dtype, eo);
    // Invokes on a mid-grey image measure the arena high-water mark and the heap growth.
    const std::vector<uint8_t> grey(size_t(g.input_shape().elements()), 128);
    const json memory = suite::memory_json(*ex, suite::make_input(grey.data(), grey.size(), dtype).data());
    executor_plan = ex->describe_plan();
    json settings = json::object();
    for (const auto& [k, v] : eo.settings) settings[k] = v;
    j["executor"] = {{"name", o.executor.name},
                     {"settings", settings},
                     {"threads", eo.threads},
                     {"memory", memory},
                     {"plan", executor_plan}};
  }

  std::string profile_table;
  if (o.profile) {
    const auto rows = profile_layers(g, dtype, KernelImpl::Fast, o.executor.threads, o.repeats);
    profile_table = format_profile(rows);
    j["profile"] = profile_json(rows, o.repeats, o.executor.threads);
  }

  if (o.json) std::cout << j.dump(2) << "\n";
  else print_text(j, profile_table, executor_plan);
  return exit_code::ok;
}

}  // namespace

Command info_command() {
  return {"info", "Describe an architecture: layers, parameters, MACs, memory plan, profile",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<InfoOptions>();
            sub.add_option("ARCH", opt->architecture, "Architecture plugin name (see `list`)")
                ->required();
            sub.add_option("--res", opt->resolution,
                           "Square input resolution in pixels (default: the plugin's)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--classes", opt->num_classes, "Number of object classes")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_option("--option", opt->arch_options,
                           "Architecture option KEY=VALUE (repeatable; listed in the output)")
                ->allow_extra_args(false);
            sub.add_option("--seed", opt->seed, "Seed of the He-initialised weights")
                ->capture_default_str();
            sub.add_option("--calibration-images", opt->calibration_images,
                           "Synthetic scenes the int8 graph is calibrated on")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            add_executor_options(sub, opt->executor, /*with_threads=*/true);
            sub.add_flag("--profile", opt->profile,
                         "Run the graph layer by layer and time each op (time, MACs, arena offset)");
            sub.add_option("--repeats", opt->repeats, "Invokes the profile averages over")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_flag("--json", opt->json, "Print JSON");
            const CLI::App* app = &sub;
            return [opt, &global, app] {
              // The executor section is shown when an executor or a setting was named.
              const bool executor_given = app->count("--executor") > 0 ||
                                          app->count("--executor-option") > 0 ||
                                          app->count("--patches") > 0 ||
                                          app->count("--patch-split") > 0;
              return run_info(*opt, global, executor_given);
            };
          }};
}

}  // namespace tinydet::cli
