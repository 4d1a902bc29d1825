// Adapter from the datasets component (tinydet::data::Dataset + ImageCache) to the
// trainer's TrainingSource: one split, resized to the network input with the
// architecture's resize mode, boxes mapped to network pixels.
//
// Without augmentation an example is exactly what evaluation feeds the network (the
// ImageCache's resize). With augmentation it is data::augment_sample (random zoom/crop,
// horizontal flip, HSV jitter, then the resize; boxes mostly cut away are dropped), with
// the recipe's settings and the example's seed, so the same (index, seed) always gives the
// same example.
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
