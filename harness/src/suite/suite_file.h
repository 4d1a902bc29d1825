// Suite files: what a benchmark run covers, read from JSON and validated before any work.
//
// A suite lists datasets, architectures (with options and, optionally, their own
// resolutions), resolutions, executors (with settings), precisions, the training recipe,
// and the metric and latency settings. Every error names the key as a JSON pointer
// ("/architectures/1/name") and the file.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinydet::suite {

struct DatasetEntry {
  std::string spec;                  // dataset spec string, e.g. "synthetic:600@1", "fruit"
  std::vector<std::string> classes;  // optional filter/remap
  double val_fraction = 0.2;         // when the data has no validation split
  int max_eval_images = 0;           // 0: the whole eval split
};

struct ArchitectureEntry {
  std::string name;                            // plugin name
  std::map<std::string, std::string> options;  // plugin options
  std::vector<int> resolutions;                // empty: the suite's list
  std::string label;                           // display name (default: name)
};

struct ExecutorEntry {
  std::string name;                             // executor plugin name
  std::map<std::string, std::string> settings;  // e.g. patches
};

struct LatencySettings {
  int repetitions = 5;      // Google Benchmark repetitions (>= 5 for median/p90)
  double min_time_s = 0.05;  // per repetition
  int threads = 1;          // 1 models an MCU core
  int images = 4;           // distinct images cycled through while timing
};

struct MetricSettings {
  float score_threshold = -1.f;          // < 0: each plugin's default
  double centroid_max_distance_cells = 1.0;
};

struct SuiteSpec {
  std::string name;
  std::string description;
  std::string file;  // where it was read from
  std::vector<DatasetEntry> datasets;
  std::vector<ArchitectureEntry> architectures;
  std::vector<int> resolutions;
  std::vector<ExecutorEntry> executors;
  std::vector<std::string> precisions;  // "float", "int8"
  nlohmann::json recipe = nlohmann::json::object();  // the trainer validates its keys
  int calibration_images = 100;
  uint64_t seed = 1;
  MetricSettings metrics;
  LatencySettings latency;
  nlohmann::json raw;  // the file as read, recorded in the results
};

/// Parses and validates the structure (types, known keys, value ranges). Plugin names and
/// resolutions are checked later against the loaded plugins (see validate_against_plugins
/// in suite_runner.h). Throws std::invalid_argument: "<file>: <json pointer>: <problem>".
SuiteSpec parse_suite(const nlohmann::json& j, const std::string& file);

/// Reads a suite by path, or by name from the suite folders (`dirs`, in order).
SuiteSpec load_suite(const std::string& name_or_path, const std::vector<std::string>& dirs);

/// Names of the suites found in `dirs`.
std::vector<std::string> list_suites(const std::vector<std::string>& dirs);

}  // namespace tinydet::suite
