// `tinydet run SUITE`: runs a benchmark suite (train, quantise, evaluate, measure) and
// writes results/<run>/ with the results JSON, plots and a report.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/environment.h"
#include "suite/suite_file.h"
#include "suite/suite_runner.h"
#include "train/trainer.h"

namespace tinydet::cli {
namespace {

struct RunCliOptions {
  std::string suite;
  bool resume = false;
  bool retrain = false;
  bool no_plot = false;
  bool json = false;
  int threads = 0;  // latency threads; 0: the suite's (1 by default, an MCU core)
  std::string out;
  std::string data_dir;
};

/// Where suites are looked up by name: $TINYDET_SUITE_PATH, then the install's share
/// folder or the source tree's harness/suites.
std::vector<std::string> suite_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("TINYDET_SUITE_PATH"))
    for (const auto& d : split_path_list(env)) dirs.push_back(d.string());
  if (running_from_build_tree()) dirs.push_back(TINYDET_BUILD_SUITE_DIR);
  else if (!install_prefix().empty()) dirs.push_back((install_prefix() / "share/tinydet/suites").string());
  dirs.push_back(TINYDET_INSTALL_SUITE_DIR);
  return dirs;
}

std::string command_line() {
  std::ifstream in("/proc/self/cmdline");
  std::string all, arg;
  while (std::getline(in, arg, '\0')) all += (all.empty() ? "" : " ") + arg;
  return all;
}

}  // namespace

Command run_command() {
  return {"run", "Run a benchmark suite and write results/<run>/ (JSON, plots, report)",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<RunCliOptions>();
            sub.add_option("SUITE", opt->suite, "Suite name (quick, fruit, coco128, resolution, full) or a suite JSON file")
                ->required();
            sub.add_flag("--resume", opt->resume,
                         "Continue the suite's latest run (or --out): finished cells are skipped");
            sub.add_option("--threads", opt->threads,
                           "Threads for latency measurement (default: the suite's, 1 = one MCU core)")
                ->check(CLI::NonNegativeNumber);
            sub.add_option("--out", opt->out, "Results folder (default: results/<suite>-<UTC time>/)");
            sub.add_flag("--retrain", opt->retrain, "Train again even when the model cache has the model");
            sub.add_option("--data-dir", opt->data_dir, "Where named datasets live (default: $TINYDET_DATA_DIR)");
            sub.add_flag("--no-plot", opt->no_plot, "Do not draw plots at the end");
            sub.add_flag("--json", opt->json, "Print the run summary as JSON");
            return [opt, &global] {
              const auto registry = load_registry(global);
              const auto spec = suite::load_suite(opt->suite, suite_dirs());
              install_sigint_handler();
              suite::RunOptions ro;
              ro.out_dir = opt->out;
              if (const char* root = std::getenv("TINYDET_RESULTS_DIR")) ro.results_root = root;
              ro.resume = opt->resume;
              ro.latency_threads = opt->threads;
              ro.retrain = opt->retrain;
              ro.data_dir = opt->data_dir;
              ro.plot = !opt->no_plot;
              ro.command_line = command_line();
              const auto s = suite::run_suite(spec, registry, ro);
              if (opt->json) {
                nlohmann::json plots = nlohmann::json::array();
                for (const auto& p : s.plots)
                  if (p.drawn) plots.push_back(p.png);
                std::cout << nlohmann::json{{"dir", s.dir},          {"cells", s.cells},
                                            {"ran", s.ran},          {"skipped", s.skipped},
                                            {"failed", s.failed},    {"interrupted", s.interrupted},
                                            {"plots", plots},        {"report_html", s.report_html},
                                            {"results", s.dir + "/results.json"}}
                                 .dump(2)
                          << "\n";
              } else {
                std::cout << "results: " << s.dir << "/results.json  (" << s.ran << " cells run, " << s.skipped
                          << " already done, " << s.failed << " failed)\n";
                for (const auto& p : s.plots)
                  if (p.drawn) std::cout << "plot:    " << p.png << "\n";
                std::cout << "report:  " << s.report_html << "\n";
                if (s.interrupted)
                  std::cout << "interrupted: continue with `tinydet run " << opt->suite << " --resume`\n";
              }
              return (s.failed > 0 || s.interrupted) ? exit_code::failed : exit_code::ok;
            };
          }};
}

}  // namespace tinydet::cli
