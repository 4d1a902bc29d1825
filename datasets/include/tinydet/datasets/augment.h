// Training-time augmentation: random scale and crop (boxes clipped, boxes mostly cut away
// dropped), horizontal flip, HSV jitter, then resize (stretch or letterbox) to the network
// input. Every random choice comes from the seed passed in: same seed, same output.
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "tinydet/architecture.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/types.h"

namespace tinydet::data {

struct AugmentOptions {
  int out_w = 0, out_h = 0;  // network input size (required)
  ResizeMode mode = ResizeMode::Stretch;
  /// Zoom factor range: > 1 crops a smaller window (zoom in), < 1 shows the whole image
  /// smaller with padding around it. The window keeps the image's aspect ratio.
  float scale_min = 0.75f, scale_max = 1.35f;
  float flip_probability = 0.5f;  // horizontal flip
  float hue_shift = 0.02f;        // +- fraction of the hue circle
  float saturation_gain = 0.4f;   // saturation multiplied by 1 +- this
  float value_gain = 0.3f;        // value (brightness) multiplied by 1 +- this
  /// A box keeps existing after the crop only if at least this fraction of its area is
  /// still visible; otherwise it is dropped (not clipped to a sliver).
  float min_visible_fraction = 0.35f;
};

struct AugmentedSample {
  cv::Mat rgb;             // out_h x out_w x 3, uint8 RGB (owned)
  std::vector<Box> boxes;  // network-input pixels
  bool flipped = false;
  float zoom = 1.f;
};

/// Augments an RGB image with boxes in its own pixels.
AugmentedSample augment(const cv::Mat& rgb, const std::vector<Box>& boxes,
                        const AugmentOptions& options, uint64_t seed);

/// Augments dataset sample `index` using the cache's source image (decoded once, capped at
/// twice the network size), boxes taken from the dataset.
AugmentedSample augment_sample(ImageCache& cache, size_t index, const AugmentOptions& options,
                               uint64_t seed);

/// Only HSV jitter, in place (exposed for tests and for callers with their own geometry).
void jitter_hsv(cv::Mat& rgb, float hue_shift, float saturation_gain, float value_gain,
                uint64_t seed);

}  // namespace tinydet::data
