// `tinydet bench MODEL-or-ARCH`: latency and memory of a network with an executor.
//
// Latency is measured with Google Benchmark (suite::measure_stage_latency, as the suites
// do): preprocessing (resize and input conversion), the network and decoding separately,
// each as median, 90th percentile and standard deviation over the repetitions. Memory is
// the executor's report after two invokes (planned arena, lower bound, scratch, flash, the
// measured high-water mark and the heap growth during inference). A model file runs with its trained weights; an
// architecture name runs with He-initialised weights (latency and memory do not depend
// on the values). Images come from --data when given, else from the synthetic scene
// generator, which also calibrates the int8 graph then.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/dataset_options.h"
#include "cli/environment.h"
#include "cli/executor_choice.h"
#include "cli/key_value_options.h"
#include "cli/memory_text.h"
#include "cli/runnable_model.h"
#include "suite/performance.h"

namespace tinydet::cli {
namespace {

using nlohmann::json;

struct BenchOptions {
  std::string target;  // model file or architecture name
  int resolution = 0;
  int num_classes = 1;
  std::vector<std::string> arch_options;
  uint64_t seed = 1;
  ExecutorChoice executor;
  int repetitions = 5;
  double min_time_s = 0.2;
  int images = 4;
  int calibration_images = 100;
  std::string dataset_spec;
  DatasetOptions dataset;  // defaults: the split `tinydet train` uses
  float threshold = -1.f;
  bool json = false;
};

/// Source images for timing: `count` eval images of the dataset, or synthetic scenes.
std::vector<data::SourceImage> latency_sources(suite::DatasetHandle* dataset, int count) {
  if (!dataset) return synthetic_sources(count);
  const auto& indices = dataset->dataset.indices(dataset->eval_split());
  const auto& pool = indices.empty() ? dataset->dataset.train : indices;
  if (pool.empty()) throw std::runtime_error("dataset '" + dataset->dataset.spec + "' has no images");
  std::vector<data::SourceImage> sources;
  const size_t n = std::min(pool.size(), size_t(count));
  for (size_t i = 0; i < n; ++i) sources.push_back(dataset->cache->get_source(pool[i * pool.size() / n], 640));
  return sources;
}

void print_stage(const char* name, const json& s) {
  std::printf("  %-11s median %9.4f ms   p90 %9.4f ms   stddev %8.4f ms   (%d repetitions x %lld iterations)\n",
              name, s["median"].get<double>(), s["p90"].get<double>(), s["stddev"].get<double>(),
              s["repetitions"].get<int>(), s["iterations_per_repetition"].get<long long>());
}

int run_bench(const BenchOptions& o, const GlobalOptions& global, bool model_only_flags) {
  const PluginRegistry registry = load_registry(global);
  const bool is_file = std::filesystem::is_regular_file(o.target);
  if (!is_file && !registry.find(PluginKind::Architecture, o.target))
    throw std::runtime_error("'" + o.target + "' is neither a model file nor a loaded architecture plugin "
                             "(see `tinydet list`)");
  if (is_file && model_only_flags)
    throw CLI::ValidationError("--res/--classes/--option",
                               "apply to an architecture name; the model file '" + o.target +
                                   "' records its own configuration");
  RunnableModel m = is_file ? load_runnable_model(registry, o.target)
                            : untrained_model(registry, o.target, o.resolution, o.num_classes,
                                              parse_key_values(o.arch_options, "--option"), o.seed);
  std::unique_ptr<suite::DatasetHandle> dataset;
  if (!o.dataset_spec.empty()) dataset = suite::open_dataset(o.dataset_spec, load_options(o.dataset, global));

  const DType dtype = precision_dtype(o.executor);
  if (dtype == DType::Int8)
    ensure_int8(m, dataset.get(), dataset ? o.calibration_images : std::min(o.calibration_images, 8));
  const Graph& g = m.graph(dtype);
  const ExecutorOptions eo = executor_options(o.executor);
  ExecutorHandle ex = registry.find_executor(o.executor.name);
  ex->prepare(g, dtype, eo);

  suite::LatencyImages images;
  images.sources = latency_sources(dataset.get(), o.images);
  const Shape& in = g.input_shape();
  for (const auto& src : images.sources) {
    const auto t = data::make_resize_transform(src.rgb.cols, src.rgb.rows, in.w, in.h, m.arch.arch->resize_mode());
    const cv::Mat net = data::apply_resize(src.rgb, t);
    images.inputs.push_back(suite::make_input(net.ptr<uint8_t>(), size_t(in.w) * in.h * 3, dtype));
  }
  const json memory = suite::memory_json(*ex, images.inputs.front().data());

  DecodeOptions dec;
  dec.score_threshold = o.threshold;
  const suite::StageLatency lat = suite::measure_stage_latency(
      "bench", *ex, *m.arch.arch, g, dtype, images, dec, o.repetitions, o.min_time_s);

  json settings = json::object();
  for (const auto& [k, v] : eo.settings) settings[k] = v;
  const OpStats stats = g.total_stats();
  json j = {{"model", o.target},
            {"architecture", m.arch.plugin ? m.arch.plugin->name : o.target},
            {"weights", m.weights},
            {"input", json::array({in.h, in.w, in.c})},
            {"num_classes", m.arch.config.num_classes},
            {"precision", dtype_name(dtype)},
            {"executor", o.executor.name},
            {"executor_settings", settings},
            {"images", dataset ? "eval split of " + o.dataset_spec : std::string("synthetic scenes")},
            {"params", stats.params},
            {"macs", stats.macs},
            {"latency", suite::to_json(lat, eo.threads)},
            {"memory", memory}};
  if (dtype == DType::Int8) j["quantization"] = m.quantization;
  if (o.json) {
    std::cout << j.dump(2) << "\n";
    return exit_code::ok;
  }
  std::printf("%s (%s) @%dx%d, %s, executor %s, %d thread(s); weights %s\n", o.target.c_str(),
              j["architecture"].get<std::string>().c_str(), in.h, in.w, dtype_name(dtype), o.executor.name.c_str(),
              eo.threads, m.weights.c_str());
  std::printf("latency (Google Benchmark, %s):\n", j["images"].get<std::string>().c_str());
  print_stage("network", j["latency"]["network_ms"]);
  print_stage("preprocess", j["latency"]["preprocess_ms"]);
  print_stage("decode", j["latency"]["decode_ms"]);
  std::printf("memory:\n%s", memory_text(memory).c_str());
  return exit_code::ok;
}

}  // namespace

Command bench_command() {
  return {"bench", "Measure a model's (or architecture's) latency and memory with an executor",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<BenchOptions>();
            sub.add_option("MODEL", opt->target,
                           "Model file (.tdm), or an architecture name (He-initialised weights)")
                ->required();
            sub.add_option("--res", opt->resolution,
                           "Architecture only: square input resolution (default: the plugin's)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--classes", opt->num_classes, "Architecture only: number of classes")
                ->check(CLI::PositiveNumber);
            sub.add_option("--option", opt->arch_options, "Architecture only: option KEY=VALUE (repeatable)")
                ->allow_extra_args(false);
            sub.add_option("--seed", opt->seed, "Architecture only: seed of the He-initialised weights")
                ->capture_default_str();
            add_executor_options(sub, opt->executor, /*with_threads=*/true);
            sub.add_option("--repetitions", opt->repetitions, "Google Benchmark repetitions per stage (>= 5)")
                ->check(CLI::Range(5, 1000))
                ->capture_default_str();
            sub.add_option("--min-time", opt->min_time_s, "Minimum seconds per repetition")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_option("--images", opt->images, "Distinct images cycled through while timing")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_option("--data", opt->dataset_spec,
                           "Dataset whose eval images are timed and whose train images calibrate int8 "
                           "(default: synthetic scenes)");
            sub.add_option("--calibration-images", opt->calibration_images,
                           "Calibration images with --data (without it: at most 8 synthetic scenes)")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_option("--threshold", opt->threshold, "Decode score threshold (default: the plugin's)")
                ->check(CLI::Range(0.0, 1.0));
            sub.add_flag("--json", opt->json, "Print JSON");
            const CLI::App* app = &sub;
            return [opt, &global, app] {
              const bool model_only_flags =
                  app->count("--res") + app->count("--classes") + app->count("--option") > 0;
              return run_bench(*opt, global, model_only_flags);
            };
          }};
}

}  // namespace tinydet::cli
