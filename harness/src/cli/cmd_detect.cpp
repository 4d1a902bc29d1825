// `tinydet detect MODEL IMAGE --out out.png`: runs a model file on one image and draws its
// detections on the image at its original size: boxes for box detectors, centroid markers
// for centroid detectors (FOMO), each with its class name and score.
//
// int8 runs need the float model quantised: a quantised model file is used as is, else
// the int8 graph is calibrated on the train images of --data (default: the dataset the
// model was trained on). Class names come from the model file, else from --data.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "cli/command.h"
#include "cli/dataset_options.h"
#include "cli/environment.h"
#include "cli/executor_choice.h"
#include "cli/runnable_model.h"
#include "tinydet/datasets/image_io.h"

namespace tinydet::cli {
namespace {

using nlohmann::json;

struct DetectOptions {
  std::string model;
  std::string image;
  std::string out;
  float threshold = -1.f;
  ExecutorChoice executor;
  std::string dataset_spec;
  DatasetOptions dataset;
  int calibration_images = 100;
  bool json = false;
};

/// A stable, distinct colour per class (golden-angle hue walk), RGB.
cv::Scalar class_colour(int cls) {
  const double hue = std::fmod(std::max(0, cls) * 137.508, 360.0);
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(hue / 2, 230, 255)), rgb;
  cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
  const cv::Vec3b c = rgb.at<cv::Vec3b>(0, 0);
  return {double(c[0]), double(c[1]), double(c[2])};
}

/// Draws one detection (original-image pixels) with a "name 0.87" label on a filled tag.
void draw_detection(cv::Mat& rgb, const Detection& d, const std::string& label) {
  const int side = std::max(rgb.cols, rgb.rows);
  const int thickness = std::max(1, int(std::lround(side / 300.0)));
  const double font = std::max(0.35, side / 1000.0);
  const cv::Scalar colour = class_colour(d.cls);
  cv::Point anchor;
  if (d.is_centroid_only) {
    // A centroid: a ringed cross at the centre (the cell extent is only the support).
    const cv::Point c(int(std::lround(d.cx)), int(std::lround(d.cy)));
    const int r = std::max(4, side / 60);
    cv::circle(rgb, c, r, cv::Scalar(0, 0, 0), thickness + 2, cv::LINE_AA);
    cv::circle(rgb, c, r, colour, thickness, cv::LINE_AA);
    cv::drawMarker(rgb, c, colour, cv::MARKER_CROSS, 2 * r, thickness, cv::LINE_AA);
    anchor = cv::Point(c.x + r + 2, c.y - r);
  } else {
    const cv::Point p0(int(std::lround(d.x0)), int(std::lround(d.y0)));
    const cv::Point p1(int(std::lround(d.x1)) - 1, int(std::lround(d.y1)) - 1);
    cv::rectangle(rgb, p0, p1, colour, thickness, cv::LINE_8);
    anchor = p0;
  }
  int baseline = 0;
  const cv::Size text = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, font, 1, &baseline);
  const int x = std::clamp(anchor.x, 0, std::max(0, rgb.cols - text.width - 2));
  const int y = std::clamp(anchor.y - 2, text.height + 2, std::max(text.height + 2, rgb.rows - baseline));
  cv::rectangle(rgb, cv::Point(x, y - text.height - 2), cv::Point(x + text.width + 2, y + baseline), colour,
                cv::FILLED);
  cv::putText(rgb, label, cv::Point(x + 1, y - 1), cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(0, 0, 0), 1,
              cv::LINE_AA);
}

std::string score_label(const std::string& name, float score) {
  char buf[32];
  std::snprintf(buf, sizeof buf, " %.2f", double(score));
  return name + buf;
}

int run_detect(const DetectOptions& o, const GlobalOptions& global) {
  const PluginRegistry registry = load_registry(global);
  RunnableModel m = load_runnable_model(registry, o.model);
  cv::Mat image = data::load_image_rgb(o.image);  // throws naming the file

  const DType dtype = precision_dtype(o.executor);
  const bool needs_calibration = dtype == DType::Int8 && !m.has_int8;
  std::string spec = o.dataset_spec;
  if (spec.empty() && needs_calibration) {
    const auto recorded = m.float_graph.meta.find("dataset");
    if (recorded != m.float_graph.meta.end()) spec = recorded->second;
  }
  if (spec.empty() && needs_calibration)
    throw CLI::ValidationError("--data", "the float model file '" + o.model +
                                             "' records no dataset to calibrate int8 on: give "
                                             "--data SPEC or --precision float");
  if (!spec.empty() && (needs_calibration || m.class_names.empty())) {
    auto dataset = suite::open_dataset(spec, load_options(o.dataset, global));
    if (m.class_names.empty()) m.class_names = dataset->dataset.classes;
    if (needs_calibration) ensure_int8(m, dataset.get(), o.calibration_images);
  }
  const Graph& g = m.graph(dtype);
  ExecutorHandle ex = registry.find_executor(o.executor.name);
  ex->prepare(g, dtype, executor_options(o.executor));

  const Shape& in = g.input_shape();
  const auto transform = data::make_resize_transform(image.cols, image.rows, in.w, in.h, m.arch.arch->resize_mode());
  const cv::Mat net = data::apply_resize(image, transform);
  ex->invoke(suite::make_input(net.ptr<uint8_t>(), size_t(in.w) * in.h * 3, dtype).data());
  DecodeOptions dec;
  dec.score_threshold = o.threshold;
  const auto detections = suite::decode_outputs(*m.arch.arch, g, suite::read_outputs(*ex, g, dtype), dec);

  json list = json::array();
  for (const Detection& network_det : detections) {
    const Detection d = transform.to_image(network_det);
    draw_detection(image, d, score_label(m.class_name(d.cls), d.score));
    json item = {{"class", d.cls}, {"name", m.class_name(d.cls)}, {"score", d.score},
                 {"centroid", {d.cx, d.cy}}};
    if (!d.is_centroid_only) item["box"] = {d.x0, d.y0, d.x1, d.y1};
    list.push_back(item);
  }
  data::write_png_rgb(image, o.out);

  if (o.json) {
    std::cout << json{{"model", o.model},
                      {"image", o.image},
                      {"out", o.out},
                      {"width", image.cols},
                      {"height", image.rows},
                      {"precision", dtype_name(dtype)},
                      {"executor", o.executor.name},
                      {"centroid_detector", m.arch.arch->centroid_detector()},
                      {"detections", list}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("%s: %zu detection(s), wrote %s (%dx%d)\n", o.image.c_str(), list.size(), o.out.c_str(),
                image.cols, image.rows);
    for (const auto& d : list) {
      std::printf("  %-16s %.3f  at (%.1f, %.1f)", d["name"].get<std::string>().c_str(), d["score"].get<double>(),
                  d["centroid"][0].get<double>(), d["centroid"][1].get<double>());
      if (d.contains("box"))
        std::printf("  box [%.1f, %.1f, %.1f, %.1f]", d["box"][0].get<double>(), d["box"][1].get<double>(),
                    d["box"][2].get<double>(), d["box"][3].get<double>());
      std::printf("\n");
    }
  }
  return exit_code::ok;
}

}  // namespace

Command detect_command() {
  return {"detect", "Run a model on one image and draw its detections",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<DetectOptions>();
            sub.add_option("MODEL", opt->model, "Model file (.tdm, as written by `tinydet train`)")->required();
            sub.add_option("IMAGE", opt->image, "Input image (PNG, JPEG, BMP, ...)")->required();
            sub.add_option("--out", opt->out, "Output image with the detections drawn (PNG)")->required();
            sub.add_option("--threshold", opt->threshold, "Score threshold (default: the plugin's)")
                ->check(CLI::Range(0.0, 1.0));
            add_executor_options(sub, opt->executor, /*with_threads=*/true);
            sub.add_option("--data", opt->dataset_spec,
                           "Dataset whose train images calibrate int8 (default: the model's own)");
            sub.add_option("--calibration-images", opt->calibration_images, "Calibration images for int8")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_flag("--json", opt->json, "Also print the detections as JSON");
            add_dataset_options(sub, opt->dataset);
            return [opt, &global] { return run_detect(*opt, global); };
          }};
}

}  // namespace tinydet::cli
