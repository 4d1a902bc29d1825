// The synthetic FOMO-style dataset: 320x320 scenes with several same-sized objects of three
// classes (circle, square, triangle) with colour and size jitter, distractor clutter that is
// not an object (lines, dots, crosses, rings, arcs), textured backgrounds (noise, gradients,
// stripes, checkerboards) and sometimes touching objects. Boxes are exact: tight to the
// drawn pixels (exclusive right/bottom edge).
//
// Everything is a pure function of (seed, image index): the same seed gives the same pixels
// and boxes on any machine and thread count. Images are cached on disk as JPEG (quality 95) with a COCO
// JSON (annotations.json) under <cache>/synthetic/<N>@<seed>-v<version>/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "tinydet/types.h"

namespace tinydet::data {

constexpr int kSyntheticDefaultCount = 1000;
constexpr int kSyntheticImageSize = 320;
constexpr int kSyntheticGeneratorVersion = 2;  // bump when the pictures change

const std::vector<std::string>& synthetic_classes();  // circle, square, triangle

struct SyntheticScene {
  cv::Mat rgb;              // kSyntheticImageSize^2, CV_8UC3, RGB
  std::vector<Box> boxes;   // image pixels, cls = index into synthetic_classes()
  cv::Mat instances;        // CV_16UC1: 0 background, k + 1 for the pixels of boxes[k]
};

/// Renders scene `index` of the dataset with `seed`. Pure and thread-safe.
SyntheticScene render_synthetic_scene(uint64_t seed, int index);

struct SyntheticOptions {
  int count = kSyntheticDefaultCount;
  uint64_t seed = 0;
  std::string cache_dir;  // "" = default_cache_dir("")
};

struct SyntheticCache {
  std::string dir;               // the cache folder
  std::string annotations_json;  // COCO JSON
  std::string image_dir;
  bool generated = false;        // false: a valid cache was reused
  double seconds = 0;            // generation time (0 when reused)
};

/// Makes sure the cache for (count, seed) exists and is complete; generates it in parallel
/// (oneTBB) when not. Throws std::runtime_error when the folder cannot be written.
SyntheticCache ensure_synthetic_cache(const SyntheticOptions& options);

}  // namespace tinydet::data
