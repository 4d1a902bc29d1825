#include "suite/report.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "suite/results_store.h"

namespace tinydet::suite {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string fmt(const json& c, const char* pointer, int decimals, double scale = 1.0) {
  const json::json_pointer p(pointer);
  if (!c.contains(p) || !c.at(p).is_number()) return "–";
  const double v = c.at(p).get<double>() * scale;
  if (!std::isfinite(v)) return "–";
  std::ostringstream os;
  os << std::fixed << std::setprecision(decimals) << v;
  return os.str();
}
std::string text(const json& c, const char* pointer) {
  const json::json_pointer p(pointer);
  if (!c.contains(p)) return "";
  return c.at(p).is_string() ? c.at(p).get<std::string>() : c.at(p).dump();
}

struct Column {
  const char* header;
  std::string (*cell)(const json&);
};

const std::vector<Column>& columns() {
  static const std::vector<Column> cols = {
      {"dataset", [](const json& c) { return text(c, "/config/dataset"); }},
      {"architecture", [](const json& c) { return text(c, "/config/architecture_label"); }},
      {"res", [](const json& c) { return text(c, "/config/resolution"); }},
      {"executor", [](const json& c) { return text(c, "/config/executor"); }},
      {"precision", [](const json& c) { return text(c, "/config/precision"); }},
      {"status", [](const json& c) { return text(c, "/status"); }},
      {"primary metric", [](const json& c) {
         return text(c, "/accuracy/primary_metric") + " " + fmt(c, "/accuracy/primary", 3);
       }},
      {"mAP@.5", [](const json& c) { return fmt(c, "/accuracy/coco/ap50", 3); }},
      {"mAP@[.5:.95]", [](const json& c) { return fmt(c, "/accuracy/coco/ap", 3); }},
      {"centroid F1", [](const json& c) { return fmt(c, "/accuracy/centroid/micro/f1", 3); }},
      {"count MAE", [](const json& c) { return fmt(c, "/accuracy/counting/mae_class_agnostic", 2); }},
      {"latency ms (median / p90)", [](const json& c) {
         return fmt(c, "/latency/network_ms/median", 3) + " / " + fmt(c, "/latency/network_ms/p90", 3);
       }},
      {"arena KiB", [](const json& c) { return fmt(c, "/memory/arena_bytes", 1, 1.0 / 1024); }},
      {"flash KiB", [](const json& c) { return fmt(c, "/memory/flash_bytes", 1, 1.0 / 1024); }},
      {"params", [](const json& c) { return text(c, "/model/params"); }},
      {"MMACs", [](const json& c) { return fmt(c, "/memory/macs", 2, 1e-6); }},
  };
  return cols;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += ch;
    }
  }
  return o;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kPlots[][2] = {{"accuracy_vs_latency", "Accuracy vs latency"},
                           {"accuracy_vs_resolution", "Accuracy vs resolution"},
                           {"arena_vs_resolution", "Arena peak vs resolution"},
                           {"flash_vs_accuracy", "Flash vs accuracy"},
                           {"latency_breakdown", "Latency breakdown"}};

}  // namespace

std::string results_table_markdown(const json& results) {
  std::ostringstream md;
  md << "|";
  for (const auto& col : columns()) md << " " << col.header << " |";
  md << "\n|";
  for (size_t i = 0; i < columns().size(); ++i) md << "---|";
  md << "\n";
  for (const auto& c : results.at("cells")) {
    md << "|";
    for (const auto& col : columns()) md << " " << col.cell(c) << " |";
    md << "\n";
  }
  return md.str();
}

ReportFiles write_report(const json& results, const std::string& run_dir) {
  const json& run = results.value("run", json::object());
  const json& ctx = results.value("context", json::object());
  const std::string title = "tinydet-bench results: " + run.value("suite", std::string("run")) + " (" +
                            run.value("id", std::string("")) + ")";
  std::vector<std::string> failed;
  for (const auto& c : results.at("cells"))
    if (c.value("status", "") != "ok")
      failed.push_back(c.value("id", std::string("?")) + ": " + c.value("error", std::string("")));

  std::ostringstream md;
  md << "# " << title << "\n\n";
  if (run.contains("description")) md << run["description"].get<std::string>() << "\n\n";
  md << "Cells: " << results.at("cells").size() << " (" << failed.size() << " failed). "
     << "Accuracy is measured on the evaluation split; latency is the network alone on "
     << ctx.value("cores", 0) << "-core host `" << ctx.value("cpu_model", std::string("?"))
     << "` with " << text(results, "/cells/0/latency/threads") << " thread(s).\n\n";
  md << "## Results\n\n" << results_table_markdown(results) << "\n";
  if (!failed.empty()) {
    md << "## Failed cells\n\n";
    for (const auto& f : failed) md << "- " << f << "\n";
    md << "\n";
  }
  md << "## Plots\n\n";
  for (const auto& p : kPlots)
    if (fs::exists(fs::path(run_dir) / "plots" / (std::string(p[0]) + ".png")))
      md << "![" << p[1] << "](plots/" << p[0] << ".png)\n\n";
  md << "## Context\n\n```json\n" << ctx.dump(2) << "\n```\n";

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << html_escape(title)
       << "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
          "th{background:#f0f0f0}td:nth-child(-n+6){text-align:left}pre{background:#f7f7f7;padding:1em;overflow:auto}"
          "figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}</style></head><body>\n";
  html << "<h1>" << html_escape(title) << "</h1>\n<h2>Results</h2>\n<table><tr>";
  for (const auto& col : columns()) html << "<th>" << html_escape(col.header) << "</th>";
  html << "</tr>\n";
  for (const auto& c : results.at("cells")) {
    html << "<tr>";
    for (const auto& col : columns()) html << "<td>" << html_escape(col.cell(c)) << "</td>";
    html << "</tr>\n";
  }
  html << "</table>\n";
  if (!failed.empty()) {
    html << "<h2>Failed cells</h2><ul>";
    for (const auto& f : failed) html << "<li>" << html_escape(f) << "</li>";
    html << "</ul>\n";
  }
  html << "<h2>Plots</h2>\n";
  for (const auto& p : kPlots) {
    const fs::path svg = fs::path(run_dir) / "plots" / (std::string(p[0]) + ".svg");
    if (!fs::exists(svg)) continue;
    std::string s = read_all(svg);
    const auto start = s.find("<svg");
    if (start == std::string::npos) continue;
    html << "<figure><figcaption>" << p[1] << "</figcaption>\n" << s.substr(start) << "</figure>\n";
  }
  html << "<h2>Context</h2><pre>" << html_escape(ctx.dump(2)) << "</pre>\n</body></html>\n";

  ReportFiles files;
  files.markdown = (fs::path(run_dir) / "report.md").string();
  files.html = (fs::path(run_dir) / "report.html").string();
  write_file_atomically(files.markdown, md.str());
  write_file_atomically(files.html, html.str());
  return files;
}

}  // namespace tinydet::suite
