// Results file: atomic saves, resume bookkeeping, version checks; Pareto front; plots.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "suite/latency.h"
#include "suite/plots.h"
#include "suite/report.h"
#include "suite/results_store.h"
#include "suite/run_context.h"

using namespace tinydet::suite;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  const auto d = fs::temp_directory_path() / ("tinydet_" + name);
  fs::remove_all(d);
  return d;
}
}  // namespace

TEST(ResultsStore, AppendsAtomicallyAndResumes) {
  const auto dir = fresh_dir("results_store");
  {
    auto s = ResultsStore::create(dir.string(), {{"id", "r1"}}, run_context({{"suite", 1}}));
    s.append({{"id", "a"}, {"status", "ok"}});
    s.append({{"id", "b"}, {"status", "failed"}, {"error", "boom"}});
    EXPECT_TRUE(s.finished("a"));
    EXPECT_FALSE(s.finished("b"));  // failed cells run again on resume
    EXPECT_FALSE(s.finished("c"));
  }
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "results.json");
  auto s = ResultsStore::open(dir.string());
  EXPECT_TRUE(s.finished("a"));
  s.append({{"id", "b"}, {"status", "ok"}});  // replaces the failed record
  EXPECT_EQ(read_results(dir.string())["cells"].size(), 2u);
  EXPECT_TRUE(ResultsStore::open(dir.string()).finished("b"));
  // A second create over an existing run refuses instead of overwriting it.
  EXPECT_THROW(ResultsStore::create(dir.string(), {}, {}), std::runtime_error);
  fs::remove_all(dir);
}

TEST(ResultsStore, RefusesForeignAndNewerFilesByName) {
  const auto dir = fresh_dir("results_bad");
  fs::create_directories(dir);
  std::ofstream(dir / "results.json") << R"({"hello": 1})";
  try {
    read_results(dir.string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("results.json: not a tinydet results file"), std::string::npos);
  }
  std::ofstream(dir / "results.json") << R"({"schema_version": "2.0.0", "cells": []})";
  EXPECT_THROW(read_results(dir.string()), std::runtime_error);
  std::ofstream(dir / "results.json") << R"({"schema_version": "1.0.0", "cel)";
  EXPECT_THROW(read_results(dir.string()), std::runtime_error);
  fs::remove_all(dir);
}

TEST(Pareto, KeepsOnlyNonDominatedPoints) {
  // (latency, accuracy): (2, .5) is dominated by (1, .6); (3, .6) by (1, .6).
  const auto f = pareto_front({{1, .6}, {2, .5}, {3, .6}, {4, .9}, {0.5, .1}});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_DOUBLE_EQ(f[0].x, 0.5);
  EXPECT_DOUBLE_EQ(f[1].x, 1);
  EXPECT_DOUBLE_EQ(f[2].x, 4);
}

TEST(Latency, PercentileInterpolates) {
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 50), 3);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 90), 4.6);
  EXPECT_DOUBLE_EQ(percentile({5, 1}, 0), 1);
}

TEST(Latency, MeasuresARealFunction) {
  volatile double sink = 0;
  const auto s = measure_latency("spin", [&] {
    for (int i = 0; i < 20000; ++i) sink = sink + i * 0.5;
  }, 5, 0.005);
  EXPECT_EQ(s.repetitions, 5);
  EXPECT_GT(s.median_ms, 0);
  EXPECT_GE(s.p90_ms, s.median_ms);
  EXPECT_GE(s.median_ms, s.min_ms);
}

TEST(Plots, DrawsEveryPlotFromAResultsFile) {
  if (find_gnuplot_executable().empty()) GTEST_SKIP() << "gnuplot is not installed";
  json results = {{"schema_version", "1.0.0"}, {"run", {{"id", "p"}, {"suite", "s"}}},
                  {"context", run_context({})}, {"cells", json::array()}};
  int k = 0;
  for (const char* arch : {"fomo", "tinyissimo_yolo"})
    for (int res : {64, 96})
      for (const char* ex : {"layer", "patch"}) {
        const double acc = 0.5 + 0.001 * res + (arch[0] == 'f' ? 0.1 : 0);
        results["cells"].push_back(
            {{"id", std::to_string(k++)},
             {"status", "ok"},
             {"config", {{"architecture_label", arch}, {"resolution", res}, {"executor", ex}, {"precision", "int8"}}},
             {"accuracy", {{"primary_metric", arch[0] == 'f' ? "centroid_f1" : "map50"}, {"primary", acc}}},
             {"latency", {{"network_ms", {{"median", 0.01 * res}}}, {"preprocess_ms", {{"median", 0.1}}},
                          {"decode_ms", {{"median", 0.05}}}}},
             {"memory", {{"arena_bytes", res * res * (ex[0] == 'l' ? 40 : 8)}, {"flash_bytes", 30000 + res}}}});
      }
  results["cells"].push_back({{"id", "x"}, {"status", "failed"}, {"error", "it broke"}});
  const auto dir = fresh_dir("plots");
  const auto outs = make_plots(results, (dir / "plots").string());
  ASSERT_EQ(outs.size(), 5u);
  for (const auto& o : outs) {
    EXPECT_TRUE(o.drawn) << o.name << ": " << o.note;
    EXPECT_GT(fs::file_size(o.png), 2000u) << o.name;
    EXPECT_GT(fs::file_size(o.svg), 2000u) << o.name;
  }
  const auto rep = write_report(results, dir.string());
  std::ifstream html(rep.html);
  const std::string h((std::istreambuf_iterator<char>(html)), {});
  EXPECT_NE(h.find("<svg"), std::string::npos);  // plots inlined: self-contained
  EXPECT_NE(h.find("it broke"), std::string::npos);
  fs::remove_all(dir);
}
