// `tinydet plot RESULTS_DIR`: gnuplot charts from a results folder.
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/environment.h"

namespace tinydet::cli {
namespace {

struct PlotOptions {
  std::string results_dir;
};

}  // namespace

Command plot_command() {
  return {"plot", "Draw the charts of a results folder with gnuplot",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<PlotOptions>();
            sub.add_option("RESULTS_DIR", opt->results_dir, "A results/<run>/ folder")
                ->required();
            return [opt] {  // opt owns the parsed values
              if (find_gnuplot().empty()) {
                std::cerr << "plot: " << gnuplot_missing_message() << "\n";
                return exit_code::failed;
              }
              return not_built_yet("plot", "the suite's results format and plot scripts "
                                           "(suite issue)");
            };
          }};
}

}  // namespace tinydet::cli
