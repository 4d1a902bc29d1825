// The training loop, validation, early stopping and resumable checkpoints (libtorch).
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "train/caching_cpu_allocator.h"
#include "train/fused_adam.h"
#include "train/detail/torch_graph.h"
#include "train/graph_module.h"
#include "train/progress.h"

namespace tinydet {

// ---- stop requests -------------------------------------------------------------------------

namespace {
std::atomic<bool> g_stop{false};
extern "C" void tinydet_trainer_on_sigint(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C kills the process
}
}  // namespace

void install_sigint_handler() { std::signal(SIGINT, tinydet_trainer_on_sigint); }
bool stop_requested() { return g_stop.load(); }
void request_stop() { g_stop.store(true); }
void reset_stop_request() { g_stop.store(false); }

namespace {

// Format 2: optimizer state of FusedAdam (format 1 held torch::optim's archive).
constexpr const char* kCheckpointFormat = "tinydet-train-checkpoint-2";

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Portable Fisher-Yates permutation of [0, n) from (seed, epoch).
std::vector<size_t> epoch_order(size_t n, uint64_t seed, int epoch) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  uint64_t state = mix(seed, 0x1000 + uint64_t(epoch));
  for (size_t i = n; i > 1; --i) {
    state = mix(state, i);
    std::swap(order[i - 1], order[size_t(state % i)]);
  }
  return order;
}

struct Batch {
  int size = 0;
  std::vector<float> input;  // NHWC, pixel / 255
  std::vector<Targets> targets;
  std::vector<std::vector<Box>> boxes;
};

Batch load_batch(const Architecture& arch, const TrainingSource& src,
                 const std::vector<size_t>& indices, uint64_t seed, int epoch,
                 const Augmentation* aug, const Shape& in_shape, bool keep_boxes) {
  Batch b;
  b.size = int(indices.size());
  const size_t per_image = size_t(in_shape.elements());
  b.input.resize(per_image * indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    const size_t idx = indices[k];
    Example e = src.get(idx, mix(mix(seed, uint64_t(epoch)), idx), aug);
    if (e.height != in_shape.h || e.width != in_shape.w || e.rgb.size() != per_image)
      throw std::runtime_error("trainer: sample " + std::to_string(idx) + " is " +
                               std::to_string(e.width) + "x" + std::to_string(e.height) +
                               " with " + std::to_string(e.rgb.size()) +
                               " bytes; the network input is " + std::to_string(in_shape.w) +
                               "x" + std::to_string(in_shape.h) + "x" +
                               std::to_string(in_shape.c));
    float* dst = b.input.data() + k * per_image;
    for (size_t i = 0; i < per_image; ++i) dst[i] = float(e.rgb[i]) * (1.f / 255.f);
    b.targets.push_back(arch.encode(e.boxes));
    if (keep_boxes) b.boxes.push_back(std::move(e.boxes));
  }
  return b;
}

/// Runs the architecture's loss on NHWC output tensors; fills gradient tensors.
double run_loss(const Architecture& arch, const std::vector<torch::Tensor>& outputs,
                const std::vector<Shape>& shapes, std::span<const Targets> targets, int batch,
                std::vector<torch::Tensor>* grads_out) {
  std::vector<torch::Tensor> host(outputs.size()), grads(outputs.size());
  std::vector<ConstTensorBatch> in(outputs.size());
  std::vector<TensorBatch> g(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    host[i] = outputs[i].detach().contiguous();
    grads[i] = torch::zeros_like(host[i]);
    in[i] = ConstTensorBatch{host[i].data_ptr<float>(), shapes[i], batch};
    g[i] = TensorBatch{grads[i].data_ptr<float>(), shapes[i], batch};
  }
  const double loss = arch.loss(in, targets, g);
  if (grads_out) *grads_out = std::move(grads);
  return loss;
}

// ---- checkpoint ------------------------------------------------------------------------------

struct LoopState {
  int epoch = 0;                 // current epoch (0-based)
  int64_t step_in_epoch = 0;     // steps of `epoch` already done
  int64_t global_step = 0;
  double epoch_loss_sum = 0;
  int64_t epoch_loss_count = 0;
  int best_epoch = -1;
  double best_metric = NAN;
  // The last epoch that beat the previous such epoch's metric by more than min_delta, and
  // its metric: patience counts epochs since it.
  int progress_epoch = -1;
  double progress_metric = NAN;
  bool early_stopped = false;
  bool has_best = false;
  std::vector<EpochRecord> history;
};

nlohmann::json history_json(const std::vector<EpochRecord>& h) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : h)
    a.push_back({{"epoch", r.epoch}, {"train_loss", num(r.train_loss)}, {"val_loss", num(r.val_loss)},
                 {"val_metric", num(r.val_metric)}, {"lr", r.lr},
                 {"images_per_second", r.images_per_second}});
  return a;
}

std::vector<EpochRecord> history_from_json(const nlohmann::json& a) {
  auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
  std::vector<EpochRecord> h;
  for (const auto& j : a) {
    EpochRecord r;
    r.epoch = j.at("epoch").get<int>();
    r.train_loss = num(j.at("train_loss"));
    r.val_loss = num(j.at("val_loss"));
    r.val_metric = num(j.at("val_metric"));
    r.lr = num(j.at("lr"));
    r.images_per_second = num(j.at("images_per_second"));
    h.push_back(r);
  }
  return h;
}

torch::Tensor vector_tensor(const std::vector<float>& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {int64_t(v.size())}, torch::kFloat32)
      .clone();
}

/// The model's parameters under FusedAdam: weights decay, biases and BatchNorm affine
/// parameters do not. Gradients are dropped after each step (autograd then hands its
/// buffers over on the next backward instead of accumulating into zeroed ones).
class ModelOptimizer {
 public:
  ModelOptimizer(detail::TorchGraph& model, const TrainRecipe& r)
      : params_(model.decay_parameters()),
        decays_(params_.size(), r.weight_decay),
        adam_(append_no_decay(model), options(r)) {
    for (const auto& p : params_)
      if (!p.is_contiguous() || p.scalar_type() != torch::kFloat32)
        throw std::logic_error("trainer: parameters must be contiguous float tensors");
  }

  void zero_grad() {
    for (auto& p : params_) p.mutable_grad().reset();
  }

  void step(double lr) {
    std::vector<torch::Tensor> grads(params_.size());  // keeps contiguous copies alive
    std::vector<FusedAdamParam> in(params_.size());
    for (size_t k = 0; k < params_.size(); ++k) {
      in[k].values = params_[k].data_ptr<float>();
      in[k].size = size_t(params_[k].numel());
      in[k].weight_decay = decays_[k];
      const torch::Tensor& g = params_[k].grad();
      if (!g.defined()) continue;
      grads[k] = g.contiguous();
      in[k].grad = grads[k].data_ptr<float>();
    }
    adam_.step(in, lr);
  }

  void save(torch::serialize::OutputArchive& a) const {
    std::vector<int64_t> steps(params_.size());
    for (size_t k = 0; k < params_.size(); ++k) {
      steps[k] = adam_.steps(k);
      a.write("adam_m_" + std::to_string(k), vector_tensor(adam_.first_moment(k)), true);
      a.write("adam_v_" + std::to_string(k), vector_tensor(adam_.second_moment(k)), true);
    }
    a.write("adam_steps", torch::tensor(steps, torch::kInt64), true);
  }

  void load(torch::serialize::InputArchive& a, const std::string& path) {
    torch::Tensor steps;
    if (!a.try_read("adam_steps", steps, true) || steps.numel() != int64_t(params_.size()))
      throw std::runtime_error("checkpoint " + path + ": missing or wrong-sized optimizer state");
    steps = steps.contiguous();
    for (size_t k = 0; k < params_.size(); ++k) {
      adam_.set_steps(k, steps.data_ptr<int64_t>()[k]);
      read_moment(a, "adam_m_" + std::to_string(k), adam_.first_moment(k), path);
      read_moment(a, "adam_v_" + std::to_string(k), adam_.second_moment(k), path);
    }
  }

 private:
  /// Appends the parameters that do not decay (weight decay 0) to params_ and decays_
  /// (called from adam_'s initialiser: both are declared, so constructed, before it);
  /// returns the sizes of all of them, in FusedAdam's order.
  std::vector<size_t> append_no_decay(const detail::TorchGraph& model) {
    for (const auto& p : model.no_decay_parameters()) {
      params_.push_back(p);
      decays_.push_back(0.0);
    }
    std::vector<size_t> n;
    for (const auto& p : params_) n.push_back(size_t(p.numel()));
    return n;
  }
  static FusedAdamOptions options(const TrainRecipe& r) {
    FusedAdamOptions o;
    o.decoupled_weight_decay = r.optimizer == OptimizerKind::AdamW;
    o.max_grad_norm = r.grad_clip_norm;
    return o;
  }
  static void read_moment(torch::serialize::InputArchive& a, const std::string& key,
                          std::vector<float>& out, const std::string& path) {
    torch::Tensor t;
    if (!a.try_read(key, t, true) || size_t(t.numel()) != out.size())
      throw std::runtime_error("checkpoint " + path + ": missing or wrong-sized '" + key + "'");
    t = t.contiguous();
    std::copy(t.data_ptr<float>(), t.data_ptr<float>() + t.numel(), out.begin());
  }

  std::vector<torch::Tensor> params_;
  std::vector<double> decays_;
  FusedAdam adam_;
};

void write_graph_weights(torch::serialize::OutputArchive& a, const std::string& prefix,
                         const Graph& g) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const std::string k = prefix + std::to_string(i) + "_";
    auto put = [&](const char* name, const std::vector<float>& v) {
      if (!v.empty()) a.write(k + name, vector_tensor(v), true);
    };
    put("weights", op.weights);
    put("bias", op.bias);
    put("gamma", op.bn_gamma);
    put("beta", op.bn_beta);
    put("mean", op.bn_mean);
    put("var", op.bn_var);
  }
}

void read_graph_weights(torch::serialize::InputArchive& a, const std::string& prefix, Graph& g,
                        const std::string& path) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Op& op = g.ops[i];
    const std::string k = prefix + std::to_string(i) + "_";
    auto get = [&](const char* name, std::vector<float>& v) {
      if (v.empty()) return;
      torch::Tensor t;
      if (!a.try_read(k + name, t, true) || size_t(t.numel()) != v.size())
        throw std::runtime_error("checkpoint " + path + ": missing or wrong-sized '" + k + name +
                                 "'");
      t = t.contiguous();
      std::copy(t.data_ptr<float>(), t.data_ptr<float>() + t.numel(), v.begin());
    };
    get("weights", op.weights);
    get("bias", op.bias);
    get("gamma", op.bn_gamma);
    get("beta", op.bn_beta);
    get("mean", op.bn_mean);
    get("var", op.bn_var);
  }
}

void save_checkpoint(const std::string& path, detail::TorchGraph& model,
                     const ModelOptimizer& optimizer, const LoopState& s,
                     const Graph* best, const std::string& recipe_json,
                     const std::string& signature) {
  torch::serialize::OutputArchive a;
  a.write("format", c10::IValue(std::string(kCheckpointFormat)));
  a.write("recipe", c10::IValue(recipe_json));
  a.write("graph_signature", c10::IValue(signature));
  nlohmann::json st = {{"epoch", s.epoch},
                       {"step_in_epoch", s.step_in_epoch},
                       {"global_step", s.global_step},
                       {"epoch_loss_sum", s.epoch_loss_sum},
                       {"epoch_loss_count", s.epoch_loss_count},
                       {"best_epoch", s.best_epoch},
                       {"best_metric", std::isfinite(s.best_metric) ? nlohmann::json(s.best_metric)
                                                                   : nlohmann::json()},
                       {"progress_epoch", s.progress_epoch},
                       {"progress_metric", std::isfinite(s.progress_metric)
                                               ? nlohmann::json(s.progress_metric)
                                               : nlohmann::json()},
                       {"early_stopped", s.early_stopped},
                       {"has_best", s.has_best && best != nullptr},
                       {"history", history_json(s.history)}};
  a.write("state", c10::IValue(st.dump()));
  for (const auto& [name, t] : model.named_state()) {
    std::string key = "model_" + name;
    std::replace(key.begin(), key.end(), '/', '_');
    a.write(key, t.detach().clone(), true);
  }
  if (best && s.has_best) write_graph_weights(a, "best_", *best);
  optimizer.save(a);
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  const std::string tmp = path + ".tmp";
  a.save_to(tmp);
  std::filesystem::rename(tmp, path);
}

/// Loads a checkpoint into model/optimizer/state/best. Throws naming the file on mismatch.
void load_checkpoint(const std::string& path, detail::TorchGraph& model,
                     ModelOptimizer& optimizer, LoopState& s, Graph& best,
                     const std::string& recipe_json, const std::string& signature) {
  torch::serialize::InputArchive a;
  try {
    a.load_from(path);
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + path + ": cannot be read (" +
                             std::string(e.what()).substr(0, 200) + ")");
  }
  c10::IValue v;
  auto read_string = [&](const char* key) {
    if (!a.try_read(key, v) || !v.isString())
      throw std::runtime_error("checkpoint " + path + ": missing '" + key + "'");
    return v.toStringRef();
  };
  if (read_string("format") != kCheckpointFormat)
    throw std::runtime_error("checkpoint " + path + ": not a tinydet training checkpoint");
  if (read_string("recipe") != recipe_json)
    throw std::runtime_error("checkpoint " + path +
                             ": written with a different recipe; delete it (or --retrain)");
  if (read_string("graph_signature") != signature)
    throw std::runtime_error("checkpoint " + path +
                             ": written for a different network; delete it (or --retrain)");
  const auto st = nlohmann::json::parse(read_string("state"));
  s.epoch = st.at("epoch").get<int>();
  s.step_in_epoch = st.at("step_in_epoch").get<int64_t>();
  s.global_step = st.at("global_step").get<int64_t>();
  s.epoch_loss_sum = st.at("epoch_loss_sum").get<double>();
  s.epoch_loss_count = st.at("epoch_loss_count").get<int64_t>();
  s.best_epoch = st.at("best_epoch").get<int>();
  s.best_metric = st.at("best_metric").is_number() ? st.at("best_metric").get<double>() : NAN;
  s.progress_epoch = st.at("progress_epoch").get<int>();
  s.progress_metric =
      st.at("progress_metric").is_number() ? st.at("progress_metric").get<double>() : NAN;
  s.early_stopped = st.at("early_stopped").get<bool>();
  s.has_best = st.at("has_best").get<bool>();
  s.history = history_from_json(st.at("history"));
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : model.named_state()) {
    std::string key = "model_" + name;
    std::replace(key.begin(), key.end(), '/', '_');
    torch::Tensor loaded;
    if (!a.try_read(key, loaded, true) || !loaded.sizes().equals(t.sizes()))
      throw std::runtime_error("checkpoint " + path + ": missing or wrong-shaped '" + key + "'");
    t.copy_(loaded);
  }
  if (s.has_best) read_graph_weights(a, "best_", best, path);
  optimizer.load(a, path);
}

struct Validation {
  double loss = NAN;
  double metric = NAN;
};

Validation validate(const Architecture& arch, detail::TorchGraph& model,
                    const std::vector<Example>& examples, const std::vector<Shape>& shapes,
                    int batch_size, const TrainOptions& opt) {
  Validation v;
  if (examples.empty()) return v;
  torch::NoGradGuard no_grad;
  const bool was_training = model.training;
  model.training = false;
  const Shape in_shape = model.graph.input_shape();
  const size_t per_image = size_t(in_shape.elements());
  std::vector<std::vector<Detection>> detections;
  std::vector<std::vector<Box>> truth;
  double loss_sum = 0;
  for (size_t start = 0; start < examples.size(); start += size_t(batch_size)) {
    const size_t n = std::min(examples.size() - start, size_t(batch_size));
    std::vector<float> input(per_image * n);
    std::vector<Targets> targets;
    for (size_t k = 0; k < n; ++k) {
      const Example& e = examples[start + k];
      for (size_t i = 0; i < per_image; ++i) input[k * per_image + i] = float(e.rgb[i]) / 255.f;
      targets.push_back(arch.encode(e.boxes));
      truth.push_back(e.boxes);
    }
    const torch::Tensor x = torch::from_blob(input.data(), {int64_t(n), in_shape.h, in_shape.w,
                                                            in_shape.c}, torch::kFloat32);
    std::vector<torch::Tensor> outs = model.forward(x);
    for (auto& o : outs) o = o.contiguous();
    loss_sum += run_loss(arch, outs, shapes, targets, int(n), nullptr) * double(n);
    if (opt.evaluator) {
      for (size_t k = 0; k < n; ++k) {
        std::vector<ConstTensorBatch> one(outs.size());
        for (size_t i = 0; i < outs.size(); ++i)
          one[i] = ConstTensorBatch{outs[i].data_ptr<float>() + k * size_t(shapes[i].elements()),
                                    shapes[i], 1};
        detections.push_back(arch.decode(one, opt.decode));
      }
    }
  }
  model.training = was_training;
  v.loss = loss_sum / double(examples.size());
  v.metric = opt.evaluator ? opt.evaluator(detections, truth) : -v.loss;
  return v;
}

}  // namespace

TrainResult train_graph(const Architecture& arch, Graph graph, const TrainingSource& train,
                        const TrainingSource* validation, const TrainRecipe& r,
                        const TrainOptions& opt) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (train.size() == 0) throw std::invalid_argument("trainer: the training set is empty");
  graph.validate();
  graph.infer_shapes();
  if (graph.input_shape().c != 3)
    throw std::invalid_argument("trainer: the graph input must have 3 channels (RGB)");
  const std::string signature = graph_structure_signature(graph);
  const std::string recipe_json = r.canonical_json();

  const int threads = r.threads > 0 ? r.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
  train_detail::use_caching_cpu_allocator();

  if (opt.initialize) init_weights(graph, r.seed);
  GraphModule module(graph, r.bn_momentum);
  detail::TorchGraph& model = module.torch_state();
  auto optimizer = std::make_unique<ModelOptimizer>(model, r);

  std::vector<Shape> shapes;
  for (const auto& o : graph.outputs) shapes.push_back(graph.shape(o.tensor));
  const Shape in_shape = graph.input_shape();

  const size_t n = train.size();
  const int batch = int(std::min<size_t>(size_t(r.batch_size), n));
  const int64_t steps_per_epoch = int64_t(n / size_t(batch));  // the last partial batch is dropped
  const int64_t total_steps = steps_per_epoch * r.epochs;

  TrainResult result;
  result.total_steps = total_steps;
  result.metric_name = opt.evaluator ? arch.primary_metric() : "neg_val_loss";

  LoopState s;
  Graph best = graph;  // weights replaced when a best epoch is recorded
  ProgressReporter progress(opt.progress, total_steps, steps_per_epoch, r.epochs,
                            opt.log_every_steps);
  result.threads = threads;
  {
    // libgomp spin-waits at barriers: on a machine busier than its cores, multi-threaded
    // training becomes many times slower than one thread. Say so (the fix is an
    // environment variable read at process start, or fewer threads).
    double load = 0;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (threads > 1 && getloadavg(&load, 1) == 1 && load > double(cores) &&
        !std::getenv("OMP_WAIT_POLICY"))
      progress.message("the machine is busy (load " + std::to_string(int(load + 0.5)) + " on " +
                       std::to_string(cores) + " cores): " + std::to_string(threads) +
                       " training threads may be much slower than 1; set OMP_WAIT_POLICY=PASSIVE "
                       "or use 1 thread");
  }
  if (!opt.checkpoint_path.empty() && opt.resume && std::filesystem::exists(opt.checkpoint_path)) {
    load_checkpoint(opt.checkpoint_path, model, *optimizer, s, best, recipe_json, signature);
    progress.message("resuming from " + opt.checkpoint_path + " at epoch " +
                     std::to_string(s.epoch + 1) + " step " + std::to_string(s.step_in_epoch));
  }

  // Validation images are fixed (no augmentation): load them once.
  std::vector<Example> val_examples;
  if (validation)
    for (size_t i = 0; i < validation->size(); ++i) {
      val_examples.push_back(validation->get(i, 0, nullptr));
      const Example& e = val_examples.back();
      if (e.height != in_shape.h || e.width != in_shape.w ||
          e.rgb.size() != size_t(in_shape.elements()))
        throw std::runtime_error("trainer: validation sample " + std::to_string(i) +
                                 " does not match the network input size");
    }

  const Augmentation* aug = r.augment.enabled() ? &r.augment : nullptr;

  auto stop_now = [&]() {
    return stop_requested() || (opt.stop_flag && opt.stop_flag->load()) ||
           (opt.stop_after_steps >= 0 && s.global_step >= opt.stop_after_steps);
  };
  auto save = [&]() {
    if (!opt.checkpoint_path.empty())
      save_checkpoint(opt.checkpoint_path, model, *optimizer, s, &best, recipe_json, signature);
  };

  double train_seconds = 0;
  int64_t images_done = 0;
  model.training = true;
  while (s.epoch < r.epochs && !s.early_stopped) {
    const std::vector<size_t> order = epoch_order(n, r.seed, s.epoch);
    auto batch_indices = [&](int64_t step) {
      return std::vector<size_t>(order.begin() + step * batch, order.begin() + (step + 1) * batch);
    };
    const auto epoch_start = std::chrono::steady_clock::now();
    int64_t epoch_images = 0;
    double lr = learning_rate_at(r, s.global_step, total_steps, steps_per_epoch);
    std::future<Batch> next;
    auto prefetch = [&](int64_t step) {
      if (step < steps_per_epoch)
        next = std::async(std::launch::async, load_batch, std::cref(arch), std::cref(train),
                          batch_indices(step), r.seed, s.epoch, aug, in_shape, false);
    };
    prefetch(s.step_in_epoch);
    while (s.step_in_epoch < steps_per_epoch) {
      const auto step_start = std::chrono::steady_clock::now();
      Batch b = next.get();
      prefetch(s.step_in_epoch + 1);
      lr = learning_rate_at(r, s.global_step, total_steps, steps_per_epoch);
      torch::manual_seed(mix(r.seed, 0x5eed0000ULL + uint64_t(s.global_step)));

      const torch::Tensor x = torch::from_blob(b.input.data(),
                                               {b.size, in_shape.h, in_shape.w, in_shape.c},
                                               torch::kFloat32);
      optimizer->zero_grad();
      std::vector<torch::Tensor> outs = model.forward(x);
      std::vector<torch::Tensor> grads;
      const double loss = run_loss(arch, outs, shapes, b.targets, b.size, &grads);
      if (!std::isfinite(loss))
        throw std::runtime_error("trainer: loss is not finite at epoch " +
                                 std::to_string(s.epoch + 1) + " step " +
                                 std::to_string(s.step_in_epoch + 1) + " (lr " +
                                 std::to_string(lr) + "); lower the learning rate");
      torch::autograd::backward(outs, grads);
      optimizer->step(lr);

      ++s.step_in_epoch;
      ++s.global_step;
      ++result.steps_run;
      s.epoch_loss_sum += loss;
      ++s.epoch_loss_count;
      train_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
      images_done += b.size;
      epoch_images += b.size;
      const double ips = train_seconds > 0 ? double(images_done) / train_seconds : 0;
      progress.step(s.epoch, s.global_step, loss, lr, ips);

      if (stop_now()) {
        if (next.valid()) next.wait();
        save();
        result.interrupted = true;
        progress.message("stopped at epoch " + std::to_string(s.epoch + 1) + " step " +
                         std::to_string(s.step_in_epoch) +
                         (opt.checkpoint_path.empty() ? "" : "; resumable checkpoint " +
                                                                 opt.checkpoint_path));
        break;
      }
    }
    if (result.interrupted) break;

    // End of epoch: validate, track the best weights, early stopping.
    EpochRecord rec;
    rec.epoch = s.epoch;
    rec.train_loss = s.epoch_loss_count ? s.epoch_loss_sum / double(s.epoch_loss_count) : NAN;
    rec.lr = lr;
    const double epoch_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    rec.images_per_second = epoch_seconds > 0 ? double(epoch_images) / epoch_seconds : 0;
    bool is_best = false;
    const bool last_epoch = s.epoch + 1 == r.epochs;
    if (!val_examples.empty() && ((s.epoch + 1) % r.eval_every == 0 || last_epoch)) {
      const Validation v = validate(arch, model, val_examples, shapes, batch, opt);
      rec.val_loss = v.loss;
      rec.val_metric = v.metric;
      if (!s.has_best || v.metric > s.best_metric) {
        s.best_metric = v.metric;
        s.best_epoch = s.epoch;
        s.has_best = true;
        module.export_weights(best);
        is_best = true;
      }
      // Patience runs from the last epoch that improved by more than min_delta.
      if (s.progress_epoch < 0 || v.metric > s.progress_metric + r.min_delta) {
        s.progress_epoch = s.epoch;
        s.progress_metric = v.metric;
      }
      // Not on the last epoch: a run that completed its schedule did not stop early.
      if (r.patience > 0 && s.epoch - s.progress_epoch >= r.patience && !last_epoch)
        s.early_stopped = true;
    }
    progress.epoch_end(s.epoch, rec.train_loss, rec.val_loss, rec.val_metric, result.metric_name,
                       is_best, rec.images_per_second);
    s.history.push_back(rec);
    ++s.epoch;
    s.step_in_epoch = 0;
    s.epoch_loss_sum = 0;
    s.epoch_loss_count = 0;
    if (s.early_stopped)
      progress.message("early stop: no " + result.metric_name + " gain" +
                       (r.min_delta > 0 ? " above " + nlohmann::json(r.min_delta).dump() : "") +
                       " for " + std::to_string(s.epoch - 1 - s.progress_epoch) + " epochs");
    save();
    if (stop_now() && s.epoch < r.epochs && !s.early_stopped) {
      result.interrupted = true;
      break;
    }
  }

  if (s.has_best) {
    result.trained = best;
  } else {
    result.trained = graph;
    module.export_weights(result.trained);
  }
  result.trained.meta["train.recipe"] = r.to_json();
  result.trained.meta["train.seed"] = std::to_string(r.seed);
  result.trained.meta["train.epochs_completed"] = std::to_string(s.epoch);
  result.trained.meta["train.metric"] = result.metric_name;
  if (s.has_best) {
    result.trained.meta["train.best_epoch"] = std::to_string(s.best_epoch + 1);
    result.trained.meta["train.best_metric"] = std::to_string(s.best_metric);
  }
  result.inference = fold_for_inference(result.trained);
  result.global_step = s.global_step;
  result.epochs_completed = s.epoch;
  result.early_stopped = s.early_stopped;
  result.best_epoch = s.best_epoch;
  result.best_metric = s.best_metric;
  result.history = s.history;
  result.images_per_second = train_seconds > 0 ? double(images_done) / train_seconds : 0;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace tinydet
