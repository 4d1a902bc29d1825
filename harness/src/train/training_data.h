// The data interface the trainer consumes: images already at network size, boxes in
// network-input pixels. The datasets component (or a test) implements it; the trainer
// never touches files, decoders or the original image sizes.
//
// Determinism contract: get(i, seed, aug) must return the same example for the same
// (i, seed, aug) on every call, whatever was asked before (no hidden state), so a resumed
// run sees exactly the data an uninterrupted run would have seen. The trainer derives
// `seed` from (recipe seed, epoch, sample index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tinydet/types.h"

namespace tinydet {

/// Random augmentation the trainer asks for (all draws from the example's seed).
/// Geometric changes must be applied to the boxes as well.
struct Augmentation {
  float scale_min = 0.75f;  // random zoom: image scaled by U(scale_min, scale_max) then
  float scale_max = 1.25f;  //   cropped / padded back to network size at a random offset
  float flip_prob = 0.5f;   // horizontal flip probability
  float hsv_h = 0.015f;     // hue jitter, fraction of the full circle (+-)
  float hsv_s = 0.5f;       // saturation gain jitter (+-fraction)
  float hsv_v = 0.3f;       // value gain jitter (+-fraction)
  bool enabled() const {
    return scale_min != 1.f || scale_max != 1.f || flip_prob > 0.f || hsv_h > 0.f ||
           hsv_s > 0.f || hsv_v > 0.f;
  }
};

/// One training or validation sample at network resolution.
struct Example {
  int height = 0, width = 0;   // network input size
  std::vector<uint8_t> rgb;    // height * width * 3, RGB, row-major (HWC)
  std::vector<Box> boxes;      // ground truth in network-input pixels
};

class TrainingSource {
 public:
  virtual ~TrainingSource() = default;
  /// Number of samples.
  virtual size_t size() const = 0;
  /// Sample `index` resized to the network input size; augmented with `aug` when non-null,
  /// using `seed` for every random draw. Must be thread-safe for concurrent const calls.
  virtual Example get(size_t index, uint64_t seed, const Augmentation* aug) const = 0;
  /// A string that changes whenever the content changes (dataset name, split, file list
  /// hash, resolution, resize mode, ...). Part of the model-cache key.
  virtual std::string fingerprint() const = 0;
};

/// A TrainingSource over examples held in memory (tests, small synthetic sets). Augmentation
/// is limited to horizontal flips (the other settings are ignored).
class InMemorySource : public TrainingSource {
 public:
  InMemorySource(std::vector<Example> examples, std::string fingerprint)
      : examples_(std::move(examples)), fingerprint_(std::move(fingerprint)) {}
  size_t size() const override { return examples_.size(); }
  Example get(size_t index, uint64_t seed, const Augmentation* aug) const override;
  std::string fingerprint() const override { return fingerprint_; }

 private:
  std::vector<Example> examples_;
  std::string fingerprint_;
};

}  // namespace tinydet
