#include "suite/suite_runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "suite/latency.h"
#include "suite/performance.h"
#include "suite/pipeline.h"
#include "suite/report.h"
#include "suite/results_store.h"
#include "suite/run_context.h"
#include <benchmark/benchmark.h>

#include "tinydet/graph.h"

namespace tinydet::suite {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string utc_stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

std::vector<int> resolutions_of(const SuiteSpec& s, size_t arch) {
  const auto& a = s.architectures[arch];
  return a.resolutions.empty() ? s.resolutions : a.resolutions;
}

std::string pointer_error(const SuiteSpec& s, const std::string& pointer, const std::string& what) {
  return s.file + ": " + pointer + ": " + what;
}

json settings_json(const std::map<std::string, std::string>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

std::string format_seconds(double s) {
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(s) % 60);
  else std::snprintf(buf, sizeof buf, "%.0fs", s);
  return buf;
}

/// Progress across cells: one line per cell with an ETA from the cells measured so far.
/// The ETA counts from start_cells(), so time spent before the cell loop (the parallel
/// pre-training) does not inflate the per-cell estimate; "elapsed" counts from construction.
class CellProgress {
 public:
  CellProgress(int total, int progress)
      : total_(total), quiet_(progress == 2), start_(clock::now()), cells_start_(start_) {}
  void start_cells() { cells_start_ = clock::now(); }
  void begin(int index, const std::string& id) {
    if (quiet_) return;
    std::cerr << "[" << index + 1 << "/" << total_ << "] " << id;
    if (measured_ > 0) {
      const double per =
          std::chrono::duration<double>(clock::now() - cells_start_).count() / measured_;
      std::cerr << "  (elapsed " << format_seconds(elapsed()) << ", ETA " << format_seconds(per * (total_ - index))
                << ")";
    }
    std::cerr << std::endl;
  }
  void end(bool ok, double seconds, const std::string& summary) {
    ++measured_;
    if (quiet_) return;
    std::cerr << "      " << (ok ? "ok" : "FAILED") << " in " << format_seconds(seconds) << "  " << summary
              << std::endl;
  }

 private:
  using clock = std::chrono::steady_clock;
  double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }
  int total_;
  bool quiet_;
  clock::time_point start_;
  clock::time_point cells_start_;
  int measured_ = 0;
};

/// Everything one (dataset, architecture, resolution) group shares across its cells.
struct TrainedGroup {
  ArchHandle arch;
  TrainResult train;
  Graph float_graph, int8_graph;
  bool have_int8 = false;
  QuantizeReport qreport;
  json model;  // params, MACs, flash, training and quantisation facts
};

json training_json(const TrainResult& t) {
  json hist = json::array();
  for (const auto& e : t.history)
    hist.push_back({{"epoch", e.epoch},
                    {"train_loss", e.train_loss},
                    {"val_loss", std::isfinite(e.val_loss) ? json(e.val_loss) : json(nullptr)},
                    {"val_metric", std::isfinite(e.val_metric) ? json(e.val_metric) : json(nullptr)},
                    {"lr", e.lr},
                    {"images_per_second", e.images_per_second}});
  return {{"from_cache", t.from_cache},
          {"steps_run", t.steps_run},
          {"epochs_completed", t.epochs_completed},
          {"early_stopped", t.early_stopped},
          {"metric", t.metric_name},
          {"best_epoch", t.best_epoch},
          {"best_metric", std::isfinite(t.best_metric) ? json(t.best_metric) : json(nullptr)},
          {"images_per_second", t.images_per_second},
          {"seconds", t.seconds},
          {"history", hist}};
}

}  // namespace

std::vector<CellSpec> enumerate_cells(const SuiteSpec& s) {
  std::vector<CellSpec> cells;
  for (size_t d = 0; d < s.datasets.size(); ++d)
    for (size_t a = 0; a < s.architectures.size(); ++a)
      for (int res : resolutions_of(s, a))
        for (const auto& p : s.precisions)
          for (size_t e = 0; e < s.executors.size(); ++e) {
            CellSpec c{d, a, e, res, p, ""};
            std::string ex = s.executors[e].name;
            for (const auto& [k, v] : s.executors[e].settings) ex += "," + k + "=" + v;
            c.id = s.datasets[d].spec + "|" + s.architectures[a].label + "|" + std::to_string(res) + "|" + ex +
                   "|" + p;
            cells.push_back(c);
          }
  return cells;
}

void validate_against_plugins(const SuiteSpec& s, const PluginRegistry& reg) {
  try {
    (void)recipe_from_json(s.recipe.dump(), s.file + ": /recipe");
  } catch (const std::exception& e) {
    throw std::invalid_argument(e.what());
  }
  for (size_t i = 0; i < s.executors.size(); ++i)
    if (!reg.find(PluginKind::Executor, s.executors[i].name))
      throw std::invalid_argument(pointer_error(s, "/executors/" + std::to_string(i),
                                                "unknown executor plugin '" + s.executors[i].name + "'"));
  for (size_t a = 0; a < s.architectures.size(); ++a) {
    const auto& entry = s.architectures[a];
    const std::string where = "/architectures/" + std::to_string(a);
    if (!reg.find(PluginKind::Architecture, entry.name))
      throw std::invalid_argument(
          pointer_error(s, where + "/name", "unknown architecture plugin '" + entry.name + "'"));
    const auto res = resolutions_of(s, a);
    for (size_t r = 0; r < res.size(); ++r) {
      const std::string key = entry.resolutions.empty() ? "/resolutions/" + std::to_string(r)
                                                        : where + "/resolutions/" + std::to_string(r);
      ArchHandle h;
      try {
        h = configure_architecture(reg, entry.name, res[r], 3, entry.options);
      } catch (const std::exception& e) {
        throw std::invalid_argument(pointer_error(s, key, "resolution " + std::to_string(res[r]) + " for '" +
                                                              entry.name + "': " + e.what()));
      }
      if (r == 0) {
        // Executor settings are checked by preparing each executor on this graph.
        Graph g = fold_for_inference(h.arch->build_graph());
        for (size_t e = 0; e < s.executors.size(); ++e) {
          auto ex = reg.find_executor(s.executors[e].name);
          ExecutorOptions eo;
          eo.settings = s.executors[e].settings;
          try {
            ex->prepare(g, DType::Float32, eo);
          } catch (const std::exception& err) {
            throw std::invalid_argument(pointer_error(s, "/executors/" + std::to_string(e) + "/settings",
                                                      err.what()));
          }
        }
      }
    }
  }
}

std::string latest_run_dir(const std::string& results_root, const std::string& suite_name) {
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(results_root, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(suite_name + "-", 0) == 0 && fs::exists(e.path() / "results.json") && n > fs::path(best).filename().string())
      best = e.path().string();
  }
  return best;
}

RunSummary run_suite(const SuiteSpec& s, const PluginRegistry& reg, const RunOptions& opt) {
  validate_against_plugins(s, reg);
  const TrainRecipe recipe = recipe_from_json(s.recipe.dump(), s.file + ": /recipe");

  RunSummary summary;
  std::string dir = opt.out_dir;
  if (opt.resume && dir.empty()) {
    dir = latest_run_dir(opt.results_root, s.name);
    if (dir.empty())
      throw std::runtime_error("--resume: no earlier run of suite '" + s.name + "' under " + opt.results_root);
  }
  if (dir.empty()) dir = (fs::path(opt.results_root) / (s.name + "-" + utc_stamp())).string();
  summary.dir = dir;

  const json seeds = {{"suite", s.seed}, {"recipe", recipe.seed}};
  std::unique_ptr<ResultsStore> store;
  if (opt.resume && fs::exists(fs::path(dir) / "results.json")) {
    store = std::make_unique<ResultsStore>(ResultsStore::open(dir));
    json resumed = store->document()["run"].value("resumed", json::array());
    resumed.push_back(utc_now_iso8601());
    store->set_run_field("resumed", resumed);
  } else {
    const json run = {{"id", fs::path(dir).filename().string()},
                      {"suite", s.name},
                      {"description", s.description},
                      {"suite_file", s.file},
                      {"suite_json", s.raw},
                      {"started", utc_now_iso8601()},
                      {"command", opt.command_line}};
    store = std::make_unique<ResultsStore>(ResultsStore::create(dir, run, run_context(seeds)));
  }

  const auto cells = enumerate_cells(s);
  summary.cells = int(cells.size());
  CellProgress progress(int(cells.size()), opt.progress);

  std::map<size_t, std::unique_ptr<DatasetHandle>> datasets;
  auto dataset = [&](size_t i) -> DatasetHandle& {
    auto& d = datasets[i];
    if (!d) {
      data::LoadOptions lo;
      lo.classes = s.datasets[i].classes;
      lo.val_fraction = s.datasets[i].val_fraction;
      lo.seed = s.seed;
      lo.data_dir = opt.data_dir;
      lo.print_warnings = opt.progress != 2;
      d = open_dataset(s.datasets[i].spec, lo);
    }
    return *d;
  };

  const int latency_threads = opt.latency_threads > 0 ? opt.latency_threads : s.latency.threads;
  auto group_key_of = [](const CellSpec& c) {
    return std::to_string(c.dataset) + "|" + std::to_string(c.architecture) + "|" +
           std::to_string(c.resolution);
  };

  // Train the distinct models of the unfinished cells first, several at once with one torch
  // thread each (only when the recipe leaves the thread count to us): small models scale
  // poorly over threads, and on 2 cores two single-thread trainings finish about 1.4x sooner
  // than the same two run one after the other on 2 threads (measured; see the note of issue #6). The
  // cell loop below then loads them from the model cache; a failed or interrupted training
  // is simply redone (and reported) there.
  std::map<std::string, bool> pretrained;  // group key -> was it already in the model cache
  {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::vector<const CellSpec*> jobs;
    std::set<std::string> seen;
    for (const CellSpec& c : cells)
      if (!store->finished(c.id) && seen.insert(group_key_of(c)).second) jobs.push_back(&c);
    if (recipe.threads == 0 && cores > 1 && jobs.size() > 1) {
      for (const CellSpec* c : jobs) dataset(c->dataset);  // open serially
      // Longest first, so no long training starts last and runs alone. Cost of an epoch ~
      // 0.033 s per million MACs + 1.71 s per million activation elements + 7 ms per op of
      // the training graph: a least-squares fit to the per-epoch times of the quick suite's
      // six trainings (two single-thread trainings at once, 720 images; issue #6). Within
      // 12% of each measured time; the old MACs + 300 x elements ranked FOMO@96 (1.7 s an
      // epoch) above TinyissimoYOLO@88 (2.7 s).
      // Each job's configured architecture is kept for its training; a job whose
      // configuration fails is left to the cell loop, which reports the error with the cell.
      std::map<const CellSpec*, double> cost;
      std::map<const CellSpec*, ArchHandle> configured;
      for (const CellSpec* c : jobs) {
        try {
          const auto& entry = s.architectures[c->architecture];
          ArchHandle a = configure_architecture(
              reg, entry.name, c->resolution, int(dataset(c->dataset).dataset.classes.size()),
              entry.options);
          const Graph g = a.arch->build_graph();
          double elements = 0;
          for (const Op& op : g.ops) elements += double(g.shape(op.output).elements());
          cost[c] = 0.033e-6 * double(g.total_stats().macs) + 1.71e-6 * elements +
                    0.007 * double(g.ops.size());
          configured.emplace(c, std::move(a));
        } catch (const std::exception&) {
        }
      }
      std::erase_if(jobs, [&](const CellSpec* c) { return !configured.count(c); });
      std::stable_sort(jobs.begin(), jobs.end(),
                       [&](const CellSpec* x, const CellSpec* y) { return cost[x] > cost[y]; });
      const size_t workers = std::min<size_t>(cores, jobs.size());
      if (opt.progress != 2 && !jobs.empty())
        std::fprintf(stderr, "training %zu models, %zu at a time with 1 thread each\n", jobs.size(),
                     workers);
      std::atomic<size_t> next{0};
      std::mutex done_mutex;
      auto worker = [&] {
        for (size_t j; (j = next.fetch_add(1)) < jobs.size() && !stop_requested();) {
          const CellSpec& c = *jobs[j];
          try {
            DatasetHandle& d = dataset(c.dataset);
            const auto& entry = s.architectures[c.architecture];
            const ArchHandle& arch = configured.at(&c);
            TrainSettings ts;
            ts.recipe = recipe;
            ts.recipe.threads = 1;
            if (!opt.cache_dir.empty()) ts.cache_dir = opt.cache_dir;
            ts.retrain = opt.retrain;
            ts.progress = 2;
            const auto t0 = std::chrono::steady_clock::now();
            const TrainResult r = train_model(arch, d, ts);
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::lock_guard<std::mutex> lock(done_mutex);
            if (r.interrupted) continue;
            pretrained[group_key_of(c)] = r.from_cache;
            if (opt.progress != 2)
              std::fprintf(stderr, "  trained %s %d in %s%s\n", entry.name.c_str(), c.resolution,
                           format_seconds(secs).c_str(), r.from_cache ? " (cached)" : "");
          } catch (const std::exception&) {
            // Left to the cell loop, which retrains and records the error with the cell.
          }
        }
      };
      std::vector<std::thread> pool;
      for (size_t w = 0; w < workers; ++w) pool.emplace_back(worker);
      for (auto& t : pool) t.join();
    }
  }

  std::unique_ptr<TrainedGroup> group;
  std::string group_key, group_error;

  progress.start_cells();
  for (size_t k = 0; k < cells.size(); ++k) {
    const CellSpec& c = cells[k];
    if (store->finished(c.id)) {
      ++summary.skipped;
      continue;
    }
    const auto& arch_entry = s.architectures[c.architecture];
    const auto& ex_entry = s.executors[c.executor];
    progress.begin(int(k), c.id);
    const auto t0 = std::chrono::steady_clock::now();
    json cell = {{"id", c.id},
                 {"started", utc_now_iso8601()},
                 {"config",
                  {{"dataset", s.datasets[c.dataset].spec},
                   {"architecture", arch_entry.name},
                   {"architecture_label", arch_entry.label},
                   {"options", settings_json(arch_entry.options)},
                   {"resolution", c.resolution},
                   {"executor", ex_entry.name},
                   {"executor_settings", settings_json(ex_entry.settings)},
                   {"precision", c.precision},
                   {"seed", recipe.seed}}}};
    std::string short_summary;
    try {
      DatasetHandle& d = dataset(c.dataset);
      cell["config"]["classes"] = d.dataset.classes;
      const std::string key = group_key_of(c);
      if (key != group_key) {
        group.reset();
        group_error.clear();
        group_key = key;
        try {
          auto g = std::make_unique<TrainedGroup>();
          g->arch = configure_architecture(reg, arch_entry.name, c.resolution, int(d.dataset.classes.size()),
                                           arch_entry.options);
          cell["config"]["plugin_version"] = g->arch.plugin ? g->arch.plugin->version : "";
          TrainSettings ts;
          ts.recipe = recipe;
          if (!opt.cache_dir.empty()) ts.cache_dir = opt.cache_dir;
          ts.retrain = opt.retrain && !pretrained.count(key);  // not twice
          ts.progress = opt.progress;
          g->train = train_model(g->arch, d, ts);
          if (g->train.interrupted) {
            summary.interrupted = true;
            break;
          }
          g->float_graph = g->train.inference;
          g->model = {{"params", g->train.trained.total_stats().params},
                      {"macs", g->float_graph.total_stats().macs},
                      {"flash_bytes", g->float_graph.total_stats().weight_bytes},
                      {"checkpoint", g->train.cache_file},
                      {"from_cache", pretrained.count(key) ? pretrained.at(key) : g->train.from_cache},
                      {"training", training_json(g->train)}};
          group = std::move(g);
        } catch (const std::exception& e) {
          group_error = e.what();
        }
      }
      if (!group) throw std::runtime_error(group_error);
      TrainedGroup& g = *group;
      cell["config"]["plugin_version"] = g.arch.plugin ? g.arch.plugin->version : "";
      const DType dtype = c.precision == "int8" ? DType::Int8 : DType::Float32;
      if (dtype == DType::Int8 && !g.have_int8) {
        g.int8_graph = quantize_model(g.float_graph, g.arch, d, s.calibration_images, &g.qreport);
        g.have_int8 = true;
        json sq = json::object();
        for (const auto& o : g.qreport.outputs) sq[o.name] = o.sqnr_db;
        g.model["quantization"] = {{"observer", "minmax"},
                                   {"calibration_images", g.qreport.calibration_images},
                                   {"output_sqnr_db", sq}};
      }
      const Graph& graph = dtype == DType::Int8 ? g.int8_graph : g.float_graph;
      cell["model"] = g.model;

      // Accuracy over the eval split.
      EvalSettings es;
      es.score_threshold = s.metrics.score_threshold;
      es.centroid_max_distance_cells = s.metrics.centroid_max_distance_cells;
      es.max_images = s.datasets[c.dataset].max_eval_images;
      ExecutorOptions eo;
      eo.settings = ex_entry.settings;
      eo.threads = latency_threads;
      const EvalResult acc = evaluate_model(reg, ex_entry.name, eo, g.arch, graph, dtype, d, es);
      cell["accuracy"] = acc.metrics;

      // Memory and latency on one executor instance.
      auto ex = reg.find_executor(ex_entry.name);
      ex->prepare(graph, dtype, eo);
      const int w = c.resolution, h = c.resolution;
      const ResizeMode mode = g.arch.arch->resize_mode();
      const auto& eval_idx = d.dataset.indices(d.eval_split());
      LatencyImages images;
      for (int i = 0; i < s.latency.images && i < int(eval_idx.size()); ++i) {
        const size_t idx = eval_idx[size_t(i) * eval_idx.size() / size_t(std::min<int>(s.latency.images, int(eval_idx.size())))];
        images.sources.push_back(d.cache->get_source(idx, 640));
        const auto net = d.cache->get(idx, w, h, mode);
        images.inputs.push_back(make_input(net.rgb.ptr<uint8_t>(), size_t(w) * h * 3, dtype));
      }
      cell["memory"] = memory_json(*ex, images.inputs.at(0).data());
      DecodeOptions dec;
      dec.score_threshold = s.metrics.score_threshold;
      const StageLatency lat = measure_stage_latency(c.id, *ex, *g.arch.arch, graph, dtype, images, dec,
                                                     s.latency.repetitions, s.latency.min_time_s);
      const LatencyStats& net = lat.network;
      cell["latency"] = to_json(lat, latency_threads);
      cell["status"] = "ok";
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s %.3f  network %.3f ms  arena %.1f KiB", acc.metrics["primary_metric"].get<std::string>().c_str(),
                    acc.primary, net.median_ms, cell["memory"]["arena_bytes"].get<double>() / 1024.0);
      short_summary = buf;
    } catch (const std::exception& e) {
      cell["status"] = "failed";
      cell["error"] = e.what();
      short_summary = e.what();
      ++summary.failed;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cell["seconds"] = secs;
    store->append(cell);
    ++summary.ran;
    progress.end(cell["status"] == "ok", secs, short_summary);
  }

  if (!summary.interrupted) store->set_run_field("finished", utc_now_iso8601());
  if (opt.plot) {
    try {
      summary.plots = make_plots(store->document(), (fs::path(dir) / "plots").string());
    } catch (const std::exception& e) {
      std::cerr << "tinydet: plots not drawn: " << e.what() << std::endl;
    }
  }
  const auto rep = write_report(store->document(), dir);
  summary.report_html = rep.html;
  summary.report_markdown = rep.markdown;
  return summary;
}

}  // namespace tinydet::suite
