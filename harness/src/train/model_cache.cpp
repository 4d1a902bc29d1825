// The trained-model cache (see model_cache.h).
#include "train/model_cache.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tinydet/model_file.h"
#include "train/graph_module.h"

namespace tinydet {

namespace fs = std::filesystem;

std::string fnv1a64_hex(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
  return buf;
}

std::string canonical_cache_key(const ModelCacheKey& k) {
  nlohmann::ordered_json j;
  j["plugin"] = k.plugin_name;
  j["plugin_version"] = k.plugin_version;
  j["input_h"] = k.config.input_h;
  j["input_w"] = k.config.input_w;
  j["num_classes"] = k.config.num_classes;
  nlohmann::ordered_json opts = nlohmann::ordered_json::object();
  for (const auto& [name, value] : k.config.options) opts[name] = value;  // std::map: sorted
  j["options"] = opts;
  j["graph"] = fnv1a64_hex(k.graph_signature);
  j["dataset"] = k.dataset_spec;
  j["dataset_fingerprint"] = k.dataset_fingerprint;
  j["recipe"] = nlohmann::ordered_json::parse(k.recipe.canonical_json());
  j["trainer"] = kTrainerVersion;
  // Only when set, so keys of models trained with the plugin's default stay valid.
  if (k.selection_score_threshold >= 0) j["selection_score_threshold"] = k.selection_score_threshold;
  return j.dump();
}

std::string cache_hash(const ModelCacheKey& key) { return fnv1a64_hex(canonical_cache_key(key)); }

ModelCacheKey make_cache_key(const Architecture& arch, const ArchConfig& cfg,
                             const CacheOptions& cache, const TrainingSource& train,
                             const TrainingSource* validation, const TrainRecipe& recipe) {
  ModelCacheKey k;
  k.plugin_name = cache.plugin_name;
  k.plugin_version = cache.plugin_version;
  k.config = cfg;
  k.dataset_spec = cache.dataset_spec;
  k.dataset_fingerprint = train.fingerprint();
  if (validation) k.dataset_fingerprint += "|val:" + validation->fingerprint();
  k.graph_signature = graph_structure_signature(arch.build_graph());
  k.recipe = recipe;
  return k;
}

namespace {

nlohmann::json history_to_json(const std::vector<EpochRecord>& h) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : h)
    a.push_back({{"epoch", r.epoch + 1}, {"train_loss", num(r.train_loss)},
                 {"val_loss", num(r.val_loss)}, {"val_metric", num(r.val_metric)}, {"lr", r.lr},
                 {"images_per_second", r.images_per_second}});
  return a;
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("model cache: cannot write " + tmp.string());
    f << text;
    if (!f) throw std::runtime_error("model cache: write failed for " + tmp.string());
  }
  fs::rename(tmp, path);
}

}  // namespace

TrainResult train_cached(const Architecture& arch, const ArchConfig& cfg,
                         const CacheOptions& cache, const TrainingSource& train,
                         const TrainingSource* validation, const TrainRecipe& recipe,
                         TrainOptions options) {
  ModelCacheKey key = make_cache_key(arch, cfg, cache, train, validation, recipe);
  if (validation) key.selection_score_threshold = options.decode.score_threshold;
  const std::string hash = cache_hash(key);
  const fs::path dir(cache.cache_dir);
  const fs::path model = dir / (hash + ".tdm");
  const fs::path train_model = dir / (hash + ".train.tdm");
  const fs::path sidecar = dir / (hash + ".json");
  const fs::path checkpoint = dir / (hash + ".ckpt");

  if (!cache.retrain && fs::exists(model) && fs::exists(train_model)) {
    TrainResult r;
    r.inference = load_model(model.string());
    r.trained = load_model(train_model.string());
    r.from_cache = true;
    r.cache_file = model.string();
    if (fs::exists(sidecar)) {
      try {
        std::ifstream f(sidecar);
        const auto j = nlohmann::json::parse(f);
        r.metric_name = j.value("metric", "");
        if (j.contains("best_metric") && j["best_metric"].is_number())
          r.best_metric = j["best_metric"].get<double>();
        r.best_epoch = j.value("best_epoch", 0) - 1;
        r.epochs_completed = j.value("epochs_completed", 0);
        r.global_step = j.value("steps", int64_t(0));
        r.images_per_second = j.value("images_per_second", 0.0);
        r.early_stopped = j.value("early_stopped", false);
        r.total_steps = r.global_step;
        auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
        for (const auto& e : j.value("history", nlohmann::json::array())) {
          EpochRecord rec;
          rec.epoch = e.value("epoch", 1) - 1;  // 1-based in the sidecar
          rec.train_loss = num(e.value("train_loss", nlohmann::json()));
          rec.val_loss = num(e.value("val_loss", nlohmann::json()));
          rec.val_metric = num(e.value("val_metric", nlohmann::json()));
          rec.lr = num(e.value("lr", nlohmann::json()));
          rec.images_per_second = num(e.value("images_per_second", nlohmann::json()));
          r.history.push_back(rec);
        }
      } catch (const std::exception&) {
        // The sidecar is informative only; the model files are the cache.
      }
    }
    return r;
  }

  fs::create_directories(dir);
  if (cache.retrain && fs::exists(checkpoint)) fs::remove(checkpoint);
  options.checkpoint_path = checkpoint.string();
  options.resume = !cache.retrain;
  Graph graph = arch.build_graph();
  graph.meta["plugin"] = cache.plugin_name;
  graph.meta["plugin_version"] = cache.plugin_version;
  graph.meta["dataset"] = cache.dataset_spec;
  graph.meta["input_h"] = std::to_string(cfg.input_h);
  graph.meta["input_w"] = std::to_string(cfg.input_w);
  graph.meta["num_classes"] = std::to_string(cfg.num_classes);
  for (const auto& [name, value] : cfg.options) graph.meta["option." + name] = value;
  graph.meta["train.cache_key"] = hash;
  TrainResult r = train_graph(arch, std::move(graph), train, validation, recipe, options);
  if (r.interrupted) return r;

  save_model(r.trained, train_model.string());
  save_model(r.inference, model.string());
  nlohmann::ordered_json j;
  j["hash"] = hash;
  j["key"] = nlohmann::ordered_json::parse(canonical_cache_key(key));
  j["metric"] = r.metric_name;
  j["best_metric"] = std::isfinite(r.best_metric) ? nlohmann::ordered_json(r.best_metric)
                                                  : nlohmann::ordered_json();
  j["best_epoch"] = r.best_epoch + 1;
  j["epochs_completed"] = r.epochs_completed;
  j["early_stopped"] = r.early_stopped;
  j["steps"] = r.global_step;
  j["images_per_second"] = r.images_per_second;
  j["seconds"] = r.seconds;
  j["history"] = history_to_json(r.history);
  write_text_atomic(sidecar, j.dump(2) + "\n");
  if (fs::exists(checkpoint)) fs::remove(checkpoint);
  r.cache_file = model.string();
  return r;
}

}  // namespace tinydet
