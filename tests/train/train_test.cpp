// Trainer tests: IR <-> libtorch equivalence (against the reference kernels), weight round
// trips, NHWC flatten, learning a toy task, bit-identical resume, early stopping, the model
// cache, thread-count independence, the gradient-check helper, the recipe and the dataset
// adapter.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/graph_builder.h"
#include "tinydet/kernels.h"
#include "train/dataset_source.h"
#include "train/gradient_check.h"
#include "train/graph_module.h"
#include "train/model_cache.h"
#include "train/progress.h"
#include "train/train_recipe.h"
#include "train/trainer.h"
#include "train_test_util.h"

namespace tinydet {
namespace {

using test::MseArch;
using test::random_examples;
using test::tiny_regressor;

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("tinydet_train_test_" + name + "_" +
                                            std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void randomize_bn(Graph& g, uint64_t seed) {
  for (auto& op : g.ops)
    if (op.type == OpType::BatchNorm)
      for (size_t k = 0; k < op.bn_gamma.size(); ++k) {
        op.bn_gamma[k] = 0.5f + float(test::test_rng(seed) % 1000) / 1000.f;
        op.bn_beta[k] = float(int(test::test_rng(seed) % 1000) - 500) / 1000.f;
        op.bn_mean[k] = float(int(test::test_rng(seed) % 1000) - 500) / 2000.f;
        op.bn_var[k] = 0.5f + float(test::test_rng(seed) % 1000) / 1000.f;
      }
  for (auto& op : g.ops)
    for (auto& b : op.bias) b = float(int(test::test_rng(seed) % 1000) - 500) / 1000.f;
}

/// Every op kind, asymmetric padding on conv and both pools, several outputs.
Graph every_op_graph() {
  GraphBuilder b({9, 7, 3});
  const int a = b.conv2d(b.input(), 8, 3, 2, Act::ReLU6, "a");       // 5x4x8
  const int dw = b.depthwise(a, 3, 1, Act::LeakyReLU, "dw");
  ConvOptions plain;
  plain.bn = false;
  plain.bias = true;
  const int c = b.conv2d(dw, 8, 1, 1, Act::None, "c", plain);
  const int d = b.add(a, c, "d", Act::ReLU);
  const int e = b.max_pool(d, 3, 1, "e", 1);
  const int f = b.avg_pool(d, 3, 1, "f", 1);
  const int act = b.activation(d, Act::LeakyReLU, "act", 0.2f);  // standalone (d has users)
  const int g = b.concat({e, f}, "g");                              // 5x4x16
  const int h = b.resize_nearest(g, 2, "h");                        // 10x8x16
  const int i = b.conv2d(h, 4, 3, 2, Act::None, "i", plain);        // pad changed below
  const int j = b.dropout(i, 0.3f, "j");
  const int k = b.reshape(j, {4, 5, 4}, "k");
  const int l = b.global_avg_pool(k, "l");
  const int m = b.fully_connected(k, 6, Act::ReLU, "m");
  b.mark_output(k, "grid");
  b.mark_output(l, "pooled");
  b.mark_output(m, "fc");
  b.mark_output(act, "act");
  Graph gr = b.finish();
  gr.ops[gr.find_op("e")].pad = Padding{1, 0, 1, 2};
  gr.ops[gr.find_op("f")].pad = Padding{0, 1, 2, 1};
  gr.ops[gr.find_op("i")].pad = Padding{0, 0, 1, 1};
  gr.infer_shapes();
  return gr;
}

/// Runs a graph with the engine's reference float kernels (the specification).
std::vector<std::vector<float>> reference_forward(const Graph& g, const std::vector<float>& input) {
  std::vector<std::vector<float>> buf(g.tensors.size());
  buf[g.input] = input;
  KernelContext ctx;
  ctx.impl = KernelImpl::Reference;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const OpGeometry geo = geometry_of(g, int(i));
    std::vector<const void*> ins;
    for (int t : op.inputs) ins.push_back(buf[t].data());
    buf[op.output].assign(size_t(g.shape(op.output).elements()), 0.f);
    std::vector<uint8_t> scratch(op_scratch_bytes(op, geo, DType::Float32, KernelImpl::Reference));
    ctx.scratch = scratch.empty() ? nullptr : scratch.data();
    ctx.scratch_bytes = scratch.size();
    run_op(op, geo, DType::Float32, ins.data(), buf[op.output].data(), ctx);
  }
  std::vector<std::vector<float>> outs;
  for (const auto& o : g.outputs) outs.push_back(buf[o.tensor]);
  return outs;
}

std::vector<float> random_input(const Shape& s, int batch, uint64_t seed) {
  std::vector<float> v(size_t(s.elements()) * batch);
  for (float& x : v) x = float(test::test_rng(seed) % 256) / 255.f;
  return v;
}

TEST(GraphModule, EvalForwardMatchesReferenceKernelsForEveryOp) {
  Graph g = every_op_graph();
  init_weights(g, 3);
  randomize_bn(g, 4);
  GraphModule module(g);
  module.set_training(false);
  const int batch = 2;
  const auto input = random_input(g.input_shape(), batch, 5);
  const auto got = module.forward(input.data(), batch);
  ASSERT_EQ(got.size(), g.outputs.size());
  const size_t per_image = size_t(g.input_shape().elements());
  for (int b = 0; b < batch; ++b) {
    const std::vector<float> one(input.begin() + b * per_image, input.begin() + (b + 1) * per_image);
    const auto want = reference_forward(g, one);
    for (size_t o = 0; o < want.size(); ++o) {
      const size_t n = want[o].size();
      ASSERT_EQ(got[o].size(), n * batch) << g.outputs[o].name;
      for (size_t k = 0; k < n; ++k)
        ASSERT_NEAR(got[o][b * n + k], want[o][k], 1e-4 + 1e-4 * std::abs(want[o][k]))
            << "output " << g.outputs[o].name << " image " << b << " element " << k;
    }
  }
  // The inference form (BN folded) gives the same outputs through the module too.
  const Graph folded = fold_for_inference(g);
  GraphModule folded_module(folded);
  folded_module.set_training(false);
  const auto got_folded = folded_module.forward(input.data(), batch);
  for (size_t o = 0; o < got.size(); ++o)
    for (size_t k = 0; k < got[o].size(); ++k)
      ASSERT_NEAR(got_folded[o][k], got[o][k], 1e-4 + 1e-4 * std::abs(got[o][k]));
}

TEST(GraphModule, WeightsRoundTripIrTorchIr) {
  Graph g = every_op_graph();
  init_weights(g, 11);
  randomize_bn(g, 12);
  GraphModule module(g);
  Graph back = g;
  for (auto& op : back.ops) {
    std::fill(op.weights.begin(), op.weights.end(), 0.f);
    std::fill(op.bias.begin(), op.bias.end(), 0.f);
    std::fill(op.bn_mean.begin(), op.bn_mean.end(), 0.f);
  }
  module.export_weights(back);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    EXPECT_EQ(back.ops[i].weights, g.ops[i].weights) << g.ops[i].name;
    EXPECT_EQ(back.ops[i].bias, g.ops[i].bias) << g.ops[i].name;
    EXPECT_EQ(back.ops[i].bn_gamma, g.ops[i].bn_gamma) << g.ops[i].name;
    EXPECT_EQ(back.ops[i].bn_mean, g.ops[i].bn_mean) << g.ops[i].name;
    EXPECT_EQ(back.ops[i].bn_var, g.ops[i].bn_var) << g.ops[i].name;
  }
  // import_weights then export gives the imported values.
  Graph other = g;
  init_weights(other, 99);
  module.import_weights(other);
  Graph again = g;
  module.export_weights(again);
  for (size_t i = 0; i < g.ops.size(); ++i) EXPECT_EQ(again.ops[i].weights, other.ops[i].weights);
}

TEST(GraphModule, FullyConnectedAndReshapeUseNhwcOrder) {
  GraphBuilder b({2, 3, 2});
  const int r = b.reshape(b.input(), {3, 2, 2}, "r");
  const int fc = b.fully_connected(b.input(), 1, Act::None, "fc");
  b.mark_output(fc, "fc");
  b.mark_output(r, "r");
  Graph g = b.finish();
  Op& op = g.ops[g.find_op("fc")];
  for (size_t i = 0; i < op.weights.size(); ++i) op.weights[i] = float(i + 1);
  op.bias = {0.5f};
  GraphModule module(g);
  std::vector<float> x(12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i % 5) - 2.f;
  const auto out = module.forward(x.data(), 1);
  double want = 0.5;
  for (size_t i = 0; i < x.size(); ++i) want += double(i + 1) * x[i];  // x is NHWC memory
  EXPECT_NEAR(out[0][0], want, 1e-4);
  EXPECT_EQ(out[1], x);  // reshape keeps NHWC element order
}

TEST(GraphModule, RefusesWrongWeightSizes) {
  Graph g = tiny_regressor(4, 4, 2);
  g.ops[0].weights.pop_back();
  EXPECT_THROW({ GraphModule m(g); }, std::runtime_error);
}

TrainRecipe small_recipe() {
  TrainRecipe r;
  r.lr = 0.01;
  r.batch_size = 8;
  r.epochs = 25;
  r.warmup_epochs = 1;
  r.weight_decay = 0;
  r.patience = 0;
  r.threads = 1;
  r.augment = Augmentation{1.f, 1.f, 0.f, 0.f, 0.f, 0.f};
  return r;
}

TEST(Trainer, TinyNetLearnsToyTask) {
  MseArch arch(tiny_regressor(8, 8, 2), {0.5f, -0.3f});
  InMemorySource data(random_examples(32, 8, 8, 1), "toy");
  TrainOptions opt;
  opt.progress = 2;
  const TrainResult r = train_graph(arch, arch.build_graph(), data, nullptr, small_recipe(), opt);
  ASSERT_EQ(r.history.size(), 25u);
  EXPECT_EQ(r.steps_run, 25 * 4);
  const double first = r.history.front().train_loss, last = r.history.back().train_loss;
  EXPECT_GT(first, 10 * last) << "first epoch loss " << first << ", last " << last;
  EXPECT_GT(r.images_per_second, 0);
  // The exported inference graph reproduces the trained module's eval outputs.
  GraphModule trained(r.trained);
  trained.set_training(false);
  const auto x = random_input({8, 8, 3}, 1, 77);
  const auto want = trained.forward(x.data(), 1);
  const auto got = reference_forward(r.inference, x);
  for (size_t k = 0; k < want[0].size(); ++k) ASSERT_NEAR(got[0][k], want[0][k], 1e-4);
}

TEST(Trainer, ResumeGivesTheSameWeightsAsAnUninterruptedRun) {
  MseArch arch(tiny_regressor(8, 8, 2, 0.25f), {0.5f, -0.3f});
  InMemorySource data(random_examples(16, 8, 8, 2), "resume");
  InMemorySource val(random_examples(4, 8, 8, 3), "resume-val");
  TrainRecipe r = small_recipe();
  r.epochs = 3;
  r.batch_size = 4;
  r.augment.flip_prob = 0.5f;  // exercises per-sample augmentation seeds
  TrainOptions opt;
  opt.progress = 2;
  const TrainResult full = train_graph(arch, arch.build_graph(), data, &val, r, opt);
  ASSERT_FALSE(full.interrupted);

  const fs::path dir = temp_dir("resume");
  TrainOptions first = opt;
  first.checkpoint_path = (dir / "run.ckpt").string();
  first.stop_after_steps = 5;  // mid-epoch 2
  const TrainResult part = train_graph(arch, arch.build_graph(), data, &val, r, first);
  EXPECT_TRUE(part.interrupted);
  EXPECT_EQ(part.global_step, 5);
  ASSERT_TRUE(fs::exists(first.checkpoint_path));

  TrainOptions second = opt;
  second.checkpoint_path = first.checkpoint_path;
  const TrainResult resumed = train_graph(arch, arch.build_graph(), data, &val, r, second);
  EXPECT_FALSE(resumed.interrupted);
  EXPECT_EQ(resumed.steps_run, full.steps_run - 5);
  EXPECT_EQ(resumed.global_step, full.global_step);
  EXPECT_EQ(resumed.best_epoch, full.best_epoch);
  ASSERT_EQ(resumed.history.size(), full.history.size());
  for (size_t e = 0; e < full.history.size(); ++e)
    EXPECT_DOUBLE_EQ(resumed.history[e].train_loss, full.history[e].train_loss) << "epoch " << e;
  for (size_t i = 0; i < full.trained.ops.size(); ++i) {
    const Op& a = full.trained.ops[i];
    const Op& b = resumed.trained.ops[i];
    ASSERT_EQ(a.weights.size(), b.weights.size());
    for (size_t k = 0; k < a.weights.size(); ++k)
      ASSERT_NEAR(a.weights[k], b.weights[k], 1e-6) << a.name << " weight " << k;
    for (size_t k = 0; k < a.bn_mean.size(); ++k) {
      ASSERT_NEAR(a.bn_mean[k], b.bn_mean[k], 1e-6) << a.name;
      ASSERT_NEAR(a.bn_var[k], b.bn_var[k], 1e-6) << a.name;
    }
  }
  // A checkpoint written for another recipe is refused with a message naming the file.
  TrainRecipe other = r;
  other.lr = 0.5;
  try {
    train_graph(arch, arch.build_graph(), data, &val, other, second);
    FAIL() << "expected a recipe mismatch";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("run.ckpt"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Trainer, EarlyStoppingKeepsTheBestEpoch) {
  MseArch arch(tiny_regressor(8, 8, 2), {0.5f, -0.3f});
  InMemorySource data(random_examples(16, 8, 8, 4), "es");
  InMemorySource val(random_examples(4, 8, 8, 5), "es-val");
  TrainRecipe r = small_recipe();
  r.epochs = 8;
  r.patience = 2;
  TrainOptions opt;
  opt.progress = 2;
  // An evaluator whose score peaks at epoch 2 (calls are counted): the trainer stops
  // `patience` epochs later and returns the epoch-2 weights.
  int calls = 0;
  opt.evaluator = [&](const std::vector<std::vector<Detection>>&,
                      const std::vector<std::vector<Box>>& truth) {
    EXPECT_EQ(truth.size(), 4u);
    ++calls;
    return calls == 2 ? 1.0 : 0.1 * calls / 10.0;
  };
  const TrainResult res = train_graph(arch, arch.build_graph(), data, &val, r, opt);
  EXPECT_TRUE(res.early_stopped);
  EXPECT_EQ(res.best_epoch, 1);
  EXPECT_EQ(res.epochs_completed, 4);
  EXPECT_EQ(res.metric_name, "map50");
  EXPECT_DOUBLE_EQ(res.best_metric, 1.0);
}

/// Trains the tiny regressor with a validation "metric" that returns `scores` epoch by
/// epoch, so the early-stopping decisions can be checked against hand-worked cases.
TrainResult train_with_scores(const std::vector<double>& scores, int patience,
                              double min_delta) {
  MseArch arch(tiny_regressor(8, 8, 2), {0.5f, -0.3f});
  InMemorySource data(random_examples(16, 8, 8, 4), "scores");
  InMemorySource val(random_examples(4, 8, 8, 5), "scores-val");
  TrainRecipe r = small_recipe();
  r.epochs = int(scores.size());
  r.patience = patience;
  r.min_delta = min_delta;
  TrainOptions opt;
  opt.progress = 2;
  size_t calls = 0;
  opt.evaluator = [&](const std::vector<std::vector<Detection>>&,
                      const std::vector<std::vector<Box>>&) { return scores.at(calls++); };
  return train_graph(arch, arch.build_graph(), data, &val, r, opt);
}

// min_delta: gains of at most min_delta do not reset patience, but the kept weights are
// still those of the best epoch. Scores 0.50, 0.51, 0.515, 0.52, 0.60, ...: with min_delta
// 0.05 only epoch 1 counts as progress, so training stops after epoch 3 (patience 2) and
// keeps epoch 3 (0.515 > 0.51); with min_delta 0 every epoch is progress and all 8 run.
TEST(Trainer, MinDeltaStopsOnSmallGainsButKeepsTheBestEpoch) {
  const std::vector<double> scores = {0.50, 0.51, 0.515, 0.52, 0.60, 0.61, 0.62, 0.63};
  const TrainResult stopped = train_with_scores(scores, 2, 0.05);
  EXPECT_TRUE(stopped.early_stopped);
  EXPECT_EQ(stopped.epochs_completed, 3);
  EXPECT_EQ(stopped.best_epoch, 2);
  EXPECT_DOUBLE_EQ(stopped.best_metric, 0.515);
  const TrainResult full = train_with_scores(scores, 2, 0.0);
  EXPECT_FALSE(full.early_stopped);
  EXPECT_EQ(full.epochs_completed, 8);
  EXPECT_DOUBLE_EQ(full.best_metric, 0.63);
}

// Patience running out on the last scheduled epoch is not an early stop: the schedule ran.
TEST(Trainer, PatienceOnTheLastEpochIsNotAnEarlyStop) {
  const TrainResult res = train_with_scores({0.50, 0.51, 0.515}, 2, 0.05);
  EXPECT_FALSE(res.early_stopped);
  EXPECT_EQ(res.epochs_completed, 3);
  EXPECT_EQ(res.best_epoch, 2);
}

TEST(ModelCache, SecondCallReusesTheCachedModel) {
  MseArch arch(tiny_regressor(8, 8, 2), {0.5f, -0.3f});
  InMemorySource data(random_examples(16, 8, 8, 6), "cache-data");
  TrainRecipe r = small_recipe();
  r.epochs = 2;
  const fs::path dir = temp_dir("cache");
  CacheOptions cache;
  cache.cache_dir = dir.string();
  cache.plugin_name = "mse_test";
  cache.plugin_version = "1.0.0";
  cache.dataset_spec = "memory";
  ArchConfig cfg{8, 8, 1, {}};
  TrainOptions opt;
  opt.progress = 2;

  // Interrupted first: a checkpoint is left and the next call resumes it.
  TrainOptions stop = opt;
  stop.stop_after_steps = 1;
  const TrainResult part = train_cached(arch, cfg, cache, data, nullptr, r, stop);
  EXPECT_TRUE(part.interrupted);
  const TrainResult a = train_cached(arch, cfg, cache, data, nullptr, r, opt);
  EXPECT_FALSE(a.from_cache);
  EXPECT_EQ(a.steps_run, 3);
  EXPECT_EQ(a.global_step, 4);
  ASSERT_TRUE(fs::exists(a.cache_file));
  const std::string hash = cache_hash(make_cache_key(arch, cfg, cache, data, nullptr, r));
  EXPECT_EQ(fs::path(a.cache_file).filename().string(), hash + ".tdm");
  EXPECT_TRUE(fs::exists(dir / (hash + ".json")));
  EXPECT_FALSE(fs::exists(dir / (hash + ".ckpt")));

  const TrainResult b = train_cached(arch, cfg, cache, data, nullptr, r, opt);
  EXPECT_TRUE(b.from_cache);
  EXPECT_EQ(b.steps_run, 0);
  EXPECT_EQ(b.global_step, a.global_step);
  ASSERT_EQ(b.history.size(), a.history.size());  // restored from the sidecar
  EXPECT_NEAR(b.history.back().train_loss, a.history.back().train_loss, 1e-9);
  EXPECT_EQ(b.history.back().epoch, a.history.back().epoch);
  ASSERT_EQ(b.inference.ops.size(), a.inference.ops.size());
  for (size_t i = 0; i < a.inference.ops.size(); ++i)
    EXPECT_EQ(b.inference.ops[i].weights, a.inference.ops[i].weights);

  // A different recipe or dataset is a different key; retrain forces training.
  TrainRecipe r2 = r;
  r2.seed = 2;
  EXPECT_NE(cache_hash(make_cache_key(arch, cfg, cache, data, nullptr, r2)), hash);
  InMemorySource other_data(random_examples(16, 8, 8, 6), "other-data");
  EXPECT_NE(cache_hash(make_cache_key(arch, cfg, cache, other_data, nullptr, r)), hash);
  TrainRecipe threads = r;
  threads.threads = 2;  // not part of the key
  EXPECT_EQ(cache_hash(make_cache_key(arch, cfg, cache, data, nullptr, threads)), hash);
  CacheOptions again = cache;
  again.retrain = true;
  const TrainResult c = train_cached(arch, cfg, cache.retrain ? cache : again, data, nullptr, r, opt);
  EXPECT_FALSE(c.from_cache);
  EXPECT_EQ(c.steps_run, 4);
  fs::remove_all(dir);
}

TEST(GradientCheck, AcceptsACorrectGradientAndRejectsAWrongOne) {
  const Graph g = tiny_regressor(6, 6, 3);
  ArchConfig cfg{6, 6, 1, {}};
  MseArch good(g, {0.1f, 0.2f, 0.3f});
  const auto ok = check_loss_gradient(good, cfg);
  EXPECT_TRUE(ok.ok) << ok.summary;
  EXPECT_EQ(ok.checked, 64);
  MseArch bad(g, {0.1f, 0.2f, 0.3f}, 2.0);
  const auto wrong = check_loss_gradient(bad, cfg);
  EXPECT_FALSE(wrong.ok) << wrong.summary;
  EXPECT_GT(wrong.failed, 0);
}

TEST(Recipe, ParsesJsonAndRefusesUnknownKeys) {
  const TrainRecipe r = recipe_from_json(
      R"({"optimizer": "adam", "lr": 0.002, "epochs": 5, "augment": {"flip_prob": 0.25}})");
  EXPECT_EQ(r.optimizer, OptimizerKind::Adam);
  EXPECT_DOUBLE_EQ(r.lr, 0.002);
  EXPECT_EQ(r.epochs, 5);
  EXPECT_FLOAT_EQ(r.augment.flip_prob, 0.25f);
  EXPECT_EQ(r.batch_size, TrainRecipe{}.batch_size);
  EXPECT_THROW(recipe_from_json(R"({"learning_rate": 1})"), std::invalid_argument);
  EXPECT_THROW(recipe_from_json(R"({"augment": {"flip": 1}})"), std::invalid_argument);
  EXPECT_THROW(recipe_from_json(R"({"epochs": 0})"), std::invalid_argument);
  EXPECT_THROW(recipe_from_json(R"({"min_delta": -0.1})"), std::invalid_argument);
  EXPECT_DOUBLE_EQ(recipe_from_json(R"({"min_delta": 0.005})").min_delta, 0.005);
  EXPECT_THROW(recipe_from_json("not json"), std::invalid_argument);
  // The canonical form round-trips.
  EXPECT_EQ(recipe_from_json(r.canonical_json()).canonical_json(), r.canonical_json());
}

TEST(Recipe, WarmupThenCosineSchedule) {
  TrainRecipe r;
  r.lr = 1.0;
  r.warmup_epochs = 1;
  r.min_lr_fraction = 0.1;
  const int64_t per_epoch = 10, total = 100;
  EXPECT_LT(learning_rate_at(r, 0, total, per_epoch), learning_rate_at(r, 5, total, per_epoch));
  EXPECT_NEAR(learning_rate_at(r, 10, total, per_epoch), 1.0, 1e-9);
  EXPECT_NEAR(learning_rate_at(r, 99, total, per_epoch), 0.1, 1e-9);
  for (int64_t s = 11; s < total; ++s)
    EXPECT_LE(learning_rate_at(r, s, total, per_epoch), learning_rate_at(r, s - 1, total, per_epoch));
}

}  // namespace
}  // namespace tinydet

namespace tinydet {
namespace {

TEST(Trainer, ThreadCountDoesNotChangeTheWeights) {
  MseArch arch(tiny_regressor(16, 16, 2), {0.5f, -0.3f});
  InMemorySource data(random_examples(16, 16, 16, 9), "threads");
  TrainRecipe r = small_recipe();
  r.epochs = 2;
  TrainOptions opt;
  opt.progress = 2;
  r.threads = 1;
  const TrainResult one = train_graph(arch, arch.build_graph(), data, nullptr, r, opt);
  r.threads = 2;
  const TrainResult two = train_graph(arch, arch.build_graph(), data, nullptr, r, opt);
  for (size_t i = 0; i < one.trained.ops.size(); ++i)
    for (size_t k = 0; k < one.trained.ops[i].weights.size(); ++k)
      ASSERT_NEAR(one.trained.ops[i].weights[k], two.trained.ops[i].weights[k], 1e-5)
          << one.trained.ops[i].name << " " << k;
}

}  // namespace
}  // namespace tinydet


namespace tinydet {
namespace {

TEST(DatasetSource, GivesNetworkSizeExamplesAndDeterministicAugmentation) {
  const fs::path dir = temp_dir("dataset_source");
  data::LoadOptions load;
  load.cache_dir = dir.string();
  load.seed = 3;
  const data::Dataset ds = data::load_dataset("synthetic:12@5", load);
  data::ImageCache cache(ds);
  DatasetSource train(ds, data::Split::Train, 64, 48, ResizeMode::Letterbox, cache);
  ASSERT_EQ(train.size(), ds.train.size());
  ASSERT_GT(train.size(), 0u);
  EXPECT_NE(train.fingerprint().find("64x48"), std::string::npos);
  size_t boxes = 0;
  for (size_t i = 0; i < train.size(); ++i) {
    const Example e = train.get(i, 1, nullptr);
    ASSERT_EQ(e.width, 64);
    ASSERT_EQ(e.height, 48);
    ASSERT_EQ(e.rgb.size(), size_t(64 * 48 * 3));
    const data::NetworkImage img = cache.get(train.sample_index(i), 64, 48, ResizeMode::Letterbox);
    EXPECT_TRUE(std::equal(e.rgb.begin(), e.rgb.end(), img.rgb.data)) << "sample " << i;
    for (const Box& b : e.boxes) {
      EXPECT_GE(b.x0, 0.f);
      EXPECT_LE(b.x1, 64.f);
      EXPECT_GE(b.y0, 0.f);
      EXPECT_LE(b.y1, 48.f);
    }
    boxes += e.boxes.size();
  }
  EXPECT_GT(boxes, 0u);
  Augmentation aug;
  const Example a1 = train.get(0, 42, &aug), a2 = train.get(0, 42, &aug),
                b = train.get(0, 43, &aug);
  EXPECT_EQ(a1.rgb, a2.rgb);
  ASSERT_EQ(a1.boxes.size(), a2.boxes.size());
  EXPECT_EQ(a1.width, 64);
  EXPECT_EQ(a1.height, 48);
  EXPECT_NE(a1.rgb, b.rgb);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tinydet

namespace tinydet {
namespace {

TEST(Trainer, SigintFinishesTheStepAndWritesAResumableCheckpoint) {
  MseArch arch(tiny_regressor(8, 8, 2), {0.5f, -0.3f});
  InMemorySource data(random_examples(16, 8, 8, 10), "sigint");
  TrainRecipe r = small_recipe();
  r.epochs = 2;
  const fs::path dir = temp_dir("sigint");
  TrainOptions opt;
  opt.progress = 2;
  opt.checkpoint_path = (dir / "run.ckpt").string();
  reset_stop_request();
  install_sigint_handler();
  std::raise(SIGINT);  // as if Ctrl-C arrived during the first step
  EXPECT_TRUE(stop_requested());
  const TrainResult part = train_graph(arch, arch.build_graph(), data, nullptr, r, opt);
  reset_stop_request();
  std::signal(SIGINT, SIG_DFL);
  EXPECT_TRUE(part.interrupted);
  EXPECT_EQ(part.steps_run, 1);
  ASSERT_TRUE(fs::exists(opt.checkpoint_path));
  const TrainResult rest = train_graph(arch, arch.build_graph(), data, nullptr, r, opt);
  EXPECT_FALSE(rest.interrupted);
  EXPECT_EQ(rest.steps_run, rest.total_steps - 1);
  fs::remove_all(dir);
}

TEST(Progress, LogLinesReportLossThroughputAndEta) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressReporter p(0, 4, 2, 2, 1, f);
    EXPECT_EQ(p.mode(), ProgressReporter::Mode::Lines);
    p.step(0, 1, 0.5, 1e-3, 100.0);
    p.epoch_end(0, 0.5, 0.4, 0.7, "map50", true, 100.0);
  }
  std::rewind(f);
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  EXPECT_NE(text.find("img/s"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA"), std::string::npos) << text;
  EXPECT_NE(text.find("map50 0.7000 (best)"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << "no carriage returns off a terminal";
  EXPECT_EQ(format_duration(3725), "1h02m");
  EXPECT_EQ(format_duration(65), "1m05s");
}

}  // namespace
}  // namespace tinydet
