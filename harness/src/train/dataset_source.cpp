// DatasetSource: dataset split -> network-size examples, with seeded augmentation.
#include "train/dataset_source.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tinydet/datasets/augment.h"

namespace tinydet {

namespace {

Example to_example(const cv::Mat& rgb, std::vector<Box> boxes) {
  Example e;
  e.height = rgb.rows;
  e.width = rgb.cols;
  e.rgb.resize(size_t(rgb.rows) * rgb.cols * 3);
  if (rgb.isContinuous()) {
    std::copy(rgb.data, rgb.data + e.rgb.size(), e.rgb.begin());
  } else {
    for (int y = 0; y < rgb.rows; ++y)
      std::copy(rgb.ptr<uint8_t>(y), rgb.ptr<uint8_t>(y) + size_t(rgb.cols) * 3,
                e.rgb.begin() + size_t(y) * rgb.cols * 3);
  }
  e.boxes = std::move(boxes);
  return e;
}

}  // namespace

DatasetSource::DatasetSource(const data::Dataset& dataset, data::Split split, int net_w,
                             int net_h, ResizeMode mode, data::ImageCache& cache)
    : dataset_(dataset),
      split_(split),
      indices_(dataset.indices(split)),
      net_w_(net_w),
      net_h_(net_h),
      mode_(mode),
      cache_(cache) {
  if (net_w <= 0 || net_h <= 0)
    throw std::invalid_argument("DatasetSource: network size must be positive");
}

std::string DatasetSource::fingerprint() const {
  return dataset_.fingerprint + ":" + data::split_name(split_) + ":" + std::to_string(net_w_) +
         "x" + std::to_string(net_h_) + ":" +
         (mode_ == ResizeMode::Letterbox ? "letterbox" : "stretch");
}

void DatasetSource::prefetch() const { cache_.prefetch(indices_, net_w_, net_h_, mode_); }

Example DatasetSource::get(size_t index, uint64_t seed, const Augmentation* aug) const {
  const size_t si = indices_.at(index);
  const data::Sample& sample = dataset_.samples.at(si);
  if (!aug || !aug->enabled()) {
    const data::NetworkImage img = cache_.get(si, net_w_, net_h_, mode_);
    return to_example(img.rgb, img.transform.boxes_to_network(sample.boxes));
  }
  data::AugmentOptions o;
  o.out_w = net_w_;
  o.out_h = net_h_;
  o.mode = mode_;
  o.scale_min = aug->scale_min;
  o.scale_max = aug->scale_max;
  o.flip_probability = aug->flip_prob;
  o.hue_shift = aug->hsv_h;
  o.saturation_gain = aug->hsv_s;
  o.value_gain = aug->hsv_v;
  data::AugmentedSample a = data::augment_sample(cache_, si, o, seed);
  return to_example(a.rgb, std::move(a.boxes));
}

}  // namespace tinydet
