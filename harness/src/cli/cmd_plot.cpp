// `tinydet plot RESULTS_DIR`: gnuplot charts (PNG and SVG) from a results folder.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/environment.h"
#include "suite/plots.h"
#include "suite/results_store.h"

namespace tinydet::cli {
namespace {

struct PlotOptions {
  std::string results_dir;
  bool json = false;
};

}  // namespace

Command plot_command() {
  return {"plot", "Draw the charts of a results folder with gnuplot (PNG and SVG)",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<PlotOptions>();
            sub.add_option("RESULTS_DIR", opt->results_dir, "A results/<run>/ folder")->required();
            sub.add_flag("--json", opt->json, "List the written files as JSON");
            return [opt] {
              if (find_gnuplot().empty()) {
                std::cerr << "plot: " << gnuplot_missing_message() << "\n";
                return exit_code::failed;
              }
              const auto results = suite::read_results(opt->results_dir);
              const auto plots = suite::make_plots(results, opt->results_dir + "/plots");
              nlohmann::json j = nlohmann::json::array();
              for (const auto& p : plots) {
                j.push_back({{"name", p.name}, {"drawn", p.drawn}, {"png", p.png}, {"svg", p.svg}, {"note", p.note}});
                if (!opt->json) {
                  if (p.drawn) std::cout << p.png << "\n" << p.svg << "\n";
                  else std::cout << p.name << ": not drawn (" << p.note << ")\n";
                }
              }
              if (opt->json) std::cout << j.dump(2) << "\n";
              return exit_code::ok;
            };
          }};
}

}  // namespace tinydet::cli
