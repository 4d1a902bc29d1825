// Adapter from the datasets component (tinydet::data::Dataset + ImageCache) to the
// trainer's TrainingSource: one split, resized to the network input with the
// architecture's resize mode, boxes mapped to network pixels.
//
// Without augmentation an example is exactly what evaluation feeds the network (the
// ImageCache's resize). With augmentation (all draws from the example's seed, so the
// same (index, seed) always gives the same example):
//   1. random zoom s ~ U(scale_min, scale_max) about a random position: the resized
//      image is scaled by s and placed at a random offset (s > 1 crops, s < 1 pads with the
//      letterbox grey), done in one warpAffine from a decoded source image;
//   2. horizontal flip with flip_prob;
//   3. HSV jitter: hue shift +-hsv_h (fraction of the circle), saturation and value gains
//      1 +- hsv_s, 1 +- hsv_v.
// Boxes follow the geometry, are clipped to the image, and are dropped when less than a
// quarter of their area (or under 2 pixels in width or height) remains visible.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_cache.h"
#include "train/training_data.h"

namespace tinydet {

class DatasetSource : public TrainingSource {
 public:
  /// `dataset` and `cache` (made for that dataset) must outlive this object.
  DatasetSource(const data::Dataset& dataset, data::Split split, int net_w, int net_h,
                ResizeMode mode, data::ImageCache& cache);
  size_t size() const override { return indices_.size(); }
  Example get(size_t index, uint64_t seed, const Augmentation* aug) const override;
  /// Dataset fingerprint + split + network size + resize mode.
  std::string fingerprint() const override;

  /// The dataset sample index behind example `index`.
  size_t sample_index(size_t index) const { return indices_.at(index); }
  /// Decodes and resizes every image of the split now (in parallel), so training does
  /// not wait for decoding.
  void prefetch() const;

 private:
  const data::Dataset& dataset_;
  data::Split split_;
  std::vector<size_t> indices_;
  int net_w_, net_h_;
  ResizeMode mode_;
  data::ImageCache& cache_;
};

}  // namespace tinydet
