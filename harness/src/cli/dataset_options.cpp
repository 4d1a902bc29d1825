#include "cli/dataset_options.h"

namespace tinydet::cli {

void add_dataset_options(CLI::App& sub, DatasetOptions& options) {
  sub.add_option("--classes", options.classes,
                 "Keep only these classes, comma-separated, in this order (default: all)")
      ->delimiter(',')
      ->group("Dataset");
  sub.add_option("--val-fraction", options.val_fraction,
                 "Fraction held out for validation when the dataset has no split")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str()
      ->group("Dataset");
  sub.add_option("--seed", options.seed, "Seed of the split and of augmentation")
      ->capture_default_str()
      ->group("Dataset");
  sub.add_option("--data-dir", options.data_dir,
                 "Folder in which dataset SPECs are resolved")
      ->group("Dataset");
}

data::LoadOptions load_options(const DatasetOptions& options, const GlobalOptions& global) {
  data::LoadOptions l;
  l.classes = options.classes;
  l.val_fraction = options.val_fraction;
  l.seed = options.seed;
  l.data_dir = options.data_dir;
  l.strict = global.strict;
  return l;
}

}  // namespace tinydet::cli
