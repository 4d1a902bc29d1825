// The measurement pipeline shared by `tinydet train|eval|bench|detect|run`:
//   dataset -> configured architecture -> trained float graph (cached) -> int8 graph ->
//   executor -> decode -> metrics / latency / memory.
//
// Coordinates: the network sees images resized with the architecture's resize mode;
// detections are mapped back to original-image pixels for the COCO/VOC/counting/
// classification metrics (so their size bands are COCO's), and kept in network pixels for
// the centroid and cell metrics (their distances are in output cells).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loader/plugin_loader.h"
#include "tinydet/architecture.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/executor.h"
#include "tinydet/quantize.h"
#include "train/trainer.h"
#include "train/train_recipe.h"

namespace tinydet::suite {

/// A loaded dataset with its image cache (the cache refers to the dataset: keep together).
struct DatasetHandle {
  data::Dataset dataset;
  std::unique_ptr<data::ImageCache> cache;
  /// The split accuracy is measured on: test when it has images, else val.
  data::Split eval_split() const;
};
std::unique_ptr<DatasetHandle> open_dataset(const std::string& spec, const data::LoadOptions& opt);

/// A configured architecture plugin instance.
struct ArchHandle {
  ArchitectureHandle arch;
  const LoadedPlugin* plugin = nullptr;
  ArchConfig config;
};
/// Creates and configures the plugin. Throws std::invalid_argument naming the bad option
/// or resolution.
ArchHandle configure_architecture(const PluginRegistry& reg, const std::string& name,
                                  int resolution, int num_classes,
                                  const std::map<std::string, std::string>& options);

/// Ranked metrics (COCO mAP, VOC AP) integrate over the whole precision/recall curve, so
/// box detectors are decoded for them with this low score threshold (as COCO evaluations
/// do); a deployment threshold would cut the curve short. Threshold metrics (counting,
/// classification, centroid F1) use the deployment threshold. Centroid detectors (FOMO)
/// merge cells above the threshold, so they are decoded once, at the deployment threshold.
constexpr float kRankedMetricScoreThreshold = 0.01f;

struct TrainSettings {
  TrainRecipe recipe;
  std::string cache_dir = "results/cache/models";
  bool retrain = false;
  int progress = -1;  // see TrainOptions::progress
  float ranked_score_threshold = kRankedMetricScoreThreshold;  // validation mAP decode
};
/// Trains (or loads from the model cache) the architecture on the dataset's train split,
/// validating on val (early stopping on the plugin's primary metric).
TrainResult train_model(const ArchHandle& a, DatasetHandle& d, const TrainSettings& s);

/// Post-training int8 quantisation with `calibration_images` train images (evenly spread
/// over the split, so the choice is deterministic).
Graph quantize_model(const Graph& float_graph, const ArchHandle& a, DatasetHandle& d,
                     int calibration_images, QuantizeReport* report, int threads = 1);

/// Input bytes for the graph from a network-size RGB image (float pixel/255 or int8).
std::vector<uint8_t> make_input(const uint8_t* rgb, size_t pixels_x3, DType dtype);

/// Raw outputs of an executor as float (dequantised for int8), one vector per output.
std::vector<std::vector<float>> read_outputs(const Executor& ex, const Graph& g, DType dtype);

/// Decodes outputs with the architecture (batch 1).
std::vector<Detection> decode_outputs(const Architecture& arch, const Graph& g,
                                      const std::vector<std::vector<float>>& outputs,
                                      const DecodeOptions& opt);


struct EvalSettings {
  float score_threshold = -1.f;            // deployment threshold; < 0: the plugin's default
  float ranked_score_threshold = kRankedMetricScoreThreshold;  // for mAP / AP (box detectors)
  double centroid_max_distance_cells = 1.0;
  int max_images = 0;                      // 0: the whole split
  int threads = 0;                         // images in parallel; 0: all cores
  std::string coco_results_json;           // when set, detections are exported here
};

struct EvalResult {
  nlohmann::json metrics;  // {"eval_images", "primary_metric", "primary", "coco", ...}
  double primary = 0;
};

/// Runs every image of the eval split through fresh instances of the executor plugin
/// (one per thread; all prepared identically) and scores the detections.
EvalResult evaluate_model(const PluginRegistry& reg, const std::string& executor,
                          const ExecutorOptions& ex_opt, const ArchHandle& a, const Graph& g,
                          DType dtype, DatasetHandle& d, const EvalSettings& s);

/// Metrics of detections (network pixels) against ground truth (network pixels), for the
/// trainer's early stopping: the architecture's primary metric.
double primary_metric_value(const std::string& metric, int num_classes, float cell_size,
                            const std::vector<std::vector<Detection>>& detections,
                            const std::vector<std::vector<Box>>& ground_truth);

}  // namespace tinydet::suite
