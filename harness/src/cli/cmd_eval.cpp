// `tinydet eval MODEL [--data SPEC]`: accuracy of a model file (what `tinydet train`
// writes) on a dataset's eval split (test, else val) with an executor, int8 or float:
// the same metrics as a suite cell (suite::evaluate_model). An int8 run quantises the
// float model on the dataset's train images unless the file is already quantised.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/dataset_options.h"
#include "cli/environment.h"
#include "cli/executor_choice.h"
#include "cli/runnable_model.h"
#include "suite/pipeline.h"

namespace tinydet::cli {
namespace {

using nlohmann::json;

struct EvalOptions {
  std::string model;
  std::string dataset_spec;  // empty: the dataset recorded in the model file
  DatasetOptions dataset;
  ExecutorChoice executor;
  int threads = 0;  // images in parallel; 0: all cores
  int calibration_images = 100;
  float threshold = -1.f;
  int max_images = 0;
  std::string out;
  std::string coco_json;
  bool json = false;
};

/// The numbers of one metric family, one line: top-level numbers, then those of a "micro"
/// object (the centroid families' summary).
std::string family_line(const std::string& name, const json& family) {
  std::string line = "  " + name + ":";
  char buf[96];
  const auto add = [&](const std::string& key, const json& value) {
    if (!value.is_number()) return;
    std::snprintf(buf, sizeof buf, " %s %.4g", key.c_str(), value.get<double>());
    line += buf;
  };
  for (const auto& [key, value] : family.items()) add(key, value);
  if (family.contains("micro") && family["micro"].is_object())
    for (const auto& [key, value] : family["micro"].items()) add(key, value);
  return line + "\n";
}

void print_text(const json& j) {
  const json& m = j["metrics"];
  std::printf("%s on %s (%s split, %d images), %s, executor %s\n", j["model"].get<std::string>().c_str(),
              j["dataset"].get<std::string>().c_str(), m["split"].get<std::string>().c_str(),
              m["eval_images"].get<int>(), j["precision"].get<std::string>().c_str(),
              j["executor"].get<std::string>().c_str());
  std::printf("%s = %.4f (primary metric)\n", m["primary_metric"].get<std::string>().c_str(),
              m["primary"].get<double>());
  for (const char* family : {"coco", "voc", "centroid", "edge_impulse_f1", "counting", "classification"})
    if (m.contains(family) && m[family].is_object()) std::printf("%s", family_line(family, m[family]).c_str());
  if (j.contains("quantization") && j["quantization"].contains("output_sqnr_db")) {
    std::printf("  int8 output SQNR (dB):");
    for (const auto& [name, db] : j["quantization"]["output_sqnr_db"].items())
      std::printf(" %s %.1f", name.c_str(), db.get<double>());
    std::printf("\n");
  }
}

int run_eval(const EvalOptions& o, const GlobalOptions& global) {
  const PluginRegistry registry = load_registry(global);
  RunnableModel m = load_runnable_model(registry, o.model);
  std::string spec = o.dataset_spec;
  if (spec.empty()) {
    const auto recorded = m.float_graph.meta.find("dataset");
    if (recorded == m.float_graph.meta.end() || recorded->second.empty())
      throw CLI::ValidationError("--data", "the model file '" + o.model +
                                               "' records no dataset: give --data SPEC");
    spec = recorded->second;
  }
  auto dataset = suite::open_dataset(spec, load_options(o.dataset, global));
  const int dataset_classes = int(dataset->dataset.classes.size());
  if (dataset_classes != m.arch.config.num_classes)
    throw std::runtime_error("model file '" + o.model + "' has " +
                             std::to_string(m.arch.config.num_classes) + " classes but dataset '" +
                             spec + "' has " + std::to_string(dataset_classes) +
                             " (use --classes to pick the ones the model was trained on)");
  if (m.class_names.empty()) m.class_names = dataset->dataset.classes;

  const DType dtype = precision_dtype(o.executor);
  if (dtype == DType::Int8) ensure_int8(m, dataset.get(), o.calibration_images);
  suite::EvalSettings es;
  es.score_threshold = o.threshold;
  es.max_images = o.max_images;
  es.threads = o.threads;
  es.coco_results_json = o.coco_json;
  const suite::EvalResult r = suite::evaluate_model(registry, o.executor.name, executor_options(o.executor),
                                                    m.arch, m.graph(dtype), dtype, *dataset, es);

  json settings = json::object();
  for (const auto& [k, v] : executor_settings(o.executor)) settings[k] = v;
  json j = {{"model", o.model},
            {"architecture", m.arch.plugin ? m.arch.plugin->name : ""},
            {"input", json::array({m.arch.config.input_h, m.arch.config.input_w})},
            {"dataset", spec},
            {"classes", dataset->dataset.classes},
            {"precision", dtype_name(dtype)},
            {"executor", o.executor.name},
            {"executor_settings", settings},
            {"metrics", r.metrics}};
  if (dtype == DType::Int8) j["quantization"] = m.quantization;
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    f << j.dump(2) << "\n";
    if (!f) throw std::runtime_error("cannot write '" + o.out + "'");
  }
  if (o.json) std::cout << j.dump(2) << "\n";
  else print_text(j);
  return exit_code::ok;
}

}  // namespace

Command eval_command() {
  return {"eval", "Measure a model file's accuracy on a dataset with an executor",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<EvalOptions>();
            sub.add_option("MODEL", opt->model, "Model file (.tdm, as written by `tinydet train`)")
                ->required();
            sub.add_option("--data,--dataset", opt->dataset_spec,
                           "Dataset spec (default: the one the model was trained on)");
            add_executor_options(sub, opt->executor, /*with_threads=*/false);
            sub.add_option("--threads", opt->threads, "Images evaluated in parallel (default: all cores)")
                ->check(CLI::NonNegativeNumber);
            sub.add_option("--calibration-images", opt->calibration_images,
                           "Train images the int8 graph is calibrated on (when the file is float)")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_option("--threshold", opt->threshold,
                           "Deployment score threshold (default: the plugin's)")
                ->check(CLI::Range(0.0, 1.0));
            sub.add_option("--max-images", opt->max_images, "Evaluate at most this many images (0: all)")
                ->check(CLI::NonNegativeNumber);
            sub.add_option("--out", opt->out, "Also write the JSON result to this file");
            sub.add_option("--coco-json", opt->coco_json,
                           "Write the detections as COCO results JSON (ground truth beside it)");
            sub.add_flag("--json", opt->json, "Print JSON");
            add_dataset_options(sub, opt->dataset);
            return [opt, &global] { return run_eval(*opt, global); };
          }};
}

}  // namespace tinydet::cli
