#include "tinydet/datasets/catalogue.h"

#include <cstdlib>
#include <filesystem>

#ifndef TINYDET_SOURCE_DIR
#define TINYDET_SOURCE_DIR "."
#endif

namespace tinydet::data {
namespace fs = std::filesystem;

const std::vector<CatalogueEntry>& catalogue() {
  static const std::vector<CatalogueEntry> entries = {
      {"synthetic", "synthetic", "", {"circle", "square", "triangle"},
       "Generated FOMO-style scenes: 320x320, circles/squares/triangles with clutter and "
       "textured backgrounds. Spec synthetic[:N[@SEED]], default N = 1000, SEED = 0.",
       "Generated on first use and cached (see --cache-dir / $TINYDET_CACHE_DIR)."},
      {"fruit", "voc", "fruit", {"apple", "banana", "orange"},
       "Tiny fruit detection (Pascal VOC XML beside the images): train/ 240 images, "
       "test/ 60 images; apple, banana, orange.",
       "Place the dataset as <data-dir>/fruit/{train,test}/NAME.{jpg,xml} (the public "
       "'Fruit Images for Object Detection' set)."},
      {"coco128", "yolo", "coco128", {},
       "First 128 images of COCO train2017 in YOLO txt format, 80 COCO classes.",
       "Place it as <data-dir>/coco128/{images,labels}/train/ with classes.txt (the "
       "Ultralytics coco128 subset)."},
      {"tiny-coco", "coco", "tiny-coco/instances_train2017_small.json@tiny-coco/train_2017_small",
       {},
       "16 COCO train2017 images with their instances JSON (197 annotations, one crowd).",
       "Place it as <data-dir>/tiny-coco/instances_train2017_small.json and "
       "<data-dir>/tiny-coco/train_2017_small/."},
      {"coco-val2017", "coco",
       "coco2017/annotations/instances_val2017.json@coco2017/val2017", {},
       "COCO 2017 validation: 5,000 images, 80 classes (download with scripts/fetch-datasets.sh).",
       "Run scripts/fetch-datasets.sh --data-dir <data-dir> (needs internet, ~1 GB)."},
  };
  return entries;
}

const CatalogueEntry* find_catalogue_entry(const std::string& name) {
  for (const auto& e : catalogue())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> data_dir_candidates(const std::string& explicit_dir) {
  std::vector<std::string> out;
  if (!explicit_dir.empty()) out.push_back(explicit_dir);
  if (const char* env = std::getenv("TINYDET_DATA_DIR"); env && *env) out.push_back(env);
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec) out.push_back((cwd.parent_path() / "shared" / "datasets").lexically_normal().string());
  out.push_back((fs::path(TINYDET_SOURCE_DIR).parent_path() / "shared" / "datasets")
                    .lexically_normal()
                    .string());
  return out;
}

std::string default_cache_dir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return explicit_dir;
  if (const char* env = std::getenv("TINYDET_CACHE_DIR"); env && *env) return env;
  return (fs::path(TINYDET_SOURCE_DIR) / "results" / "cache").string();
}

}  // namespace tinydet::data
