// Decoded, resized network inputs, cached in memory so a sweep decodes every image at most
// once per (sample, size, resize mode), and the mapping between original-image pixels and
// network-input pixels.
//
// Network images are uint8 RGB, H x W x 3, continuous (cv::Mat CV_8UC3). The cache hands
// out shared, read-only views: clone() before modifying one.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include <opencv2/core.hpp>

#include "tinydet/architecture.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/types.h"

namespace tinydet::data {

/// Letterbox padding value (all three channels).
constexpr uint8_t kLetterboxPad = 114;

/// network = image * scale + offset, per axis. Stretch: scale_x = dst_w / src_w, offsets 0.
/// Letterbox: one scale (the image fits inside, aspect kept), centred, offsets are the
/// padding on the left/top (the image occupies round(src * scale) pixels).
struct ResizeTransform {
  int src_w = 0, src_h = 0, dst_w = 0, dst_h = 0;
  float scale_x = 1, scale_y = 1, offset_x = 0, offset_y = 0;
  ResizeMode mode = ResizeMode::Stretch;

  Box to_network(const Box& b) const;
  Box to_image(const Box& b) const;
  /// Maps a detection (box and centroid) from network pixels back to image pixels.
  Detection to_image(const Detection& d) const;
  /// All boxes to network pixels, clipped to the network image; boxes left with no area
  /// are removed.
  std::vector<Box> boxes_to_network(const std::vector<Box>& boxes) const;
};

ResizeTransform make_resize_transform(int src_w, int src_h, int dst_w, int dst_h, ResizeMode mode);
/// Resizes (INTER_AREA when shrinking, INTER_LINEAR when enlarging) and pads as `t` says.
/// `rgb` may be a reduced decode of the source: it is scaled to the transform's region.
cv::Mat apply_resize(const cv::Mat& rgb, const ResizeTransform& t);

struct NetworkImage {
  cv::Mat rgb;  // dst_h x dst_w x 3, uint8 RGB, shared read-only
  ResizeTransform transform;
};

/// A decoded image capped to a maximum side (for augmentation), with its scale from the
/// original image: source pixel = original pixel * scale.
struct SourceImage {
  cv::Mat rgb;
  float scale_x = 1, scale_y = 1;
};

/// Thread-safe cache keyed by (sample index, width, height, mode). The dataset must outlive
/// the cache. Memory is never released except by clear(): 320x320 RGB is 300 KiB per image.
///
/// With `source_max_side` > 0 every image is decoded exactly once, into a source copy whose
/// longest side is at most that many pixels, and every size (and augmentation) is derived
/// from it: a sweep over resolutions never decodes twice. Pick at least the largest network
/// side (2x for augmentation headroom). With 0, each (size, mode) decodes on its first use
/// (JPEGs at reduced scale when possible) and no source copy is kept.
class ImageCache {
 public:
  explicit ImageCache(const Dataset& dataset, int source_max_side = 0);
  int source_max_side() const { return source_max_side_; }

  /// The sample resized to w x h. Decodes (once) on a miss. Throws std::runtime_error
  /// naming the file when the image cannot be decoded.
  NetworkImage get(size_t sample_index, int w, int h, ResizeMode mode);
  /// Decoded image with its longest side at most `max_side` (original size when smaller).
  SourceImage get_source(size_t sample_index, int max_side);
  /// Decodes the given samples in parallel (oneTBB). Failures are rethrown (first one).
  void prefetch(const std::vector<size_t>& sample_indices, int w, int h, ResizeMode mode);

  size_t decodes() const { return decodes_.load(); }  // images decoded so far
  size_t entries() const;
  size_t bytes() const { return bytes_.load(); }  // pixel bytes held
  /// Drops every entry. Not to be called while other threads use the cache.
  void clear();
  const Dataset& dataset() const { return dataset_; }

 private:
  struct Entry;
  using Key = std::tuple<size_t, int, int, int>;
  std::shared_ptr<Entry> entry(const Key& key);

  const Dataset& dataset_;
  int source_max_side_ = 0;
  mutable std::mutex mutex_;
  std::map<Key, std::shared_ptr<Entry>> entries_;
  std::atomic<size_t> decodes_{0};
  std::atomic<size_t> bytes_{0};
};

}  // namespace tinydet::data
