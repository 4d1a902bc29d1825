#include "cli/environment.h"

#include <iostream>
#include <string>
#include <system_error>

#include "suite/plots.h"

namespace tinydet::cli {

namespace fs = std::filesystem;

fs::path executable_path() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe;
}

bool running_from_build_tree() {
  const fs::path exe = executable_path();
  if (exe.empty()) return false;
  // The build's own binary, not merely one below the build folder: an install prefix may
  // well lie inside the build tree (the out-of-tree test installs there).
  std::error_code ec1, ec2;
  const fs::path exe_dir = fs::weakly_canonical(exe.parent_path(), ec1);
  const fs::path build_exe_dir = fs::weakly_canonical(TINYDET_BUILD_EXE_DIR, ec2);
  return !ec1 && !ec2 && exe_dir == build_exe_dir;
}

fs::path install_prefix() {
  if (running_from_build_tree()) return {};
  const fs::path exe = executable_path();
  return exe.empty() ? fs::path() : exe.parent_path().parent_path();
}

fs::path default_plugin_dir() {
  if (running_from_build_tree()) return TINYDET_BUILD_PLUGIN_DIR;
  const fs::path prefix = install_prefix();
  if (prefix.empty()) return TINYDET_INSTALL_PLUGIN_DIR;  // /proc unreadable: configured prefix
  return prefix / TINYDET_PLUGIN_INSTALL_RELDIR;
}

PluginSearchOptions plugin_search_options(const GlobalOptions& global) {
  PluginSearchOptions options;
  for (const auto& d : global.plugin_dirs) options.plugin_dirs.emplace_back(d);
  options.default_dirs.push_back(default_plugin_dir());
  options.strict = global.strict;
  return options;
}

PluginRegistry load_registry(const GlobalOptions& global) {
  const PluginSearchOptions options = plugin_search_options(global);
  if (global.verbosity > 0) {
    for (const auto& dir : plugin_search_path(options)) {
      std::cerr << "tinydet: plugin search path: " << dir.string() << "\n";
    }
  }
  PluginRegistry registry = load_plugins(options);
  if (global.verbosity > 0) {
    for (const auto& p : registry.list()) {
      std::cerr << "tinydet: loaded " << to_string(p.kind) << " plugin '" << p.name << "' "
                << p.version << " from " << p.file.string() << "\n";
    }
  }
  for (const auto& failure : registry.failures()) {
    std::cerr << "tinydet: warning: " << failure.reason << "\n";
  }
  return registry;
}

fs::path find_gnuplot() { return suite::find_gnuplot_executable(); }

const char* gnuplot_missing_message() {
  return "gnuplot was not found on $PATH (install it with `apt-get install gnuplot-nox`, "
         "or set TINYDET_GNUPLOT to its path); the results JSON is complete without it";
}

}  // namespace tinydet::cli
