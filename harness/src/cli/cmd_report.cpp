// `tinydet report RESULTS_DIR`: Markdown and self-contained HTML report of a run.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "suite/report.h"
#include "suite/results_store.h"

namespace tinydet::cli {
namespace {

struct ReportOptions {
  std::string results_dir;
  bool json = false;
};

}  // namespace

Command report_command() {
  return {"report", "Write report.md and a self-contained report.html for a results folder",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<ReportOptions>();
            sub.add_option("RESULTS_DIR", opt->results_dir, "A results/<run>/ folder")->required();
            sub.add_flag("--json", opt->json, "Print the written files as JSON");
            return [opt] {
              const auto results = suite::read_results(opt->results_dir);
              const auto files = suite::write_report(results, opt->results_dir);
              if (opt->json)
                std::cout << nlohmann::json{{"markdown", files.markdown}, {"html", files.html}}.dump(2) << "\n";
              else
                std::cout << files.markdown << "\n" << files.html << "\n";
              return exit_code::ok;
            };
          }};
}

}  // namespace tinydet::cli
