// The executor flags shared by `info`, `eval`, `bench` and `detect`: which executor plugin,
// its settings, and the precision to run in.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tinydet/executor.h"
#include "tinydet/graph.h"

namespace tinydet::cli {

struct ExecutorChoice {
  std::string name = "layer";          // --executor
  std::vector<std::string> settings;   // --executor-option KEY=VALUE (repeatable)
  std::string patches;                 // --patches N: setting "patches" (patch executor)
  std::string patch_split;             // --patch-split OP: setting "split" (patch executor)
  std::string precision = "int8";      // --precision int8|float
  int threads = 1;                     // --threads: kernel threads (1 models an MCU core)
};

/// Adds --executor, --executor-option, --patches, --patch-split and --precision (and
/// --threads when `with_threads`) to `sub`, bound to `choice`.
void add_executor_options(CLI::App& sub, ExecutorChoice& choice, bool with_threads);

/// The settings map: --executor-option items, then --patches / --patch-split. Unknown
/// settings are the executor plugin's to refuse (it names them).
std::map<std::string, std::string> executor_settings(const ExecutorChoice& choice);
ExecutorOptions executor_options(const ExecutorChoice& choice);
DType precision_dtype(const ExecutorChoice& choice);

}  // namespace tinydet::cli
