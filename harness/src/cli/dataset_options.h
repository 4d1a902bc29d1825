// The dataset flags shared by every subcommand that reads a dataset (dataset, train,
// eval): which classes, the validation split, the seed and where datasets live.
// Strictness about malformed labels is the global --strict.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "tinydet/datasets/dataset.h"

namespace tinydet::cli {

struct DatasetOptions {
  std::vector<std::string> classes;  // --classes a,b: keep only these, in this order
  double val_fraction = 0.2;         // --val-fraction: part held out when no split exists
  uint64_t seed = 1;                 // --seed: the split and every other random choice
  std::string data_dir;              // --data-dir: where dataset SPECs are resolved
};

/// Adds --classes, --val-fraction, --seed and --data-dir to `sub`, bound to `options`
/// (which must outlive the parse).
void add_dataset_options(CLI::App& sub, DatasetOptions& options);

/// The dataset loader's options for these flags and the global --strict.
data::LoadOptions load_options(const DatasetOptions& options, const GlobalOptions& global);

}  // namespace tinydet::cli
