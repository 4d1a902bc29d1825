// The catalogue of datasets the suite knows by name, and where their files are looked for.
//
// Named datasets live in a data directory, searched in this order:
//   1. LoadOptions::data_dir (the CLI's --data-dir)
//   2. $TINYDET_DATA_DIR
//   3. ../shared/datasets relative to the current directory (the repository's root)
//   4. ../shared/datasets relative to the source tree this library was built from
#pragma once

#include <string>
#include <vector>

namespace tinydet::data {

struct CatalogueEntry {
  std::string name;         // what users type: "fruit"
  std::string format;       // "voc", "yolo", "coco", "synthetic"
  std::string relative_spec;  // spec relative to the data directory, e.g. "fruit" or
                              // "tiny-coco/x.json@tiny-coco/images"; "" for synthetic
  std::vector<std::string> classes;  // the fixed class list for formats without one (VOC)
  std::string description;
  std::string how_to_get;   // shown when the files are missing
};

const std::vector<CatalogueEntry>& catalogue();
/// nullptr when the name is not in the catalogue.
const CatalogueEntry* find_catalogue_entry(const std::string& name);

/// The candidate data directories in search order (existing or not).
std::vector<std::string> data_dir_candidates(const std::string& explicit_dir);
/// The synthetic cache root: explicit, else $TINYDET_CACHE_DIR, else <source>/results/cache.
std::string default_cache_dir(const std::string& explicit_dir);

}  // namespace tinydet::data
