// `tinydet train ARCH --dataset SPEC --res N`: trains an architecture with libtorch and
// writes the model file (.tdm).
//
// The trained model is cached under <cache>/models/<hash>.tdm (hash of plugin + version,
// configuration, dataset fingerprint and recipe): running the same command again reuses it
// without training; --retrain forces training. Ctrl-C stops after the current step and
// leaves a resumable checkpoint; running the same command again resumes it.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "cli/command.h"
#include "cli/dataset_options.h"
#include "cli/environment.h"
#include "cli/key_value_options.h"
#include "cli/model_meta.h"
#include "metrics/centroid_metrics.h"
#include "metrics/eval_set.h"
#include "metrics/voc_ap.h"
#include "tinydet/datasets/catalogue.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/model_file.h"
#include "train/dataset_source.h"
#include "train/model_cache.h"
#include "train/train_recipe.h"
#include "train/trainer.h"

namespace tinydet::cli {
namespace {

struct TrainCliOptions {
  std::string architecture;
  std::string dataset_spec;
  DatasetOptions dataset;
  int resolution = 0;
  int epochs = 0;  // 0: the recipe's
  int batch = 0;   // 0: the recipe's
  double lr = 0;   // 0: the recipe's
  int threads = 0;
  std::string recipe_file;
  std::vector<std::string> arch_options;  // KEY=VALUE
  std::string out;
  std::string cache_dir;
  std::string progress = "auto";
  bool retrain = false;
};

/// The validation scorer for the architecture's primary metric, from the metrics library.
/// centroid_f1: micro F1 of centroid matching with the cell size of the first output;
/// map50: Pascal VOC all-point AP at IoU 0.5, mean over classes with ground truth.
DetectionEvaluator make_evaluator(const Architecture& arch, const std::vector<std::string>& classes,
                                  int input_w, int input_h) {
  const std::string metric = arch.primary_metric();
  const Graph g = arch.build_graph();
  const Shape out = g.shape(g.outputs.at(0).tensor);
  const float cell = float(input_w) / float(std::max(1, out.w));
  return [metric, classes, cell, input_w, input_h](
             const std::vector<std::vector<Detection>>& detections,
             const std::vector<std::vector<Box>>& truth) -> double {
    metrics::EvalSet set;
    set.class_names = classes;
    for (size_t i = 0; i < truth.size(); ++i) {
      metrics::EvalImage im;
      im.ground_truth = truth[i];
      im.detections = detections[i];
      im.width = input_w;
      im.height = input_h;
      set.images.push_back(std::move(im));
    }
    if (metric == "centroid_f1") {
      metrics::CentroidParams p;
      p.cell_size = cell;
      return metrics::evaluate_centroids(set, p).micro.f1();
    }
    if (metric == "map50") return std::max(0.0, metrics::evaluate_voc(set).map);
    throw std::runtime_error("train: the architecture names an unknown primary metric '" +
                             metric + "' (expected centroid_f1 or map50)");
  };
}

int run_train(const TrainCliOptions& o, const GlobalOptions& global) {
  PluginRegistry registry = load_registry(global);
  ArchitectureHandle arch = registry.find_architecture(o.architecture);
  const LoadedPlugin* plugin = registry.find(PluginKind::Architecture, o.architecture);

  const data::Dataset ds = data::load_dataset(o.dataset_spec, load_options(o.dataset, global));
  if (ds.train.empty())
    throw std::runtime_error("train: dataset '" + o.dataset_spec + "' has no training images");

  ArchConfig cfg;
  cfg.input_h = cfg.input_w = o.resolution;
  cfg.num_classes = int(ds.classes.size());
  cfg.options = parse_key_values(o.arch_options, "--option");
  arch->configure(cfg);

  TrainRecipe recipe;
  if (!o.recipe_file.empty()) {
    std::ifstream f(o.recipe_file);
    if (!f) throw std::runtime_error("train: cannot read recipe file " + o.recipe_file);
    std::stringstream text;
    text << f.rdbuf();
    recipe = recipe_from_json(text.str(), o.recipe_file);
  }
  recipe.seed = o.dataset.seed;
  if (o.epochs > 0) recipe.epochs = o.epochs;
  if (o.batch > 0) recipe.batch_size = o.batch;
  if (o.lr > 0) recipe.lr = o.lr;
  if (o.threads > 0) recipe.threads = o.threads;

  data::ImageCache images(ds);
  DatasetSource train_set(ds, data::Split::Train, cfg.input_w, cfg.input_h, arch->resize_mode(),
                          images);
  DatasetSource val_set(ds, data::Split::Val, cfg.input_w, cfg.input_h, arch->resize_mode(),
                        images);
  const bool has_val = val_set.size() > 0;
  std::fprintf(stderr, "train: %s %s @%dx%d on %s: %zu train, %zu val images, %d classes\n",
               o.architecture.c_str(), plugin ? plugin->version.c_str() : "?", cfg.input_w,
               cfg.input_h, o.dataset_spec.c_str(), train_set.size(), val_set.size(),
               cfg.num_classes);

  CacheOptions cache;
  cache.cache_dir = o.cache_dir.empty() ? (std::filesystem::path(data::default_cache_dir("")) /
                                           "models").string()
                                        : o.cache_dir;
  cache.retrain = o.retrain;
  cache.plugin_name = o.architecture;
  cache.plugin_version = plugin ? plugin->version : "";
  cache.dataset_spec = o.dataset_spec;

  TrainOptions options;
  options.evaluator = make_evaluator(*arch, ds.classes, cfg.input_w, cfg.input_h);
  options.progress = o.progress == "bar" ? 1 : o.progress == "lines" ? 0
                     : o.progress == "none" ? 2 : -1;
  install_sigint_handler();
  // Decode every image once up front (in parallel) unless the model is cached.
  const std::string hash = cache_hash(make_cache_key(*arch, cfg, cache, train_set,
                                                     has_val ? &val_set : nullptr, recipe));
  if (o.retrain || !std::filesystem::exists(std::filesystem::path(cache.cache_dir) / (hash + ".tdm"))) {
    train_set.prefetch();
    if (has_val) val_set.prefetch();
  }
  const TrainResult r = train_cached(*arch, cfg, cache, train_set, has_val ? &val_set : nullptr,
                                     recipe, options);
  if (r.interrupted) {
    std::fprintf(stderr,
                 "train: interrupted after %lld of %lld steps; run the same command again to "
                 "resume\n",
                 (long long)r.global_step, (long long)r.total_steps);
    return exit_code::failed;
  }
  if (r.from_cache)
    std::fprintf(stderr, "train: using the cached model %s (--retrain to train again)\n",
                 r.cache_file.c_str());
  else
    std::fprintf(stderr, "train: %d epochs, %lld steps in %.1f s, %.1f images/s%s\n",
                 r.epochs_completed, (long long)r.steps_run, r.seconds, r.images_per_second,
                 r.early_stopped ? " (early stop)" : "");
  if (std::isfinite(r.best_metric))
    std::fprintf(stderr, "train: best %s %.4f at epoch %d\n", r.metric_name.c_str(),
                 r.best_metric, r.best_epoch + 1);
  if (!o.out.empty()) {
    Graph model = r.inference;
    set_class_names(model, ds.classes);  // so `eval` and `detect` can name the classes
    save_model(model, o.out);
    std::fprintf(stderr, "train: wrote %s\n", o.out.c_str());
  }
  std::printf("%s\n", o.out.empty() ? r.cache_file.c_str() : o.out.c_str());
  return exit_code::ok;
}

}  // namespace

Command train_command() {
  return {"train", "Train an architecture on a dataset and write a model file",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<TrainCliOptions>();
            sub.add_option("ARCH", opt->architecture, "Architecture plugin name")->required();
            sub.add_option("--dataset", opt->dataset_spec, "Dataset spec")->required();
            sub.add_option("--res", opt->resolution, "Square input resolution in pixels")
                ->required()
                ->check(CLI::PositiveNumber);
            sub.add_option("--epochs", opt->epochs, "Maximum epochs (default: the recipe's)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--batch", opt->batch, "Batch size (default: the recipe's)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--lr", opt->lr, "Peak learning rate (default: the recipe's)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--threads", opt->threads, "Training threads (default: all cores)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--recipe", opt->recipe_file, "Training recipe JSON file")
                ->check(CLI::ExistingFile);
            sub.add_option("--option", opt->arch_options,
                           "Architecture option KEY=VALUE (repeatable; see `tinydet info ARCH`)")
                ->allow_extra_args(false);
            sub.add_option("--out", opt->out, "Model file to write (.tdm, float inference graph)");
            sub.add_option("--cache-dir", opt->cache_dir,
                           "Trained-model cache (default: <results/cache>/models)");
            sub.add_option("--progress", opt->progress, "auto, bar, lines or none")
                ->check(CLI::IsMember({"auto", "bar", "lines", "none"}))
                ->capture_default_str();
            sub.add_flag("--retrain", opt->retrain,
                         "Train again even when a matching model file exists");
            add_dataset_options(sub, opt->dataset);
            const GlobalOptions* g = &global;
            return [opt, g] { return run_train(*opt, *g); };
          }};
}

}  // namespace tinydet::cli
