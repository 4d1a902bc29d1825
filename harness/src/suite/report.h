// `tinydet report`: a Markdown page and a self-contained HTML page (plots inlined as SVG)
// with the results tables, the plots and the context block of a run.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tinydet::suite {

struct ReportFiles {
  std::string markdown, html;
};

/// Writes <run_dir>/report.md and <run_dir>/report.html. Plots are taken from
/// <run_dir>/plots/ when present (run `tinydet plot` first to include them).
ReportFiles write_report(const nlohmann::json& results, const std::string& run_dir);

/// The results table as Markdown (also used by the README's reference section).
std::string results_table_markdown(const nlohmann::json& results);

}  // namespace tinydet::suite
