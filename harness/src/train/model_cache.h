// The trained-model cache: training is skipped when a model for the same key exists.
//
// Key = plugin name + version, ArchConfig (input size, classes, options), the graph's
// structure signature, dataset spec + content fingerprints (train and validation sources),
// and the recipe's canonical JSON (threads excluded). Its FNV-1a 64-bit hash names the files
// in the cache directory (default results/cache/models):
//   <hash>.tdm        float inference graph (BN folded): what eval / quantise / bench use
//   <hash>.train.tdm  training-form graph (BN, Dropout kept), for fine-tuning
//   <hash>.json       sidecar: the key fields, metric, history, throughput
//   <hash>.ckpt       resumable checkpoint while training is unfinished (deleted at the end)
// An interrupted run leaves <hash>.ckpt; the next call with the same key resumes from it.
#pragma once

#include <string>

#include "tinydet/architecture.h"
#include "train/trainer.h"

namespace tinydet {

/// Part of every cache key: bumped when the trainer's arithmetic changes, so that models
/// trained by an older trainer are not taken for this one's. 2: FusedAdam replaced
/// torch::optim (same formulas, different float rounding).
constexpr int kTrainerVersion = 2;

struct ModelCacheKey {
  std::string plugin_name, plugin_version;
  ArchConfig config;
  std::string dataset_spec;
  std::string dataset_fingerprint;  // train fingerprint, plus "|val:" + validation's
  std::string graph_signature;      // graph_structure_signature(arch.build_graph())
  TrainRecipe recipe;
  /// The validation decode threshold: it picks which epoch's weights are kept (< 0: the
  /// plugin's default).
  float selection_score_threshold = -1.f;
};

/// Canonical JSON of the key (stable field order; the recipe without threads; the trainer
/// version).
std::string canonical_cache_key(const ModelCacheKey& key);
/// 16 lowercase hex digits: FNV-1a 64 of canonical_cache_key.
std::string cache_hash(const ModelCacheKey& key);
/// FNV-1a 64 of any string, as 16 hex digits.
std::string fnv1a64_hex(const std::string& text);

struct CacheOptions {
  std::string cache_dir = "results/cache/models";
  bool retrain = false;  // ignore (and overwrite) a cached model and any checkpoint
  std::string plugin_name, plugin_version, dataset_spec;  // for the key and the sidecar
};

/// The cache key for this architecture (configured with `cfg`), data and recipe.
ModelCacheKey make_cache_key(const Architecture& arch, const ArchConfig& cfg,
                             const CacheOptions& cache, const TrainingSource& train,
                             const TrainingSource* validation, const TrainRecipe& recipe);

/// Returns the cached model when present (from_cache = true, steps_run = 0), otherwise
/// trains arch.build_graph() (resuming an unfinished checkpoint) and stores the result.
/// `options.checkpoint_path` is set by this function. `arch` must be configured with `cfg`.
TrainResult train_cached(const Architecture& arch, const ArchConfig& cfg,
                         const CacheOptions& cache, const TrainingSource& train,
                         const TrainingSource* validation, const TrainRecipe& recipe,
                         TrainOptions options = {});

}  // namespace tinydet
