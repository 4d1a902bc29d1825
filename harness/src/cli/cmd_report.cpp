// `tinydet report RESULTS_DIR`: a Markdown summary of a results folder.
#include <memory>
#include <string>

#include "cli/command.h"

namespace tinydet::cli {
namespace {

struct ReportOptions {
  std::string results_dir;
};

}  // namespace

Command report_command() {
  return {"report", "Summarise a results folder as Markdown tables",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<ReportOptions>();
            sub.add_option("RESULTS_DIR", opt->results_dir, "A results/<run>/ folder")
                ->required();
            return [opt] {  // opt owns the parsed values
              return not_built_yet("report", "the suite's results format (suite issue)");
            };
          }};
}

}  // namespace tinydet::cli
