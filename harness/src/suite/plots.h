// Comparison plots of a results file, drawn with gnuplot (found at run time).
//
// Writes into <run>/plots/: for each plot a data file per series (.dat), the gnuplot
// script (.gp), and the PNG and SVG it draws. Plots: accuracy vs latency with the Pareto
// front, accuracy vs resolution, arena peak vs resolution (both executors, with 256 KB
// and 512 KB SRAM reference lines), flash vs accuracy, and a latency breakdown.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinydet::suite {

/// Path of gnuplot on PATH, or empty.
std::string find_gnuplot_executable();

struct PlotOutput {
  std::string name;     // e.g. "accuracy_vs_latency"
  std::string title;
  std::string png, svg; // written files
  bool drawn = false;   // false when the results had nothing to show for it
  std::string note;     // why it was not drawn
};

/// Draws every plot the results support. Throws std::runtime_error with a clear message
/// when gnuplot is missing or fails (naming the script).
std::vector<PlotOutput> make_plots(const nlohmann::json& results, const std::string& out_dir);

/// Non-dominated points (lower x better, higher y better), in increasing x.
struct XY {
  double x, y;
};
std::vector<XY> pareto_front(std::vector<XY> points);

}  // namespace tinydet::suite
