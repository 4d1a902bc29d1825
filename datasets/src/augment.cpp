#include "tinydet/datasets/augment.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace tinydet::data {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed ^ 0xA0761D6478BD642Full) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }

 private:
  uint64_t state_;
};

}  // namespace

void jitter_hsv(cv::Mat& rgb, float hue_shift, float saturation_gain, float value_gain,
                uint64_t seed) {
  Rng r(seed ^ 0x4853564A49545445ull);
  const int dh = int(std::lround(r.uniform(-hue_shift, hue_shift) * 180.0));
  const double gs = 1.0 + r.uniform(-saturation_gain, saturation_gain);
  const double gv = 1.0 + r.uniform(-value_gain, value_gain);
  if (dh == 0 && gs == 1.0 && gv == 1.0) return;
  cv::Mat lut(1, 256, CV_8UC3);
  for (int i = 0; i < 256; ++i) {
    auto& v = lut.at<cv::Vec3b>(0, i);
    v[0] = uint8_t(i < 180 ? ((i + dh) % 180 + 180) % 180 : i);  // OpenCV 8-bit hue: 0..179
    v[1] = cv::saturate_cast<uint8_t>(i * gs);
    v[2] = cv::saturate_cast<uint8_t>(i * gv);
  }
  cv::Mat hsv;
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  cv::LUT(hsv, lut, hsv);
  cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
}

AugmentedSample augment(const cv::Mat& rgb, const std::vector<Box>& boxes,
                        const AugmentOptions& o, uint64_t seed) {
  if (o.out_w <= 0 || o.out_h <= 0)
    throw std::invalid_argument("augment: output size must be positive");
  if (rgb.empty() || rgb.type() != CV_8UC3)
    throw std::invalid_argument("augment: expects a non-empty 8-bit RGB image");
  if (o.scale_min <= 0 || o.scale_max < o.scale_min)
    throw std::invalid_argument("augment: need 0 < scale_min <= scale_max");
  Rng r(seed);
  const double W = rgb.cols, H = rgb.rows;
  const double zoom = r.uniform(o.scale_min, o.scale_max);
  const double cw = W / zoom, ch = H / zoom;  // crop window in source pixels
  const double wx = r.uniform(std::min(0.0, W - cw), std::max(0.0, W - cw));
  const double wy = r.uniform(std::min(0.0, H - ch), std::max(0.0, H - ch));
  const bool flip = r.uniform() < o.flip_probability;
  const uint64_t colour_seed = r.next();

  // Window -> network: the same mapping the plain resize uses (stretch or letterbox), done
  // in doubles on the window's real-valued size.
  double sx, sy, ox = 0, oy = 0;
  if (o.mode == ResizeMode::Stretch) {
    sx = o.out_w / cw;
    sy = o.out_h / ch;
  } else {
    const double s = std::min(o.out_w / cw, o.out_h / ch);
    sx = sy = s;
    ox = std::floor((o.out_w - cw * s) / 2);
    oy = std::floor((o.out_h - ch * s) / 2);
  }
  // network x = (x - wx) * sx + ox, optionally mirrored: x' = out_w - x.
  double a = sx, b = -wx * sx + ox;
  if (flip) {
    a = -a;
    b = o.out_w - b;
  }
  const double c = sy, d = -wy * sy + oy;
  AugmentedSample out;
  // Pixel centres: OpenCV maps pixel centre coordinates; with edge coordinates x_e = x_c +
  // 0.5 the edge-based affine a*x_e + b becomes a*x_c + (b + 0.5a - 0.5) for centres.
  const cv::Mat Mc = (cv::Mat_<double>(2, 3) << a, 0, b + 0.5 * a - 0.5, 0, c, d + 0.5 * c - 0.5);
  cv::warpAffine(rgb, out.rgb, Mc, cv::Size(o.out_w, o.out_h),
                 cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, cv::Scalar::all(kLetterboxPad));
  if (out.rgb.type() != CV_8UC3 || out.rgb.cols != o.out_w)
    throw std::runtime_error("augment: warpAffine produced an unexpected image");

  for (const Box& src : boxes) {
    double x0 = src.x0 * a + b, x1 = src.x1 * a + b;
    if (x0 > x1) std::swap(x0, x1);
    const double y0 = src.y0 * c + d, y1 = src.y1 * c + d;
    const double full = (x1 - x0) * (y1 - y0);
    if (!(full > 0)) continue;
    const double cx0 = std::clamp(x0, 0.0, double(o.out_w)), cx1 = std::clamp(x1, 0.0, double(o.out_w));
    const double cy0 = std::clamp(y0, 0.0, double(o.out_h)), cy1 = std::clamp(y1, 0.0, double(o.out_h));
    const double visible = std::max(0.0, cx1 - cx0) * std::max(0.0, cy1 - cy0);
    if (visible <= 0 || visible < o.min_visible_fraction * full) continue;
    Box nb = src;
    nb.x0 = float(cx0);
    nb.x1 = float(cx1);
    nb.y0 = float(cy0);
    nb.y1 = float(cy1);
    out.boxes.push_back(nb);
  }
  jitter_hsv(out.rgb, o.hue_shift, o.saturation_gain, o.value_gain, colour_seed);
  out.flipped = flip;
  out.zoom = float(zoom);
  return out;
}

AugmentedSample augment_sample(ImageCache& cache, size_t index, const AugmentOptions& options,
                               uint64_t seed) {
  const Sample& s = cache.dataset().samples.at(index);
  const int max_side = cache.source_max_side() > 0 ? cache.source_max_side()
                                                   : 2 * std::max(options.out_w, options.out_h);
  const SourceImage src = cache.get_source(index, max_side);
  std::vector<Box> boxes = s.boxes;
  for (Box& b : boxes) {
    b.x0 *= src.scale_x;
    b.x1 *= src.scale_x;
    b.y0 *= src.scale_y;
    b.y1 *= src.scale_y;
  }
  return augment(src.rgb, boxes, options, seed);
}

}  // namespace tinydet::data
