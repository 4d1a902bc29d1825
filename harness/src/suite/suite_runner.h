// `tinydet run SUITE`: every cell of a suite (dataset × architecture × resolution ×
// executor × precision), each appended atomically to results/<run>/results.json as soon
// as it finishes, then plots and a report.
//
// Per (dataset, architecture, resolution) the model is trained once (through the model
// cache, so a suite never trains the same cell twice) and quantised once; each cell then
// measures accuracy on the whole eval split, latency (Google Benchmark) and memory with
// its own executor and precision. A failing cell is recorded with its error and the run
// goes on; `--resume` skips finished cells.
#pragma once

#include <string>
#include <vector>

#include "loader/plugin_loader.h"
#include "suite/plots.h"
#include "suite/suite_file.h"

namespace tinydet::suite {

struct RunOptions {
  std::string out_dir;               // empty: <results_root>/<suite>-<UTC timestamp>
  std::string results_root = "results";
  bool resume = false;               // continue out_dir (or the suite's latest run)
  int latency_threads = 0;           // 0: the suite's setting
  bool retrain = false;
  std::string data_dir, cache_dir;   // "" = defaults (see datasets and model cache)
  bool plot = true;
  std::string command_line;
  int progress = -1;                 // -1 auto, 0 log lines, 2 silent
};

struct CellSpec {
  size_t dataset = 0, architecture = 0, executor = 0;
  int resolution = 0;
  std::string precision;
  std::string id;
};

/// Cells in run order: dataset, architecture, resolution, precision, executor.
std::vector<CellSpec> enumerate_cells(const SuiteSpec& s);

/// Checks names and values against the loaded plugins before any work: an unknown
/// architecture or executor, an option the plugin refuses, an impossible resolution, a
/// bad executor setting, a bad recipe key. Throws std::invalid_argument naming the file
/// and the key (JSON pointer).
void validate_against_plugins(const SuiteSpec& s, const PluginRegistry& reg);

struct RunSummary {
  std::string dir;
  int cells = 0, ran = 0, skipped = 0, failed = 0;
  bool interrupted = false;
  std::vector<PlotOutput> plots;
  std::string report_html, report_markdown;
};

RunSummary run_suite(const SuiteSpec& s, const PluginRegistry& reg, const RunOptions& opt);

/// The newest run directory of a suite under `results_root`, or "" when none.
std::string latest_run_dir(const std::string& results_root, const std::string& suite_name);

}  // namespace tinydet::suite
