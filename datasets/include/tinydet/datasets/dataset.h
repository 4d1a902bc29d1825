// The one in-memory form of a detection dataset, and the entry point that loads one from a
// spec string.
//
// Spec strings (see docs in catalogue.h and load_dataset below):
//   synthetic | synthetic:N | synthetic:N@SEED   generated FOMO-style scenes (default N = 1000,
//                                                SEED = 0), cached on disk
//   voc:DIR                                      Pascal VOC XML (beside the images, or VOCdevkit)
//   coco:ANNOTATIONS.json[@IMAGE_DIR]            COCO instances JSON
//   yolo:DIR                                     YOLO txt labels (images/<split>, labels/<split>)
//   fruit | coco128 | tiny-coco | coco-val2017   named datasets resolved in the data directory
//
// Coordinates: every Box is in pixels of the ORIGINAL image (types.h conventions: exclusive
// right/bottom edge). Width and height are read from the image file itself, never trusted
// from the annotation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tinydet/types.h"

namespace tinydet::data {

enum class Split : uint8_t { Train = 0, Val = 1, Test = 2 };
const char* split_name(Split s);

/// One image and its ground truth.
struct Sample {
  std::string image_path;       // absolute or as given; the file the pixels come from
  std::string annotation_path;  // file the boxes came from ("" for none / shared JSON)
  std::string id;               // stable identifier (file stem or COCO image id)
  int width = 0, height = 0;    // read from the image header (pixels)
  std::vector<Box> boxes;       // original-image pixels, cls = index into Dataset::classes
  Split split = Split::Train;
};

/// Something found wrong (or noteworthy) in the data. Nothing is ever dropped without one.
struct Problem {
  enum class Severity : uint8_t {
    Info = 0,     // harmless, e.g. annotation size 0 replaced by the image's size
    Warning = 1,  // data was repaired, e.g. a box clipped to the image
    Skipped = 2,  // a sample (or an orphan label file) was left out
  };
  Severity severity = Severity::Warning;
  std::string kind;     // short machine-readable key, e.g. "box_clipped", "corrupt_image"
  std::string file;     // the file the problem is in
  std::string message;  // human-readable reason
};
const char* severity_name(Problem::Severity s);

struct Dataset {
  std::string spec;    // the spec string it was loaded from
  std::string format;  // "voc", "coco", "yolo", "synthetic"
  std::string root;    // directory (or annotation file) it was read from
  uint64_t seed = 0;   // seed used for the derived split
  std::vector<std::string> classes;
  std::vector<Sample> samples;  // sorted by (split, id): deterministic order
  std::vector<size_t> train, val, test;  // indices into samples
  std::vector<Problem> problems;
  size_t skipped = 0;  // samples left out (corrupt image, malformed annotation, ...)
  /// Hex digest over the content that matters (class names, image names/sizes/byte counts,
  /// boxes, splits). Equal fingerprints mean equal datasets for caching and results.
  std::string fingerprint;
  /// True when the split came from the data itself (folders, ImageSets); false when derived.
  bool split_from_data = false;

  const std::vector<size_t>& indices(Split s) const;
  size_t num_boxes() const;
};

struct LoadOptions {
  /// When non-empty: keep only boxes of these classes, re-indexed in this order. Boxes of
  /// other classes (even names unknown to the data) are dropped without error. Every name
  /// must be a class of the dataset.
  std::vector<std::string> classes;
  /// Derived split (only for splits the data does not define): fraction of the training
  /// images moved to val / test. The data's own train/val/test folders always win.
  double val_fraction = 0.2;
  double test_fraction = 0.2;
  uint64_t seed = 0;
  /// Strict: any corrupt image, malformed annotation or orphan label throws
  /// std::runtime_error naming the file, instead of skipping with a Problem.
  bool strict = false;
  /// Decode every image fully (in parallel) during loading to catch corrupt pixel data,
  /// not just corrupt headers. Slower; off by default (headers are always validated).
  bool verify_pixels = false;
  /// Where named datasets live ("" = $TINYDET_DATA_DIR, then ../shared/datasets).
  std::string data_dir;
  /// Where the synthetic generator caches images ("" = $TINYDET_CACHE_DIR, then
  /// <source dir>/results/cache).
  std::string cache_dir;
  /// Print each warning to stderr as it is found (the Problem list is always filled).
  bool print_warnings = false;
};

/// Loads a dataset. Throws std::invalid_argument for a bad spec or unknown class filter,
/// std::runtime_error for missing data (message says where it looked and how to get it),
/// unknown classes, or (strict) any defect.
Dataset load_dataset(const std::string& spec, const LoadOptions& options = {});

/// Class names from the `names:` entry of a YOLO data.yaml. Understands the flow list
/// `names: [a, 'b']` (may span lines), the block list `- a` and the block map `0: a`
/// (ids must be 0..N-1); quotes and # comments are stripped. Returns {} when there is no
/// `names:` key; throws std::runtime_error naming `file` for forms it cannot read.
std::vector<std::string> parse_yolo_yaml_names(const std::string& text, const std::string& file);

}  // namespace tinydet::data
