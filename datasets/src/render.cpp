// draw_sample / write_sample_png: the `tinydet dataset show` picture.
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "tinydet/datasets/image_io.h"
#include "tinydet/datasets/stats.h"

namespace tinydet::data {

cv::Mat draw_sample(const Dataset& ds, size_t sample_index) {
  if (sample_index >= ds.samples.size())
    throw std::out_of_range("draw_sample: sample " + std::to_string(sample_index) +
                            " out of range (" + std::to_string(ds.samples.size()) + " samples)");
  const Sample& s = ds.samples[sample_index];
  cv::Mat img = load_image_rgb(s);
  // Big photos are shown at most 1280 px wide/high so labels stay readable.
  double scale = 1.0;
  const int longest = std::max(img.cols, img.rows);
  if (longest > 1280) {
    scale = 1280.0 / longest;
    cv::resize(img, img, cv::Size(), scale, scale, cv::INTER_AREA);
  }
  const int thickness = std::max(1, int(std::lround(std::max(img.cols, img.rows) / 400.0)));
  const double font = std::max(0.4, std::max(img.cols, img.rows) / 900.0);
  for (const Box& b : s.boxes) {
    // A distinct, stable colour per class (golden-angle hue walk).
    const double hue = std::fmod(b.cls * 137.508, 360.0);
    cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(hue / 2, 220, 255)), rgb;
    cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
    const cv::Vec3b c = rgb.at<cv::Vec3b>(0, 0);
    const cv::Scalar col(c[0], c[1], c[2]);
    const cv::Point p0(int(std::lround(b.x0 * scale)), int(std::lround(b.y0 * scale)));
    const cv::Point p1(int(std::lround(b.x1 * scale)) - 1, int(std::lround(b.y1 * scale)) - 1);
    cv::rectangle(img, p0, p1, col, b.crowd ? 1 : thickness, cv::LINE_8);
    std::string label = (b.cls >= 0 && size_t(b.cls) < ds.classes.size())
                            ? ds.classes[size_t(b.cls)]
                            : std::to_string(b.cls);
    if (b.crowd) label += " (crowd)";
    if (b.difficult) label += " (d)";
    int base = 0;
    const cv::Size ts = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, font, 1, &base);
    const cv::Point org(p0.x, std::max(ts.height + 2, p0.y - 2));
    cv::rectangle(img, cv::Point(org.x, org.y - ts.height - 2), cv::Point(org.x + ts.width + 2, org.y + base),
                  col, cv::FILLED);
    cv::putText(img, label, cv::Point(org.x + 1, org.y - 1), cv::FONT_HERSHEY_SIMPLEX, font,
                cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  return img;
}

void write_sample_png(const Dataset& ds, size_t sample_index, const std::string& png_path) {
  write_png_rgb(draw_sample(ds, sample_index), png_path);
}

}  // namespace tinydet::data
