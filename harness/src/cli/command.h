// The registration API of the `tinydet` subcommands.
//
// Each subcommand lives in its own file, cli/cmd_<name>.cpp, which defines one function
// `Command <name>_command()`. main.cpp lists those functions in all_commands() and wires
// them into CLI11. To give a subcommand its real machinery, replace its cmd_<name>.cpp
// (keeping the function's name); nothing else needs to change.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace tinydet::cli {

/// Process exit codes of `tinydet`.
namespace exit_code {
inline constexpr int ok = 0;       // the work was done
inline constexpr int failed = 1;   // the work failed
inline constexpr int usage = 2;    // bad command line
}  // namespace exit_code

/// Options given before or after the subcommand name that every subcommand may read.
/// Filled by the parser before any action runs.
struct GlobalOptions {
  std::vector<std::string> plugin_dirs;  // --plugin-dir, repeatable, in order
  bool strict = false;  // --strict: any refused plugin (or malformed dataset entry) is fatal
  int verbosity = 0;    // -v/--verbose, counted
};

/// What a subcommand does once the command line has been parsed. Returns an exit code
/// (see exit_code). May throw: std::exception -> message on stderr and exit code 1;
/// CLI::Error (e.g. CLI::ValidationError for a bad combination of options) -> exit code 2.
using Action = std::function<int()>;

struct Command {
  std::string name;         // the subcommand's word on the command line
  std::string description;  // one line, shown in `tinydet --help`
  /// Declares the subcommand's options and positionals on `sub`, bound to state that the
  /// returned action captures (e.g. a shared_ptr to an options struct). `global` stays
  /// valid for the whole run and is filled before the action is called.
  std::function<Action(CLI::App& sub, const GlobalOptions& global)> setup;
};

// One function per cmd_<name>.cpp.
Command list_command();
Command info_command();
Command dataset_command();
Command train_command();
Command eval_command();
Command bench_command();
Command run_command();
Command plot_command();
Command report_command();
Command detect_command();

}  // namespace tinydet::cli
