// DatasetSource: dataset split -> network-size examples, with seeded augmentation.
#include "train/dataset_source.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace tinydet {

namespace {

struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
};

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

void hsv_jitter(cv::Mat& rgb, const Augmentation& aug, Rng& rng) {
  const double dh = aug.hsv_h > 0 ? rng.uniform(-aug.hsv_h, aug.hsv_h) : 0.0;
  const double gs = aug.hsv_s > 0 ? 1.0 + rng.uniform(-aug.hsv_s, aug.hsv_s) : 1.0;
  const double gv = aug.hsv_v > 0 ? 1.0 + rng.uniform(-aug.hsv_v, aug.hsv_v) : 1.0;
  if (dh == 0.0 && gs == 1.0 && gv == 1.0) return;
  cv::Mat hsv;
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);  // H in [0, 180)
  const int shift = int(std::lround(dh * 180.0));
  cv::Mat lut_h(1, 256, CV_8U), lut_s(1, 256, CV_8U), lut_v(1, 256, CV_8U);
  for (int i = 0; i < 256; ++i) {
    lut_h.at<uint8_t>(i) = uint8_t(((i + shift) % 180 + 180) % 180);
    lut_s.at<uint8_t>(i) = cv::saturate_cast<uint8_t>(i * gs);
    lut_v.at<uint8_t>(i) = cv::saturate_cast<uint8_t>(i * gv);
  }
  cv::Mat ch[3];
  cv::split(hsv, ch);
  cv::LUT(ch[0], lut_h, ch[0]);
  cv::LUT(ch[1], lut_s, ch[1]);
  cv::LUT(ch[2], lut_v, ch[2]);
  cv::merge(ch, 3, hsv);
  cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
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
  Rng rng{seed ^ 0xa5a5a5a5deadbeefULL};
  const float zoom_max = std::max(1.f, aug->scale_max);
  const int max_side = int(std::ceil(float(std::max(net_w_, net_h_)) * zoom_max));
  const data::SourceImage src = cache_.get_source(si, max_side);
  // Base mapping source pixels -> network pixels (the evaluation resize), then the zoom.
  const data::ResizeTransform base =
      data::make_resize_transform(src.rgb.cols, src.rgb.rows, net_w_, net_h_, mode_);
  const double s = rng.uniform(aug->scale_min, aug->scale_max);
  const double span_x = double(net_w_) * (1.0 - s), span_y = double(net_h_) * (1.0 - s);
  const double tx = rng.uniform(std::min(0.0, span_x), std::max(0.0, span_x));
  const double ty = rng.uniform(std::min(0.0, span_y), std::max(0.0, span_y));
  const bool flip = aug->flip_prob > 0 && rng.uniform() < aug->flip_prob;
  // Continuous coordinates (pixel i spans [i, i+1)): net = a * src + b per axis.
  double ax = s * base.scale_x, bx = s * base.offset_x + tx;
  const double ay = s * base.scale_y, by = s * base.offset_y + ty;
  if (flip) {
    ax = -ax;
    bx = double(net_w_) - bx;
  }
  // warpAffine works on pixel centres: index_net = a * index_src + (b + 0.5 a - 0.5).
  cv::Matx23d m(ax, 0, bx + 0.5 * ax - 0.5, 0, ay, by + 0.5 * ay - 0.5);
  cv::Mat out;
  cv::warpAffine(src.rgb, out, m, cv::Size(net_w_, net_h_), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT,
                 cv::Scalar(data::kLetterboxPad, data::kLetterboxPad, data::kLetterboxPad));
  if (aug->hsv_h > 0 || aug->hsv_s > 0 || aug->hsv_v > 0) hsv_jitter(out, *aug, rng);

  std::vector<Box> boxes;
  for (const Box& b : sample.boxes) {
    // Original pixels -> source pixels -> network pixels.
    double x0 = ax * (b.x0 * src.scale_x) + bx, x1 = ax * (b.x1 * src.scale_x) + bx;
    double y0 = ay * (b.y0 * src.scale_y) + by, y1 = ay * (b.y1 * src.scale_y) + by;
    if (x0 > x1) std::swap(x0, x1);
    const double full = (x1 - x0) * (y1 - y0);
    Box n = b;
    n.x0 = float(std::clamp(x0, 0.0, double(net_w_)));
    n.x1 = float(std::clamp(x1, 0.0, double(net_w_)));
    n.y0 = float(std::clamp(y0, 0.0, double(net_h_)));
    n.y1 = float(std::clamp(y1, 0.0, double(net_h_)));
    const double visible = double(n.x1 - n.x0) * double(n.y1 - n.y0);
    if (n.x1 - n.x0 >= 1.f && n.y1 - n.y0 >= 1.f && full > 0 && visible >= 0.25 * full)
      boxes.push_back(n);
  }
  return to_example(out, std::move(boxes));
}

}  // namespace tinydet
