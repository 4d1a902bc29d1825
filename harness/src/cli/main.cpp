// `tinydet`: the command-line entry point. Wires the subcommands (cli/cmd_*.cpp) into
// CLI11, parses, runs the selected subcommand's action and maps errors to exit codes:
// 0 success, 1 the work failed, 2 usage error.
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/version.h"
#include "cli/command.h"

namespace tinydet::cli {
namespace {

std::vector<Command> all_commands() {
  return {list_command(),  info_command(), dataset_command(), train_command(),
          eval_command(),  bench_command(), run_command(),    plot_command(),
          report_command(), detect_command()};
}

int run_main(int argc, char** argv) {
  CLI::App app{"tinydet: trains, quantises, runs and measures tiny object detectors",
               "tinydet"};
  app.set_version_flag("--version", [] { return version_text(); },
                       "Print version, git revision, build type, compiler and library versions");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand

  GlobalOptions global;
  app.add_option("--plugin-dir", global.plugin_dirs,
                 "Search this folder for plugins first (repeatable, searched in order)")
      ->type_name("DIR")
      ->allow_extra_args(false)  // one folder per --plugin-dir
      ->take_all();
  app.add_flag("--strict", global.strict,
               "Any refused plugin (or malformed dataset entry) is fatal");
  app.add_flag("-v,--verbose", global.verbosity, "More output on stderr (repeatable)");

  struct Registered {
    CLI::App* sub;
    Action action;
  };
  std::vector<Registered> registered;
  for (const Command& command : all_commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    sub->fallthrough();
    registered.push_back({sub, command.setup(*sub, global)});
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version or the error
    return code == 0 ? exit_code::ok : exit_code::usage;
  }

  for (const Registered& r : registered) {
    if (!r.sub->parsed()) continue;
    try {
      return r.action();
    } catch (const CLI::Error& e) {
      std::cerr << "tinydet " << r.sub->get_name() << ": " << e.what() << "\n";
      return exit_code::usage;
    } catch (const std::exception& e) {
      std::cerr << "tinydet " << r.sub->get_name() << ": error: " << e.what() << "\n";
      return exit_code::failed;
    }
  }
  return exit_code::usage;  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace tinydet::cli

int main(int argc, char** argv) {
  try {
    return tinydet::cli::run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "tinydet: error: " << e.what() << "\n";
    return tinydet::cli::exit_code::failed;
  }
}
