// `tinydet info | eval | bench | detect` end to end, on the in-tree plugins: the figures
// they print agree with the graph's own statistics, the JSON has what scripts read, the
// detection picture has the input image's size, and bad files are named in the error.
//
// The model file is built here from the FOMO plugin's graph (He-initialised weights,
// metadata as `tinydet train` writes it), so no test trains except the one that checks
// `train --out` end to end (one epoch on a handful of synthetic images).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../support/arch_plugin.h"
#include "run_cli.h"
#include "tinydet/model_file.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using clitest::CliResult;
using clitest::contains;

const fs::path kWork = fs::path(TINYDET_BINARY_DIR) / "tests" / "cli_commands";
// Synthetic datasets are generated once into this cache and reused by later runs.
const std::string kEnv = "TINYDET_CACHE_DIR='" + (kWork / "cache").string() + "'";
const std::string kDataset = "synthetic:16@7";  // 3 classes: circle, square, triangle

CliResult run(const std::string& args, bool with_stderr = true) {
  return clitest::run_tinydet(args, with_stderr, kEnv);
}

json parse_json(const CliResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "):\n" << r.out;
    return json::object();
  }
}

bool have_plugins() {
  return fs::exists(tinydet::test::ArchPlugin::file("fomo")) &&
         fs::exists(tinydet::test::ArchPlugin::file("tinyissimo_yolo"));
}

class CliCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have_plugins()) return;
    fs::create_directories(kWork);
    // An untrained FOMO model at 64x64 with 2 classes, with the metadata of `train`.
    tinydet::test::ArchPlugin fomo("fomo");
    tinydet::Graph g = fomo.inference_graph(64, 5);
    // Random weights leave FOMO's background channel (0) winning in float; a bias towards
    // the object classes makes every cell a detection, so drawing and naming are exercised.
    tinydet::Op& head = g.ops.back();
    ASSERT_EQ(head.bias.size(), 3u) << head.name;
    head.bias = {-8.f, 8.f, 7.f};
    g.meta["plugin"] = "fomo";
    g.meta["input_h"] = "64";
    g.meta["input_w"] = "64";
    g.meta["num_classes"] = "2";
    g.meta["dataset"] = kDataset;
    g.meta["classes"] = R"(["circle","square"])";
    tinydet::save_model(g, model().string());
    g.meta.erase("classes");
    tinydet::save_model(g, nameless_model().string());
    // A non-square picture with a few shapes.
    cv::Mat bgr(120, 200, CV_8UC3, cv::Scalar(200, 210, 220));
    cv::circle(bgr, {50, 60}, 20, cv::Scalar(30, 30, 200), cv::FILLED);
    cv::rectangle(bgr, cv::Rect(120, 30, 40, 40), cv::Scalar(40, 160, 40), cv::FILLED);
    // ctest may run these tests in parallel processes: each writes privately, then renames.
    const std::string mine = ".tmp" + std::to_string(::getpid());
    cv::imwrite(image().string() + mine + ".png", bgr);
    fs::rename(image().string() + mine + ".png", image());
    std::ofstream(garbage().string() + mine) << "this is not a model file\n";
    fs::rename(garbage().string() + mine, garbage());
  }
  void SetUp() override {
    if (!have_plugins()) GTEST_SKIP() << "the fomo and tinyissimo_yolo plugins are not built";
  }
  static fs::path model() { return kWork / "fomo64.tdm"; }
  static fs::path nameless_model() { return kWork / "fomo64_no_class_names.tdm"; }
  static fs::path image() { return kWork / "shapes_200x120.png"; }
  static fs::path garbage() { return kWork / "garbage.tdm"; }
  static std::string q(const fs::path& p) {  // shell-quoted
    std::string quoted = "'";
    quoted += p.string();
    quoted += '\'';
    return quoted;
  }
  // The two classes of the model, taken from the 3-class synthetic dataset.
  static std::string data_flags() { return "--data " + kDataset + " --classes circle,square"; }
};

TEST_F(CliCommands, InfoTotalsEqualTheGraphStatistics) {
  const CliResult r = run("info tinyissimo_yolo --res 88 --classes 2 --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = parse_json(r);
  tinydet::test::ArchPlugin plugin("tinyissimo_yolo");
  const tinydet::Graph g = plugin.inference_graph(88);  // 2 classes
  const tinydet::OpStats s = g.total_stats();
  const json& t = j.at("totals");
  EXPECT_EQ(t.at("params").get<int64_t>(), s.params);
  EXPECT_EQ(t.at("macs").get<int64_t>(), s.macs);
  EXPECT_EQ(t.at("flash_bytes").get<int64_t>(), s.weight_bytes);
  ASSERT_EQ(j.at("layers").size(), g.ops.size());
  int64_t params = 0, macs = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const json& l = j["layers"][i];
    EXPECT_EQ(l.at("name"), g.ops[i].name);
    const tinydet::Shape& out = g.shape(g.ops[i].output);
    EXPECT_EQ(l.at("output"), json::array({out.h, out.w, out.c}));
    params += l.at("params").get<int64_t>();
    macs += l.at("macs").get<int64_t>();
  }
  EXPECT_EQ(params, s.params);
  EXPECT_EQ(macs, s.macs);
  EXPECT_GE(t.at("arena_bytes").get<size_t>(), t.at("arena_lower_bound_bytes").get<size_t>());
  EXPECT_GT(t.at("arena_lower_bound_bytes").get<size_t>(), 0u);
  // The tensors listed at the peak add up to the lower bound (the peak's live bytes).
  size_t live = 0;
  for (const auto& p : t.at("peak_tensors")) live += p.at("bytes").get<size_t>();
  EXPECT_EQ(live, t.at("arena_lower_bound_bytes").get<size_t>()) << t.dump(2);
}

TEST_F(CliCommands, InfoShowsTinyissimoYoloSizeAsText) {
  // The architecture issue's size check: 422k parameters +-5% at 88x88 with 3 classes.
  const CliResult r = run("info tinyissimo_yolo --res 88 --classes 3 --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const int64_t trainable = parse_json(r).at("totals").at("trainable_params").get<int64_t>();
  EXPECT_NEAR(double(trainable), 422e3, 0.05 * 422e3);
  const CliResult text = run("info tinyissimo_yolo --res 88 --classes 3");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, std::to_string(trainable) + " trainable")) << text.out;
  EXPECT_TRUE(contains(text.out, "lower bound")) << text.out;
  EXPECT_TRUE(contains(text.out, "lambda_coord")) << text.out;  // the plugin's options
}

TEST_F(CliCommands, InfoWithPatchExecutorShowsThePatchPlan) {
  const CliResult r = run("info fomo --res 128 --executor patch --patches 2 --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = parse_json(r);
  const json& ex = j.at("executor");
  EXPECT_EQ(ex.at("name"), "patch");
  EXPECT_EQ(ex.at("settings").at("patches"), "2");
  const json& figures = ex.at("memory").at("executor");
  EXPECT_EQ(figures.at("patches").get<double>(), 2.0);
  for (const char* key : {"split_op", "reduction_factor", "mac_overhead_percent", "layer_by_layer_bytes"})
    EXPECT_TRUE(figures.contains(key)) << key << " missing in " << figures.dump();
  // The patch executor's layer-by-layer figure is the plan `info` shows for the graph.
  EXPECT_EQ(figures.at("layer_by_layer_bytes").get<double>(), j.at("totals").at("arena_bytes").get<double>());
  EXPECT_LT(ex.at("memory").at("arena_bytes").get<double>(), j.at("totals").at("arena_bytes").get<double>());
  EXPECT_GT(ex.at("memory").at("high_water_bytes").get<double>(), 0.0);
  EXPECT_TRUE(contains(ex.at("plan").get<std::string>(), "patches: 2x2")) << ex.at("plan");

  const CliResult text = run("info fomo --res 128 --executor patch");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "patch-based plan")) << text.out;
  EXPECT_TRUE(contains(text.out, "halo MAC overhead")) << text.out;
  // A setting the executor does not know is refused, named.
  const CliResult bad = run("info fomo --executor layer --patches 2");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_TRUE(contains(bad.out, "patches")) << bad.out;
}

TEST_F(CliCommands, InfoProfileTimesEveryOp) {
  const CliResult r = run("info fomo --res 64 --profile --repeats 2 --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = parse_json(r);
  const json& rows = j.at("profile").at("layers");
  ASSERT_EQ(rows.size(), j.at("layers").size());
  int64_t macs = 0;
  int peaks = 0;
  std::set<std::string> names;
  for (const auto& row : rows) {
    macs += row.at("macs").get<int64_t>();
    peaks += row.at("peak").get<bool>() ? 1 : 0;
    EXPECT_GE(row.at("micros").get<double>(), 0.0);
    names.insert(row.at("name").get<std::string>());
  }
  EXPECT_EQ(macs, j.at("totals").at("macs").get<int64_t>());
  EXPECT_EQ(peaks, 1);
  EXPECT_TRUE(names.count(j.at("profile").at("slowest_op").get<std::string>()));
  const CliResult text = run("info fomo --res 64 --profile --repeats 1 --precision float");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "<- slowest")) << text.out;
  EXPECT_TRUE(contains(text.out, "<- memory peak")) << text.out;
}

TEST_F(CliCommands, EvalPrintsThePrimaryMetric) {
  const fs::path out = kWork / "eval.json";
  fs::remove(out);
  const CliResult r = run("eval " + q(model()) + " " + data_flags() + " --threads 1 --json --out " + q(out), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = parse_json(r);
  const json& m = j.at("metrics");
  EXPECT_EQ(m.at("primary_metric"), "centroid_f1");
  EXPECT_GE(m.at("primary").get<double>(), 0.0);
  EXPECT_LE(m.at("primary").get<double>(), 1.0);
  EXPECT_GT(m.at("eval_images").get<int>(), 0);
  EXPECT_EQ(j.at("precision"), "int8");
  EXPECT_GT(j.at("quantization").at("calibration_images").get<int>(), 0);
  std::ifstream f(out);
  EXPECT_EQ(json::parse(f), j);

  const CliResult text = run("eval " + q(model()) + " " + data_flags() + " --precision float --threads 1");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "centroid_f1 = ")) << text.out;

  // The dataset must have the model's classes.
  const CliResult wrong = run("eval " + q(model()) + " --data " + kDataset + " --threads 1");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_TRUE(contains(wrong.out, "2 classes")) << wrong.out;
}

TEST_F(CliCommands, BenchReportsLatencyAndMemory) {
  const CliResult r = run("bench " + q(model()) + " --repetitions 5 --min-time 0.005 --images 2 --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = parse_json(r);
  for (const char* stage : {"network_ms", "preprocess_ms", "decode_ms"}) {
    const json& s = j.at("latency").at(stage);
    EXPECT_GT(s.at("median").get<double>(), 0.0) << stage;
    EXPECT_GE(s.at("p90").get<double>(), s.at("median").get<double>()) << stage;
    EXPECT_GE(s.at("stddev").get<double>(), 0.0) << stage;
    EXPECT_EQ(s.at("repetitions").get<int>(), 5) << stage;
  }
  const json& mem = j.at("memory");
  EXPECT_GE(mem.at("arena_bytes").get<size_t>(), mem.at("arena_lower_bound_bytes").get<size_t>());
  EXPECT_GT(mem.at("flash_bytes").get<size_t>(), 0u);
  EXPECT_GT(mem.at("high_water_bytes").get<size_t>(), 0u);
  EXPECT_LE(mem.at("high_water_bytes").get<size_t>(), mem.at("arena_bytes").get<size_t>());
  EXPECT_EQ(mem.at("heap_growth_bytes").get<long long>(), 0);  // the layer executor allocates nothing
  EXPECT_EQ(j.at("weights"), "trained");

  // An architecture name runs untrained; the text form names the three stages.
  const CliResult arch = run("bench fomo --res 64 --precision float --repetitions 5 --min-time 0.005 --images 1");
  ASSERT_EQ(arch.exit_code, 0) << arch.out;
  for (const char* part : {"network", "preprocess", "decode", "median", "p90", "arena", "high water"})
    EXPECT_TRUE(contains(arch.out, part)) << part << " missing in\n" << arch.out;
  EXPECT_EQ(run("bench fomo --repetitions 2").exit_code, 2);  // fewer than 5 repetitions
  const CliResult neither = run("bench no_such_thing");
  EXPECT_EQ(neither.exit_code, 1);
  EXPECT_TRUE(contains(neither.out, "no_such_thing")) << neither.out;
}

TEST_F(CliCommands, DetectDrawsOnTheImageAtItsSize) {
  const fs::path out = kWork / "detections.png";
  fs::remove(out);
  const CliResult r = run("detect " + q(model()) + " " + q(image()) + " --out " + q(out) +
                                  " --threshold 0 --json --data " + kDataset + " --classes circle,square",
                              false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = parse_json(r);
  EXPECT_TRUE(j.at("centroid_detector").get<bool>());
  ASSERT_FALSE(j.at("detections").empty());
  for (const auto& d : j["detections"]) {
    EXPECT_TRUE(d.at("name") == "circle" || d.at("name") == "square") << d;
    EXPECT_GE(d.at("centroid")[0].get<double>(), 0.0);
    EXPECT_LE(d.at("centroid")[0].get<double>(), 200.0);  // original image pixels
    EXPECT_LE(d.at("centroid")[1].get<double>(), 120.0);
  }
  const cv::Mat drawn = cv::imread(out.string());
  ASSERT_FALSE(drawn.empty()) << out;
  EXPECT_EQ(drawn.cols, 200);
  EXPECT_EQ(drawn.rows, 120);
  const cv::Mat original = cv::imread(image().string());
  EXPECT_GT(cv::norm(drawn, original, cv::NORM_L1), 0.0);  // something was drawn

  const CliResult text = run("detect " + q(model()) + " " + q(image()) + " --out " + q(out) + " --precision float");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "wrote " + out.string() + " (200x120)")) << text.out;
}

TEST_F(CliCommands, DetectNamesClassesFromTheModelElseTheData) {
  const fs::path out = kWork / "named.png";
  const auto names = [&](const std::string& extra) {
    const CliResult r = run("detect " + q(nameless_model()) + " " + q(image()) + " --out " + q(out) +
                                " --threshold 0 --precision float --json " + extra,
                            false);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    std::set<std::string> found;
    const json j = parse_json(r);
    for (const auto& d : j.at("detections")) found.insert(d.at("name").get<std::string>());
    return found;
  };
  const auto numbered = names("");
  ASSERT_FALSE(numbered.empty());
  for (const auto& n : numbered) EXPECT_TRUE(n == "class0" || n == "class1") << n;
  const auto from_data = names("--data " + kDataset + " --classes square,triangle");
  ASSERT_FALSE(from_data.empty());
  for (const auto& n : from_data) EXPECT_TRUE(n == "square" || n == "triangle") << n;
}

TEST_F(CliCommands, BadFilesAreNamed) {
  const fs::path out = kWork / "never.png";
  for (const std::string& cmd : {"eval " + q(garbage()) + " --data " + kDataset,
                                 "bench " + q(garbage()),
                                 "detect " + q(garbage()) + " " + q(image()) + " --out " + q(out)}) {
    const CliResult r = run(cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, garbage().string())) << cmd << "\n" << r.out;
  }
  const fs::path missing_model = kWork / "missing.tdm";
  const CliResult none = run("eval " + q(missing_model));
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_TRUE(contains(none.out, missing_model.string())) << none.out;
  // Images: missing, and not an image at all.
  const fs::path missing_image = kWork / "missing.png";
  for (const fs::path& img : {missing_image, garbage()}) {
    const CliResult r = run("detect " + q(model()) + " " + q(img) + " --out " + q(out) + " --precision float");
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_TRUE(contains(r.out, img.string())) << r.out;
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliCommands, TrainedModelFileKeepsClassNames) {
  const fs::path trained = kWork / "trained_fomo.tdm";
  fs::remove(trained);
  const CliResult train = run("train fomo --dataset synthetic:12@7 --res 32 --epochs 1 --threads 1 "
                                  "--progress none --out " + q(trained));
  ASSERT_EQ(train.exit_code, 0) << train.out;
  const tinydet::Graph g = tinydet::load_model(trained.string());
  EXPECT_EQ(json::parse(g.meta.at("classes")), json::array({"circle", "square", "triangle"}));
  const fs::path out = kWork / "trained.png";
  const CliResult r = run("detect " + q(trained) + " " + q(image()) + " --out " + q(out) +
                                  " --threshold 0 --precision float --json",
                              false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = parse_json(r);
  ASSERT_FALSE(j.at("detections").empty());
  for (const auto& d : j["detections"])
    EXPECT_TRUE(d.at("name") == "circle" || d.at("name") == "square" || d.at("name") == "triangle") << d;
}

}  // namespace
