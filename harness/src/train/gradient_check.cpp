// Finite-difference check of an architecture's loss gradient.
#include "train/gradient_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <stdexcept>

namespace tinydet {

namespace {

// splitmix64: portable, so the chosen elements are the same everywhere.
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return (double(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double normal() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  }
};

double evaluate_loss(const Architecture& arch, const std::vector<Shape>& shapes, int batch,
                     const std::vector<std::vector<float>>& outputs,
                     std::span<const Targets> targets, std::vector<std::vector<float>>* grads) {
  std::vector<std::vector<float>> scratch;
  if (!grads) grads = &scratch;
  grads->resize(outputs.size());
  std::vector<ConstTensorBatch> in(outputs.size());
  std::vector<TensorBatch> out(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    (*grads)[i].assign(outputs[i].size(), 0.f);
    in[i] = ConstTensorBatch{outputs[i].data(), shapes[i], batch};
    out[i] = TensorBatch{(*grads)[i].data(), shapes[i], batch};
  }
  return arch.loss(in, targets, out);
}

}  // namespace

std::vector<Shape> output_shapes(const Architecture& arch) {
  Graph g = arch.build_graph();
  std::vector<Shape> shapes;
  for (const auto& o : g.outputs) shapes.push_back(g.shape(o.tensor));
  return shapes;
}

std::vector<Box> random_boxes(int input_h, int input_w, int num_classes, int count,
                              uint64_t seed) {
  SplitMix rng{seed ^ 0x5bd1e995ULL};
  std::vector<Box> boxes;
  for (int i = 0; i < count; ++i) {
    const float w = float(input_w) * float(0.1 + 0.3 * rng.uniform());
    const float h = float(input_h) * float(0.1 + 0.3 * rng.uniform());
    const float x0 = float((input_w - w) * rng.uniform());
    const float y0 = float((input_h - h) * rng.uniform());
    Box b;
    b.x0 = x0;
    b.y0 = y0;
    b.x1 = x0 + w;
    b.y1 = y0 + h;
    b.cls = int(rng.next() % uint64_t(std::max(1, num_classes)));
    boxes.push_back(b);
  }
  return boxes;
}

GradientCheckResult check_loss_gradient(const Architecture& arch, const ArchConfig& cfg,
                                        const GradientCheckOptions& opt) {
  const auto shapes = output_shapes(arch);
  SplitMix rng{opt.seed};
  std::vector<std::vector<float>> outputs(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    outputs[i].resize(size_t(opt.batch) * size_t(shapes[i].elements()));
    for (float& v : outputs[i]) v = float(rng.normal() * opt.output_stddev);
  }
  std::vector<Targets> targets;
  for (int b = 0; b < opt.batch; ++b)
    targets.push_back(arch.encode(random_boxes(cfg.input_h, cfg.input_w, cfg.num_classes,
                                               opt.boxes_per_image, opt.seed * 1000003 + b)));
  return check_loss_gradient_at(arch, shapes, std::move(outputs), targets, opt);
}

GradientCheckResult check_loss_gradient_at(const Architecture& arch,
                                           const std::vector<Shape>& shapes,
                                           std::vector<std::vector<float>> outputs,
                                           std::span<const Targets> targets,
                                           const GradientCheckOptions& opt) {
  if (outputs.size() != shapes.size())
    throw std::invalid_argument("check_loss_gradient: " + std::to_string(outputs.size()) +
                                " outputs for " + std::to_string(shapes.size()) + " shapes");
  if (int(targets.size()) != opt.batch)
    throw std::invalid_argument("check_loss_gradient: targets for " +
                                std::to_string(targets.size()) + " images, batch is " +
                                std::to_string(opt.batch));
  for (size_t i = 0; i < shapes.size(); ++i)
    if (outputs[i].size() != size_t(opt.batch) * size_t(shapes[i].elements()))
      throw std::invalid_argument("check_loss_gradient: output " + std::to_string(i) +
                                  " has the wrong size");
  GradientCheckResult r;
  std::vector<std::vector<float>> grads;
  r.loss = evaluate_loss(arch, shapes, opt.batch, outputs, targets, &grads);
  if (!std::isfinite(r.loss)) {
    r.summary = "loss is not finite at the check point";
    return r;
  }
  SplitMix rng{opt.seed * 31 + 17};
  double worst_score = -1;
  char worst[256] = "";
  for (size_t o = 0; o < outputs.size(); ++o) {
    const size_t n = outputs[o].size();
    std::vector<size_t> picks;
    if (n <= size_t(opt.elements_per_output)) {
      picks.resize(n);
      std::iota(picks.begin(), picks.end(), size_t(0));
    } else {
      for (int k = 0; k < opt.elements_per_output; ++k) picks.push_back(size_t(rng.next() % n));
    }
    for (size_t idx : picks) {
      const float saved = outputs[o][idx];
      // The perturbation actually applied, after float rounding.
      const float plus = float(double(saved) + opt.eps), minus = float(double(saved) - opt.eps);
      outputs[o][idx] = plus;
      const double lp = evaluate_loss(arch, shapes, opt.batch, outputs, targets, nullptr);
      outputs[o][idx] = minus;
      const double lm = evaluate_loss(arch, shapes, opt.batch, outputs, targets, nullptr);
      outputs[o][idx] = saved;
      const double numeric = (lp - lm) / (double(plus) - double(minus));
      const double analytic = grads[o][idx];
      const double err = std::abs(analytic - numeric);
      const double allowed =
          opt.abs_tolerance + opt.rel_tolerance * std::max(std::abs(analytic), std::abs(numeric));
      ++r.checked;
      if (!(err <= allowed)) ++r.failed;
      r.max_abs_error = std::max(r.max_abs_error, err);
      const double score = err / allowed;
      if (score > worst_score || std::isnan(score)) {
        worst_score = score;
        std::snprintf(worst, sizeof worst,
                      "worst: output %zu element %zu: analytic %.6g numeric %.6g (|err| %.3g, "
                      "allowed %.3g)",
                      o, idx, analytic, numeric, err, allowed);
      }
    }
  }
  r.ok = r.failed == 0 && r.checked > 0;
  char head[160];
  std::snprintf(head, sizeof head, "gradient check %s: %d of %d elements outside tolerance, loss %.6g; ",
                r.ok ? "passed" : "FAILED", r.failed, r.checked, r.loss);
  r.summary = std::string(head) + worst;
  return r;
}

}  // namespace tinydet
