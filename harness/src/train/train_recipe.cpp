// Recipe parsing, canonical form and the learning-rate schedule.
#include "train/train_recipe.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace tinydet {

namespace {

nlohmann::ordered_json augment_json(const Augmentation& a) {
  nlohmann::ordered_json j;
  j["scale_min"] = a.scale_min;
  j["scale_max"] = a.scale_max;
  j["flip_prob"] = a.flip_prob;
  j["hsv_h"] = a.hsv_h;
  j["hsv_s"] = a.hsv_s;
  j["hsv_v"] = a.hsv_v;
  return j;
}

nlohmann::ordered_json recipe_json(const TrainRecipe& r) {
  nlohmann::ordered_json j;
  j["optimizer"] = r.optimizer == OptimizerKind::Adam ? "adam" : "adamw";
  j["lr"] = r.lr;
  j["warmup_epochs"] = r.warmup_epochs;
  j["min_lr_fraction"] = r.min_lr_fraction;
  j["batch_size"] = r.batch_size;
  j["epochs"] = r.epochs;
  j["weight_decay"] = r.weight_decay;
  j["bn_momentum"] = r.bn_momentum;
  j["grad_clip_norm"] = r.grad_clip_norm;
  j["patience"] = r.patience;
  if (r.min_delta != 0) j["min_delta"] = r.min_delta;  // absent when 0: older keys stay valid
  j["eval_every"] = r.eval_every;
  j["seed"] = r.seed;
  j["augment"] = augment_json(r.augment);
  return j;
}

}  // namespace

std::string TrainRecipe::canonical_json() const { return recipe_json(*this).dump(); }

std::string TrainRecipe::to_json() const {
  auto j = recipe_json(*this);
  j["threads"] = threads;
  return j.dump();
}

TrainRecipe recipe_from_json(const std::string& text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw std::invalid_argument(where + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw std::invalid_argument(where + ": expected a JSON object");
  TrainRecipe r;
  auto num = [&](const nlohmann::json& obj, const char* key, auto& field, const std::string& ctx) {
    if (!obj.contains(key)) return;
    const auto& v = obj.at(key);
    if (!v.is_number())
      throw std::invalid_argument(where + ": '" + ctx + key + "' must be a number");
    field = v.get<std::remove_reference_t<decltype(field)>>();
  };
  static const std::set<std::string> known = {
      "optimizer", "lr", "warmup_epochs", "min_lr_fraction", "batch_size", "epochs",
      "weight_decay", "bn_momentum", "grad_clip_norm", "patience", "min_delta", "eval_every", "seed",
      "threads", "augment"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key()))
      throw std::invalid_argument(where + ": unknown recipe key '" + it.key() + "'");
  if (j.contains("optimizer")) {
    const auto& v = j.at("optimizer");
    const std::string s = v.is_string() ? v.get<std::string>() : "";
    if (s == "adam") r.optimizer = OptimizerKind::Adam;
    else if (s == "adamw") r.optimizer = OptimizerKind::AdamW;
    else throw std::invalid_argument(where + ": 'optimizer' must be \"adam\" or \"adamw\"");
  }
  num(j, "lr", r.lr, "");
  num(j, "warmup_epochs", r.warmup_epochs, "");
  num(j, "min_lr_fraction", r.min_lr_fraction, "");
  num(j, "batch_size", r.batch_size, "");
  num(j, "epochs", r.epochs, "");
  num(j, "weight_decay", r.weight_decay, "");
  num(j, "bn_momentum", r.bn_momentum, "");
  num(j, "grad_clip_norm", r.grad_clip_norm, "");
  num(j, "patience", r.patience, "");
  num(j, "min_delta", r.min_delta, "");
  num(j, "eval_every", r.eval_every, "");
  num(j, "seed", r.seed, "");
  num(j, "threads", r.threads, "");
  if (j.contains("augment")) {
    const auto& a = j.at("augment");
    if (!a.is_object()) throw std::invalid_argument(where + ": 'augment' must be an object");
    static const std::set<std::string> aug_known = {"scale_min", "scale_max", "flip_prob",
                                                    "hsv_h", "hsv_s", "hsv_v"};
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!aug_known.count(it.key()))
        throw std::invalid_argument(where + ": unknown augment key '" + it.key() + "'");
    num(a, "scale_min", r.augment.scale_min, "augment.");
    num(a, "scale_max", r.augment.scale_max, "augment.");
    num(a, "flip_prob", r.augment.flip_prob, "augment.");
    num(a, "hsv_h", r.augment.hsv_h, "augment.");
    num(a, "hsv_s", r.augment.hsv_s, "augment.");
    num(a, "hsv_v", r.augment.hsv_v, "augment.");
  }
  if (!(r.lr > 0)) throw std::invalid_argument(where + ": 'lr' must be > 0");
  if (r.batch_size < 1) throw std::invalid_argument(where + ": 'batch_size' must be >= 1");
  if (r.epochs < 1) throw std::invalid_argument(where + ": 'epochs' must be >= 1");
  if (r.eval_every < 1) throw std::invalid_argument(where + ": 'eval_every' must be >= 1");
  if (r.patience < 0) throw std::invalid_argument(where + ": 'patience' must be >= 0");
  if (!(r.min_delta >= 0 && r.min_delta < 1))
    throw std::invalid_argument(where + ": 'min_delta' must be in [0, 1)");
  if (r.warmup_epochs < 0) throw std::invalid_argument(where + ": 'warmup_epochs' must be >= 0");
  if (r.bn_momentum < 0 || r.bn_momentum > 1)
    throw std::invalid_argument(where + ": 'bn_momentum' must be in [0, 1]");
  if (r.augment.scale_min <= 0 || r.augment.scale_max < r.augment.scale_min)
    throw std::invalid_argument(where + ": augment scale range must be 0 < min <= max");
  if (r.augment.flip_prob < 0 || r.augment.flip_prob > 1)
    throw std::invalid_argument(where + ": 'augment.flip_prob' must be in [0, 1]");
  return r;
}

double learning_rate_at(const TrainRecipe& r, int64_t step, int64_t total_steps,
                        int64_t steps_per_epoch) {
  const double warmup = std::max(0.0, r.warmup_epochs * double(steps_per_epoch));
  const double s = double(step);
  if (warmup > 0 && s < warmup) return r.lr * (s + 1.0) / (warmup + 1.0);
  const double span = std::max(1.0, double(total_steps) - 1.0 - warmup);
  const double progress = std::clamp((s - warmup) / span, 0.0, 1.0);
  const double floor = r.lr * r.min_lr_fraction;
  return floor + (r.lr - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace tinydet
