// The plugin loader: finds `libtinydet_*.so` files, dlopens them, checks their descriptor
// and keeps the good ones in a registry from which architectures and executors are made.
//
// Search order (first found wins for a given plugin name):
//   1. the directories given with --plugin-dir, in the order given;
//   2. the directories of $TINYDET_PLUGIN_PATH (colon-separated), in order;
//   3. the default directory (the build tree's plugin folder, or the install's).
// Within one directory, files are taken in lexicographic order of their names, so the
// outcome never depends on the file system's listing order.
//
// A plugin that cannot be used is refused with a reason that names its file and the cause;
// one bad plugin never stops the others. Refusals are collected in failures(); with
// `strict`, load_plugins() throws after trying every file, listing all refusals.
//
// Lifetime: every loaded shared object stays open as long as the registry or any instance
// made from it lives (each instance holds a reference to its library), so an instance may
// safely outlive the registry.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/executor.h"
#include "tinydet/plugin.h"

namespace tinydet {

enum class PluginKind { Architecture, Executor };

/// "architecture" or "executor".
const char* to_string(PluginKind kind);

/// What the registry knows about one loaded plugin. Strings are copies: valid after
/// the library is closed.
struct LoadedPlugin {
  PluginKind kind = PluginKind::Architecture;
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path file;  // the shared object it came from
};

/// A plugin file that was refused, and why. `reason` is a full sentence that names the
/// file and the cause, fit to show to a user as is.
struct PluginFailure {
  std::filesystem::path file;
  std::string reason;
};

/// Destroys a plugin instance with the plugin's own destroy function, then releases the
/// instance's reference to its shared object.
struct PluginInstanceDeleter {
  void (*destroy)(void*) = nullptr;
  std::shared_ptr<void> library;  // keeps the .so open while the instance lives
  template <class T>
  void operator()(T* instance) const {
    if (instance && destroy) destroy(static_cast<void*>(instance));
  }
};

using ArchitectureHandle = std::unique_ptr<Architecture, PluginInstanceDeleter>;
using ExecutorHandle = std::unique_ptr<Executor, PluginInstanceDeleter>;

struct PluginSearchOptions {
  std::vector<std::filesystem::path> plugin_dirs;  // --plugin-dir, in order
  bool use_environment = true;                     // read $TINYDET_PLUGIN_PATH
  std::vector<std::filesystem::path> default_dirs;  // build or install plugin folder
  bool strict = false;  // throw std::runtime_error when any plugin is refused
};

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(PluginRegistry&&) noexcept;
  PluginRegistry& operator=(PluginRegistry&&) noexcept;
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  /// Loads one file (any name). Returns true when it was accepted; otherwise the reason
  /// is appended to failures(). A file already considered (same canonical path) is not
  /// loaded again; the result of the first attempt is returned. Never throws for a bad
  /// plugin (only on out-of-memory).
  bool load_file(const std::filesystem::path& file);

  /// Loads every `libtinydet_*.so` in `dir` (lexicographic order). A missing directory is
  /// a failure only when `must_exist` (a directory the user named); a path that exists
  /// but is not a directory always is.
  void load_directory(const std::filesystem::path& dir, bool must_exist = false);

  /// Plugins accepted so far, in load order.
  const std::vector<LoadedPlugin>& list() const;
  /// Files refused so far, in load order.
  const std::vector<PluginFailure>& failures() const;

  /// The plugin of that kind and name, or nullptr.
  const LoadedPlugin* find(PluginKind kind, const std::string& name) const;

  /// A new instance of the named plugin. Throws std::invalid_argument when no plugin of
  /// that kind has that name (the message lists the names there are), and
  /// std::runtime_error with the plugin's message when its factory fails.
  ArchitectureHandle find_architecture(const std::string& name) const;
  ExecutorHandle find_executor(const std::string& name) const;

 private:
  struct Entry;
  void* create_instance(PluginKind kind, const std::string& name,
                        PluginInstanceDeleter& deleter) const;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<LoadedPlugin> plugins_;
  std::vector<PluginFailure> failures_;
  std::vector<std::filesystem::path> seen_files_;  // canonical paths already considered
};

/// The directories in search order for these options (see the top of this file).
std::vector<std::filesystem::path> plugin_search_path(const PluginSearchOptions& options);

/// Builds a registry from every directory of plugin_search_path(options); a --plugin-dir
/// that does not exist is a failure. With options.strict, throws std::runtime_error whose
/// message lists every refused file and its cause.
PluginRegistry load_plugins(const PluginSearchOptions& options);

/// Splits a colon-separated list of directories ($PATH style); empty entries are dropped.
std::vector<std::filesystem::path> split_path_list(const std::string& colon_separated);

/// True for file names the loader picks up from a directory: `libtinydet_*.so`.
bool is_plugin_file_name(const std::string& file_name);

}  // namespace tinydet
