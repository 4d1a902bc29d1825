#include "tinydet/datasets/image_cache.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>
#include <tbb/parallel_for_each.h>

#include "tinydet/datasets/image_io.h"

namespace tinydet::data {

Box ResizeTransform::to_network(const Box& b) const {
  Box o = b;
  o.x0 = b.x0 * scale_x + offset_x;
  o.x1 = b.x1 * scale_x + offset_x;
  o.y0 = b.y0 * scale_y + offset_y;
  o.y1 = b.y1 * scale_y + offset_y;
  return o;
}

Box ResizeTransform::to_image(const Box& b) const {
  Box o = b;
  o.x0 = (b.x0 - offset_x) / scale_x;
  o.x1 = (b.x1 - offset_x) / scale_x;
  o.y0 = (b.y0 - offset_y) / scale_y;
  o.y1 = (b.y1 - offset_y) / scale_y;
  return o;
}

Detection ResizeTransform::to_image(const Detection& d) const {
  Detection o = d;
  o.x0 = (d.x0 - offset_x) / scale_x;
  o.x1 = (d.x1 - offset_x) / scale_x;
  o.y0 = (d.y0 - offset_y) / scale_y;
  o.y1 = (d.y1 - offset_y) / scale_y;
  o.cx = (d.cx - offset_x) / scale_x;
  o.cy = (d.cy - offset_y) / scale_y;
  return o;
}

std::vector<Box> ResizeTransform::boxes_to_network(const std::vector<Box>& boxes) const {
  std::vector<Box> out;
  out.reserve(boxes.size());
  for (const Box& b : boxes) {
    Box n = to_network(b);
    n.x0 = std::clamp(n.x0, 0.f, float(dst_w));
    n.x1 = std::clamp(n.x1, 0.f, float(dst_w));
    n.y0 = std::clamp(n.y0, 0.f, float(dst_h));
    n.y1 = std::clamp(n.y1, 0.f, float(dst_h));
    if (n.x1 > n.x0 && n.y1 > n.y0) out.push_back(n);
  }
  return out;
}

ResizeTransform make_resize_transform(int src_w, int src_h, int dst_w, int dst_h, ResizeMode mode) {
  if (src_w <= 0 || src_h <= 0 || dst_w <= 0 || dst_h <= 0)
    throw std::invalid_argument("resize transform: sizes must be positive (source " +
                                std::to_string(src_w) + "x" + std::to_string(src_h) +
                                ", target " + std::to_string(dst_w) + "x" + std::to_string(dst_h) + ")");
  ResizeTransform t;
  t.src_w = src_w;
  t.src_h = src_h;
  t.dst_w = dst_w;
  t.dst_h = dst_h;
  t.mode = mode;
  if (mode == ResizeMode::Stretch) {
    t.scale_x = float(dst_w) / float(src_w);
    t.scale_y = float(dst_h) / float(src_h);
    return t;
  }
  const double s = std::min(double(dst_w) / src_w, double(dst_h) / src_h);
  const int w = std::clamp(int(std::lround(src_w * s)), 1, dst_w);
  const int h = std::clamp(int(std::lround(src_h * s)), 1, dst_h);
  t.scale_x = float(w) / float(src_w);
  t.scale_y = float(h) / float(src_h);
  t.offset_x = float((dst_w - w) / 2);
  t.offset_y = float((dst_h - h) / 2);
  return t;
}

cv::Mat apply_resize(const cv::Mat& rgb, const ResizeTransform& t) {
  const int w = int(std::lround(t.src_w * t.scale_x));
  const int h = int(std::lround(t.src_h * t.scale_y));
  cv::Mat resized;
  if (rgb.cols == w && rgb.rows == h) resized = rgb;
  else
    cv::resize(rgb, resized, cv::Size(w, h), 0, 0,
               (w < rgb.cols || h < rgb.rows) ? cv::INTER_AREA : cv::INTER_LINEAR);
  if (w == t.dst_w && h == t.dst_h) return resized.isContinuous() ? resized : resized.clone();
  cv::Mat out(t.dst_h, t.dst_w, CV_8UC3, cv::Scalar::all(kLetterboxPad));
  resized.copyTo(out(cv::Rect(int(t.offset_x), int(t.offset_y), w, h)));
  return out;
}

namespace {
// Largest JPEG decode reduction that still leaves at least the wanted size.
int reduction_for(int src_w, int src_h, int want_w, int want_h) {
  for (int k : {8, 4, 2})
    if ((src_w + k - 1) / k >= want_w && (src_h + k - 1) / k >= want_h) return k;
  return 1;
}
}  // namespace

struct ImageCache::Entry {
  std::once_flag once;
  cv::Mat rgb;
  ResizeTransform transform;
  float scale_x = 1, scale_y = 1;
};

ImageCache::ImageCache(const Dataset& dataset, int source_max_side)
    : dataset_(dataset), source_max_side_(std::max(0, source_max_side)) {}

std::shared_ptr<ImageCache::Entry> ImageCache::entry(const Key& key) {
  std::lock_guard lock(mutex_);
  auto& e = entries_[key];
  if (!e) e = std::make_shared<Entry>();
  return e;
}

NetworkImage ImageCache::get(size_t sample_index, int w, int h, ResizeMode mode) {
  if (sample_index >= dataset_.samples.size())
    throw std::out_of_range("ImageCache::get: sample " + std::to_string(sample_index) +
                            " out of range (" + std::to_string(dataset_.samples.size()) + ")");
  const Sample& s = dataset_.samples[sample_index];
  auto e = entry(Key{sample_index, w, h, int(mode)});
  std::call_once(e->once, [&] {
    const ResizeTransform t = make_resize_transform(s.width, s.height, w, h, mode);
    const int want_w = int(std::lround(s.width * t.scale_x));
    const int want_h = int(std::lround(s.height * t.scale_y));
    cv::Mat rgb;
    if (source_max_side_ > 0) {
      rgb = get_source(sample_index, source_max_side_).rgb;  // decoded once for all sizes
    } else {
      rgb = load_image_rgb(s.image_path, reduction_for(s.width, s.height, want_w, want_h));
      ++decodes_;
    }
    e->rgb = apply_resize(rgb, t);
    e->transform = t;
    bytes_ += e->rgb.total() * e->rgb.elemSize();
  });
  return NetworkImage{e->rgb, e->transform};
}

SourceImage ImageCache::get_source(size_t sample_index, int max_side) {
  if (sample_index >= dataset_.samples.size())
    throw std::out_of_range("ImageCache::get_source: sample " + std::to_string(sample_index) +
                            " out of range");
  const Sample& s = dataset_.samples[sample_index];
  auto e = entry(Key{sample_index, max_side, max_side, -1});
  std::call_once(e->once, [&] {
    const int longest = std::max(s.width, s.height);
    const double f = (max_side > 0 && longest > max_side) ? double(max_side) / longest : 1.0;
    const int w = std::max(1, int(std::lround(s.width * f)));
    const int h = std::max(1, int(std::lround(s.height * f)));
    cv::Mat rgb = load_image_rgb(s.image_path, reduction_for(s.width, s.height, w, h));
    ++decodes_;
    if (rgb.cols != w || rgb.rows != h) cv::resize(rgb, rgb, cv::Size(w, h), 0, 0, cv::INTER_AREA);
    e->rgb = rgb;
    bytes_ += e->rgb.total() * e->rgb.elemSize();
    e->scale_x = float(w) / float(s.width);
    e->scale_y = float(h) / float(s.height);
  });
  return SourceImage{e->rgb, e->scale_x, e->scale_y};
}

void ImageCache::prefetch(const std::vector<size_t>& sample_indices, int w, int h, ResizeMode mode) {
  const int opencv_threads = cv::getNumThreads();
  cv::setNumThreads(1);  // oneTBB parallelises over images; OpenCV's threads would compete
  try {
    tbb::parallel_for_each(sample_indices.begin(), sample_indices.end(),
                           [&](size_t i) { (void)get(i, w, h, mode); });
  } catch (...) {
    cv::setNumThreads(opencv_threads);
    throw;
  }
  cv::setNumThreads(opencv_threads);
}

size_t ImageCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ImageCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  bytes_ = 0;
}

}  // namespace tinydet::data
