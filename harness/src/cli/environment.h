// Where things are at run time: the running executable, its install prefix, the default
// plugin folder, external tools (gnuplot). The same binary works from the build tree and
// from any install prefix (`cmake --install build --prefix P`), because installed paths
// are found relative to the executable rather than compiled in.
#pragma once

#include <filesystem>
#include <vector>

#include "cli/command.h"
#include "loader/plugin_loader.h"

namespace tinydet::cli {

/// The running executable (/proc/self/exe), or empty when it cannot be read.
std::filesystem::path executable_path();

/// True when the running executable is the one in this project's build tree.
bool running_from_build_tree();

/// The install prefix of the running executable (the folder above its bin/), or empty
/// when running from the build tree.
std::filesystem::path install_prefix();

/// The last entry of the plugin search order: the build tree's plugin folder when running
/// from the build tree, otherwise <prefix>/lib/tinydet/plugins of the running install.
std::filesystem::path default_plugin_dir();

/// The search options for these global options (--plugin-dir, --strict).
PluginSearchOptions plugin_search_options(const GlobalOptions& global);

/// Loads the plugins for a subcommand that needs them. Refused plugins are warned about on
/// stderr; with --strict they make this throw (exit code 1). With -v, the search path and
/// each loaded plugin are printed on stderr.
PluginRegistry load_registry(const GlobalOptions& global);

/// The gnuplot executable: $TINYDET_GNUPLOT when set, else `gnuplot` on $PATH; empty when
/// not found. (The search itself is the suite's, which draws the plots.)
std::filesystem::path find_gnuplot();

/// What to tell the user when find_gnuplot() is empty.
const char* gnuplot_missing_message();

}  // namespace tinydet::cli
