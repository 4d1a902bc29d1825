// The training recipe: everything that decides the trained weights besides the
// architecture, its configuration and the data. Part of the model-cache key.
//
// JSON form (every key optional; defaults below):
//   {"optimizer": "adamw", "lr": 0.01, "warmup_epochs": 1, "min_lr_fraction": 0.01,
//    "batch_size": 16, "epochs": 60, "weight_decay": 0.0005, "bn_momentum": 0.1,
//    "grad_clip_norm": 10.0, "patience": 10, "min_delta": 0, "eval_every": 1, "seed": 1,
//    "threads": 0,
//    "augment": {"scale_min": 0.75, "scale_max": 1.25, "flip_prob": 0.5,
//                "hsv_h": 0.015, "hsv_s": 0.5, "hsv_v": 0.3}}
// Unknown keys are refused (std::invalid_argument naming the key) so typos never pass.
#pragma once

#include <cstdint>
#include <string>

#include "train/training_data.h"

namespace tinydet {

enum class OptimizerKind : uint8_t { Adam = 0, AdamW = 1 };

struct TrainRecipe {
  OptimizerKind optimizer = OptimizerKind::AdamW;
  // Defaults: the shared schedule of the fruit, coco128 and resolution suites, from random
  // weights, measured on the quick suite's data (synthetic:1200@1, generator v2; issue #6,
  // plugin READMEs). lr 1e-3 underfits every detector in a few hundred steps. At 60 epochs,
  // batch 16, lr 1e-2 gave FOMO@96 F1 0.898, SSDLite@160 mAP@0.5 0.995, TinyissimoYOLO@88
  // 0.54-0.63 over seeds (lr 2e-2: 0.545). Batch 16 gives twice the steps of 32 at about
  // the same cost per image. The quick suite runs 80 epochs with min_delta 0.01 (its YOLO
  // needs the epochs; min_delta stops the saturated models early to pay for them).
  double lr = 1e-2;               // peak learning rate
  double warmup_epochs = 1.0;     // linear warm-up from 0 to lr (may be fractional)
  double min_lr_fraction = 0.01;  // cosine decays to lr * min_lr_fraction at the last step
  int batch_size = 16;
  int epochs = 60;
  double weight_decay = 5e-4;     // on conv / FC weights only (not biases, BN)
  double bn_momentum = 0.1;       // PyTorch convention: new = (1-m) old + m batch
  double grad_clip_norm = 10.0;   // global L2 norm clip; <= 0 disables
  int patience = 10;              // epochs without a better validation metric; 0 = never stop
  // Early stopping counts an epoch as better only when it beats the metric of the last such
  // epoch by more than this (Keras' min_delta); the kept weights are still the best epoch's.
  double min_delta = 0.0;
  int eval_every = 1;             // validate every N epochs (and after the last one)
  uint64_t seed = 1;
  int threads = 0;                // torch intra-op threads; 0 = all cores. Not in the cache key.
  Augmentation augment;

  /// Canonical JSON of the fields that decide the weights (fixed key order, no threads).
  std::string canonical_json() const;
  /// Full JSON including threads.
  std::string to_json() const;
};

/// Parses a JSON object (see the top of this file). `where` names the source in errors.
TrainRecipe recipe_from_json(const std::string& json, const std::string& where = "recipe");

/// Learning rate at `step` (0-based) of `total_steps`, with `steps_per_epoch` to convert
/// warm-up epochs to steps: linear warm-up, then cosine to lr * min_lr_fraction.
double learning_rate_at(const TrainRecipe& r, int64_t step, int64_t total_steps,
                        int64_t steps_per_epoch);

}  // namespace tinydet
