#include "suite/pipeline.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "metrics/coco_eval.h"
#include "metrics/coco_export.h"
#include "metrics/detection_report.h"
#include "train/dataset_source.h"
#include "train/model_cache.h"

namespace tinydet::suite {

using nlohmann::json;

data::Split DatasetHandle::eval_split() const {
  return dataset.test.empty() ? data::Split::Val : data::Split::Test;
}

std::unique_ptr<DatasetHandle> open_dataset(const std::string& spec, const data::LoadOptions& opt) {
  auto h = std::make_unique<DatasetHandle>();
  h->dataset = data::load_dataset(spec, opt);
  h->cache = std::make_unique<data::ImageCache>(h->dataset);
  return h;
}

ArchHandle configure_architecture(const PluginRegistry& reg, const std::string& name, int resolution,
                                  int num_classes, const std::map<std::string, std::string>& options) {
  ArchHandle a;
  a.arch = reg.find_architecture(name);
  a.plugin = reg.find(PluginKind::Architecture, name);
  a.config.input_h = a.config.input_w = resolution;
  a.config.num_classes = num_classes;
  a.config.options = options;
  a.arch->configure(a.config);
  return a;
}

namespace {

/// Output cell size in network pixels for the centroid metrics: the architecture's stride
/// for centroid detectors, 8 pixels (FOMO's default cell) for box detectors.
float centroid_cell_size(const ArchHandle& a, const Graph& g) {
  if (!a.arch->centroid_detector() || g.outputs.empty()) return 8.f;
  const Shape& s = g.shape(g.outputs[0].tensor);
  return s.w > 0 ? float(a.config.input_w) / float(s.w) : 8.f;
}

metrics::EvalSet make_set(int num_classes, const std::vector<std::string>& names) {
  metrics::EvalSet set;
  set.class_names = names;
  if (set.class_names.empty())
    for (int c = 0; c < num_classes; ++c) set.class_names.push_back("class" + std::to_string(c));
  return set;
}

std::vector<size_t> spread(const std::vector<size_t>& indices, size_t n) {
  if (n == 0 || n >= indices.size()) return indices;
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(indices[i * indices.size() / n]);
  return out;
}

}  // namespace

double primary_metric_value(const std::string& metric, int num_classes, float cell_size,
                            const std::vector<std::vector<Detection>>& detections,
                            const std::vector<std::vector<Box>>& ground_truth) {
  metrics::EvalSet set = make_set(num_classes, {});
  for (size_t i = 0; i < ground_truth.size(); ++i) {
    metrics::EvalImage im;
    im.ground_truth = ground_truth[i];
    im.detections = i < detections.size() ? detections[i] : std::vector<Detection>{};
    set.images.push_back(std::move(im));
  }
  if (metric == "map50") return std::max(0.0, metrics::evaluate_coco(set).ap50);
  if (metric == "centroid_f1") {
    metrics::CentroidParams p;
    p.cell_size = cell_size;
    return metrics::evaluate_centroids(set, p).micro.f1();
  }
  throw std::invalid_argument("unknown primary metric '" + metric + "' (map50 or centroid_f1)");
}

TrainResult train_model(const ArchHandle& a, DatasetHandle& d, const TrainSettings& s) {
  const int w = a.config.input_w, h = a.config.input_h;
  const ResizeMode mode = a.arch->resize_mode();
  DatasetSource train(d.dataset, data::Split::Train, w, h, mode, *d.cache);
  if (train.size() == 0)
    throw std::runtime_error("dataset '" + d.dataset.spec + "' has no training images");
  std::unique_ptr<DatasetSource> val;
  if (!d.dataset.val.empty())
    val = std::make_unique<DatasetSource>(d.dataset, data::Split::Val, w, h, mode, *d.cache);
  train.prefetch();
  if (val) val->prefetch();

  CacheOptions cache;
  cache.cache_dir = s.cache_dir;
  cache.retrain = s.retrain;
  cache.plugin_name = a.plugin ? a.plugin->name : "?";
  cache.plugin_version = a.plugin ? a.plugin->version : "?";
  cache.dataset_spec = d.dataset.spec;

  TrainOptions opt;
  opt.progress = s.progress;
  const std::string metric = a.arch->primary_metric();
  const Graph probe = a.arch->build_graph();
  const float cell = centroid_cell_size(a, probe);
  const int classes = a.config.num_classes;
  opt.evaluator = [metric, classes, cell](const std::vector<std::vector<Detection>>& dets,
                                          const std::vector<std::vector<Box>>& gt) {
    return primary_metric_value(metric, classes, cell, dets, gt);
  };
  if (metric == "map50" && !a.arch->centroid_detector()) opt.decode.score_threshold = s.ranked_score_threshold;
  return train_cached(*a.arch, a.config, cache, train, val.get(), s.recipe, opt);
}

Graph quantize_model(const Graph& float_graph, const ArchHandle& a, DatasetHandle& d,
                     int calibration_images, QuantizeReport* report, int threads) {
  const auto picks = spread(d.dataset.train, size_t(std::max(1, calibration_images)));
  if (picks.empty()) throw std::runtime_error("quantisation: the dataset has no training images to calibrate on");
  const int w = a.config.input_w, h = a.config.input_h;
  d.cache->prefetch(picks, w, h, a.arch->resize_mode());
  std::vector<std::vector<float>> calib;
  for (size_t idx : picks) {
    const auto img = d.cache->get(idx, w, h, a.arch->resize_mode());
    std::vector<float> in(size_t(w) * h * 3);
    pixels_to_float_input(img.rgb.ptr<uint8_t>(), in.size(), in.data());
    calib.push_back(std::move(in));
  }
  QuantizeOptions qo;
  qo.threads = threads;
  return quantize(float_graph, calib, qo, report);
}

std::vector<uint8_t> make_input(const uint8_t* rgb, size_t n, DType dtype) {
  std::vector<uint8_t> out(n * size_t(dtype_bytes(dtype)));
  if (dtype == DType::Int8) pixels_to_int8_input(rgb, n, reinterpret_cast<int8_t*>(out.data()));
  else pixels_to_float_input(rgb, n, reinterpret_cast<float*>(out.data()));
  return out;
}

std::vector<std::vector<float>> read_outputs(const Executor& ex, const Graph& g, DType dtype) {
  std::vector<std::vector<float>> outs;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Tensor& t = g.tensor(g.outputs[i].tensor);
    std::vector<float> v(size_t(t.shape.elements()));
    if (dtype == DType::Float32) {
      std::memcpy(v.data(), ex.output(int(i)), v.size() * sizeof(float));
    } else {
      const int8_t* q = static_cast<const int8_t*>(ex.output(int(i)));
      for (size_t k = 0; k < v.size(); ++k) v[k] = t.quant.scale * float(int32_t(q[k]) - t.quant.zero_point);
    }
    outs.push_back(std::move(v));
  }
  return outs;
}

std::vector<Detection> decode_outputs(const Architecture& arch, const Graph& g,
                                      const std::vector<std::vector<float>>& outputs,
                                      const DecodeOptions& opt) {
  std::vector<ConstTensorBatch> views;
  for (size_t i = 0; i < outputs.size(); ++i)
    views.push_back(ConstTensorBatch{outputs[i].data(), g.shape(g.outputs[i].tensor), 1});
  return arch.decode(views, opt);
}

EvalResult evaluate_model(const PluginRegistry& reg, const std::string& executor,
                          const ExecutorOptions& ex_opt, const ArchHandle& a, const Graph& g,
                          DType dtype, DatasetHandle& d, const EvalSettings& s) {
  const data::Split split = d.eval_split();
  const auto indices = spread(d.dataset.indices(split), size_t(std::max(0, s.max_images)));
  if (indices.empty())
    throw std::runtime_error("dataset '" + d.dataset.spec + "' has no " + data::split_name(split) +
                             " images to evaluate on");
  const int w = a.config.input_w, h = a.config.input_h;
  const ResizeMode mode = a.arch->resize_mode();
  d.cache->prefetch(indices, w, h, mode);

  DecodeOptions dec;
  dec.score_threshold = s.score_threshold;
  // Box detectors get a second, low-threshold decode for the ranked metrics.
  const bool ranked_decode = !a.arch->centroid_detector();
  DecodeOptions ranked_dec = dec;
  ranked_dec.score_threshold = s.ranked_score_threshold;
  ExecutorOptions one_thread = ex_opt;
  one_thread.threads = 1;  // parallelism is over images here
  // Prepare one executor up front so a bad setting fails once, clearly.
  { auto probe = reg.find_executor(executor); probe->prepare(g, dtype, one_thread); }
  tbb::enumerable_thread_specific<ExecutorHandle> executors([&] {
    auto ex = reg.find_executor(executor);
    ex->prepare(g, dtype, one_thread);
    return ex;
  });

  std::vector<std::vector<Detection>> net_dets(indices.size()), ranked_dets(indices.size());
  std::vector<data::ResizeTransform> transforms(indices.size());
  const int threads = s.threads > 0 ? s.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(size_t(0), indices.size(), [&](size_t i) {
      const auto img = d.cache->get(indices[i], w, h, mode);
      transforms[i] = img.transform;
      auto& ex = executors.local();
      const auto input = make_input(img.rgb.ptr<uint8_t>(), size_t(w) * h * 3, dtype);
      ex->invoke(input.data());
      const auto outputs = read_outputs(*ex, g, dtype);
      net_dets[i] = decode_outputs(*a.arch, g, outputs, dec);
      if (ranked_decode) ranked_dets[i] = decode_outputs(*a.arch, g, outputs, ranked_dec);
    });
  });

  // Original-image coordinates: COCO, VOC, counting, classification.
  metrics::EvalSet orig = make_set(a.config.num_classes, d.dataset.classes);
  // Network coordinates: centroid and cell metrics, whose distances are in output cells.
  metrics::EvalSet net = orig, ranked = orig;
  std::vector<std::string> file_names;
  for (size_t i = 0; i < indices.size(); ++i) {
    const auto& sample = d.dataset.samples[indices[i]];
    metrics::EvalImage o;
    o.ground_truth = sample.boxes;
    for (const auto& det : net_dets[i]) o.detections.push_back(transforms[i].to_image(det));
    o.width = sample.width;
    o.height = sample.height;
    metrics::EvalImage r = o;
    r.detections.clear();
    for (const auto& det : ranked_decode ? ranked_dets[i] : net_dets[i])
      r.detections.push_back(transforms[i].to_image(det));
    ranked.images.push_back(std::move(r));
    orig.images.push_back(std::move(o));
    metrics::EvalImage n;
    n.ground_truth = transforms[i].boxes_to_network(sample.boxes);
    n.detections = net_dets[i];
    n.width = w;
    n.height = h;
    net.images.push_back(std::move(n));
    file_names.push_back(std::filesystem::path(sample.image_path).filename().string());
  }

  metrics::ReportOptions ro;
  ro.with_cell_f1 = false;
  auto report = metrics::evaluate_all(orig, ro);
  if (ranked_decode) {
    report.coco = metrics::evaluate_coco(ranked, ro.coco);
    report.voc = metrics::evaluate_voc(ranked, ro.voc);
  }
  const float cell = centroid_cell_size(a, g);
  metrics::CentroidParams cp;
  cp.cell_size = cell;
  cp.max_distance_cells = float(s.centroid_max_distance_cells);
  const auto centroid = metrics::evaluate_centroids(net, cp);
  metrics::CellF1Params fp;
  fp.cell_size = cell;
  const auto cell_f1 = metrics::evaluate_cell_f1(net, fp);

  if (!s.coco_results_json.empty()) {
    const std::filesystem::path res(s.coco_results_json);
    metrics::write_coco_json(ranked, res.parent_path() / (res.stem().string() + "_ground_truth.json"), res,
                             file_names);
  }

  EvalResult r;
  const std::string metric = a.arch->primary_metric();
  r.primary = metric == "map50" ? std::max(0.0, report.coco.ap50) : centroid.micro.f1();
  json j;
  metrics::to_json(j, report);
  j["centroid"] = centroid;
  j["centroid"]["coordinates"] = "network input pixels; cell size " + std::to_string(cell) + " px";
  j["edge_impulse_f1"] = cell_f1;
  j.erase("cell_f1");
  j["eval_images"] = int(indices.size());
  j["split"] = data::split_name(split);
  j["primary_metric"] = metric;
  j["primary"] = r.primary;
  j["decode"] = {{"score_threshold", s.score_threshold < 0 ? json("plugin default") : json(s.score_threshold)},
                 {"ranked_metrics_score_threshold",
                  ranked_decode ? json(s.ranked_score_threshold) : json("same as score_threshold")}};
  r.metrics = std::move(j);
  return r;
}

}  // namespace tinydet::suite
