// SQNR diagnostics of trained models: int8 against float per output, and the float
// network's own amplification of a small white perturbation.
//
// Images: synthetic scenes of seed 1 (the suite's `synthetic:1200@1` dataset), indices
// 0-99 to calibrate, 5000-5029 to measure (never used for training), stretched to the
// model's input like the suite does.
#include "sqnr_diagnostics.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "tinydet/datasets/image_cache.h"
#include "tinydet/datasets/synthetic.h"
#include "tinydet/kernels.h"
#include "tinydet/model_file.h"
#include "tinydet/quantize.h"

namespace tinydet::bench {

namespace {

constexpr uint64_t kSceneSeed = 1;

std::vector<std::vector<float>> scenes(const Shape& s, int first, int count) {
  std::vector<std::vector<float>> out;
  for (int i = first; i < first + count; ++i) {
    const data::SyntheticScene scene = data::render_synthetic_scene(kSceneSeed, i);
    const cv::Mat net = data::apply_resize(
        scene.rgb, data::make_resize_transform(scene.rgb.cols, scene.rgb.rows, s.w, s.h, ResizeMode::Stretch));
    std::vector<float> x(size_t(s.elements()));
    pixels_to_float_input(net.ptr<uint8_t>(), x.size(), x.data());
    out.push_back(std::move(x));
  }
  return out;
}

/// Runs float graph `g` op by op on `input`; with `noise_db` > 0, white Gaussian noise
/// `noise_db` below the signal power is added to op `noisy_op`'s output. Returns every
/// tensor.
std::vector<std::vector<float>> run_float(const Graph& g, const std::vector<float>& input, int noisy_op,
                                          double noise_db, std::mt19937& rng) {
  std::vector<std::vector<float>> t(g.tensors.size());
  t[size_t(g.input)] = input;
  KernelContext ctx;
  ctx.impl = KernelImpl::Reference;  // no scratch needed
  for (int i = 0; i < int(g.ops.size()); ++i) {
    const Op& op = g.ops[size_t(i)];
    const OpGeometry geo = geometry_of(g, i);
    std::vector<const void*> in;
    for (int x : op.inputs) in.push_back(t[size_t(x)].data());
    auto& out = t[size_t(op.output)];
    out.assign(size_t(geo.output.elements()), 0.f);
    run_op(op, geo, DType::Float32, in.data(), out.data(), ctx);
    if (i == noisy_op && noise_db > 0) {
      double power = 0;
      for (float v : out) power += double(v) * v;
      std::normal_distribution<double> noise(0.0, std::sqrt(power / double(out.size()) / std::pow(10.0, noise_db / 10)));
      for (float& v : out) v += float(noise(rng));
    }
  }
  return t;
}

void print_sqnr(const char* what, const std::vector<OutputSqnr>& s) {
  std::printf("  %-36s", what);
  for (const OutputSqnr& o : s) std::printf(" %s %.2f", o.name.c_str(), o.sqnr_db);
  std::printf("\n");
}

void diagnose(const std::string& file) {
  const Graph loaded = load_model(file);
  if (loaded.quantized) throw std::invalid_argument(file + ": already quantised; pass the float model");
  const Graph g = fold_for_inference(loaded);
  const auto calibration = scenes(g.input_shape(), 0, 100);
  const auto held_out = scenes(g.input_shape(), 5000, 30);
  std::printf("%s: %dx%d, %zu ops; SQNR in dB on 30 held-out scenes, int8 vs float\n", file.c_str(),
              g.input_shape().w, g.input_shape().h, g.ops.size());
  for (bool correction : {false, true})
    for (Observer obs : {Observer::MinMax, Observer::Percentile}) {
      QuantizeOptions opt;
      opt.observer = obs;
      opt.bias_correction = correction;
      const Graph q = quantize(g, calibration, opt);
      const std::string what = std::string(obs == Observer::MinMax ? "minmax" : "percentile(99.99)") +
                               (correction ? ", bias correction" : ", plain biases");
      print_sqnr(what.c_str(), measure_sqnr(g, q, held_out));
    }
  // The float network alone: noise 40 dB below the signal after the first op.
  std::mt19937 rng(7);
  std::vector<OutputSqnr> response(g.outputs.size());
  std::vector<double> signal(g.outputs.size(), 0.0), noise(g.outputs.size(), 0.0);
  for (int k = 0; k < 5; ++k) {
    const auto clean = run_float(g, held_out[size_t(k)], -1, 0, rng);
    const auto noisy = run_float(g, held_out[size_t(k)], 0, 40.0, rng);
    for (size_t o = 0; o < g.outputs.size(); ++o) {
      const auto& a = clean[size_t(g.outputs[o].tensor)];
      const auto& b = noisy[size_t(g.outputs[o].tensor)];
      for (size_t e = 0; e < a.size(); ++e) {
        signal[o] += double(a[e]) * a[e];
        noise[o] += double(a[e] - b[e]) * (a[e] - b[e]);
      }
    }
  }
  for (size_t o = 0; o < g.outputs.size(); ++o) {
    response[o].name = g.outputs[o].name;
    response[o].sqnr_db = 10 * std::log10(signal[o] / noise[o]);
  }
  const std::string what = "float, 40 dB noise after '" + g.ops[0].name + "'";
  print_sqnr(what.c_str(), response);
}

}  // namespace

int sqnr_diagnostics(const std::vector<std::string>& model_files) {
  if (model_files.empty()) {
    std::fprintf(stderr, "tinydet_kernel_bench --tinydet_sqnr: give one or more float model files (.tdm)\n");
    return 2;
  }
  try {
    for (const std::string& f : model_files) diagnose(f);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tinydet_kernel_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace tinydet::bench
