// The trainer: trains an architecture plugin's graph with libtorch on a TrainingSource.
//
//   TrainResult r = train_graph(arch, arch.build_graph(), train_set, &val_set, recipe, opts);
//   Graph float_inference = r.inference;      // BN folded, Dropout gone: quantise this
//
// Per step: a batch of images (pixel / 255, NHWC) runs through GraphModule in training
// mode; the raw outputs (NHWC float) go to Architecture::loss, which returns the loss and
// d(loss)/d(outputs); libtorch back-propagates that gradient into the weights; the
// optimizer (Adam / AdamW, cosine LR with linear warm-up, global-norm clipping) steps.
//
// Determinism: data order is a permutation derived from (seed, epoch); each sample's
// augmentation seed from (seed, epoch, index); the torch RNG (Dropout) is re-seeded from
// (seed, step) before every step; deterministic algorithms are requested. A resumed run
// gives the same weights as an uninterrupted one with the same thread count.
//
// Interruption: SIGINT (after install_sigint_handler()) or options.stop_flag makes the
// trainer finish the current step, write a resumable checkpoint (when checkpoint_path is
// set) and return with `interrupted = true`.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/graph.h"
#include "train/train_recipe.h"
#include "train/training_data.h"

namespace tinydet {

/// Scores decoded validation detections against ground truth (both in network-input
/// pixels, one entry per validation image, in source order). Returns the value of the
/// architecture's primary metric (Architecture::primary_metric(): "centroid_f1" or "map50"),
/// higher is better. The suite supplies it (from the metrics library).
using DetectionEvaluator = std::function<double(
    const std::vector<std::vector<Detection>>& detections,
    const std::vector<std::vector<Box>>& ground_truth)>;

struct TrainOptions {
  /// Resumable checkpoint file, rewritten after every epoch and on interruption.
  /// Empty: no checkpoints.
  std::string checkpoint_path;
  /// Continue from checkpoint_path when it exists (its recipe and graph must match).
  bool resume = true;
  /// Initialise the weights with init_weights(graph, recipe.seed) (false: fine-tune the
  /// weights the graph carries).
  bool initialize = true;
  /// Validation scoring; empty: the metric is minus the validation loss ("neg_val_loss").
  DetectionEvaluator evaluator;
  DecodeOptions decode;
  /// Progress display: -1 auto (bar on a terminal stderr, log lines otherwise), 0 log
  /// lines, 1 bar, 2 silent.
  int progress = -1;
  int log_every_steps = 50;  // log-line mode: one line per this many steps
  /// Stop (as if interrupted) once this many optimizer steps have run in total; -1: never.
  int64_t stop_after_steps = -1;
  /// Extra stop request (besides SIGINT); checked after every step.
  const std::atomic<bool>* stop_flag = nullptr;
};

struct EpochRecord {
  int epoch = 0;  // 0-based
  double train_loss = 0;  // mean over the epoch's steps
  double val_loss = NAN;
  double val_metric = NAN;
  double lr = 0;  // at the epoch's last step
  double images_per_second = 0;
};

struct TrainResult {
  Graph trained;    // training form (BatchNorm, Dropout kept), best weights
  Graph inference;  // fold_for_inference(trained)
  bool interrupted = false;
  bool from_cache = false;
  int64_t steps_run = 0;     // optimizer steps taken by this call
  int64_t global_step = 0;   // steps taken in total (including resumed ones)
  int64_t total_steps = 0;   // planned steps of the whole recipe
  int epochs_completed = 0;
  bool early_stopped = false;
  std::string metric_name;   // primary_metric(), or "neg_val_loss" without an evaluator
  int best_epoch = -1;       // -1: no validation ran (final weights are the last ones)
  double best_metric = NAN;
  double images_per_second = 0;  // training throughput of this call (forward+backward)
  int threads = 0;               // torch intra-op threads used
  double seconds = 0;
  std::vector<EpochRecord> history;
  std::string cache_file;    // the .tdm when trained through the cache
};

/// Trains `graph` (the architecture's training graph) and returns the best weights.
/// `validation` may be null (no early stopping; the last weights are kept).
/// Throws std::invalid_argument / std::runtime_error with a message naming the problem
/// (empty data, image size mismatch, non-finite loss at step N, checkpoint mismatch, ...).
TrainResult train_graph(const Architecture& arch, Graph graph, const TrainingSource& train,
                        const TrainingSource* validation, const TrainRecipe& recipe,
                        const TrainOptions& options = {});

/// Installs a SIGINT handler that asks every running trainer to stop after its current
/// step. The first Ctrl-C restores the default action, so a second one kills the process.
void install_sigint_handler();
/// True once SIGINT arrived (or request_stop() was called) since the last reset.
bool stop_requested();
void request_stop();
void reset_stop_request();

}  // namespace tinydet
