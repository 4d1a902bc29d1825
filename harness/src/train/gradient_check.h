// Conformance helper for architecture plugins: checks Architecture::loss's analytic
// gradient against central finite differences of the same loss. No libtorch.
//
// Usage in a plugin's conformance test:
//   arch.configure(cfg);
//   auto r = tinydet::check_loss_gradient(arch, {.batch = 2, .seed = 7});
//   EXPECT_TRUE(r.ok) << r.summary;
//
// The check perturbs `elements_per_output` randomly chosen elements of each raw output
// by +-eps and compares (L(x+eps) - L(x-eps)) / 2eps with the reported gradient:
//   |analytic - numeric| <= abs_tolerance + rel_tolerance * max(|analytic|, |numeric|).
// Losses with kinks (hinge, max, abs) can fail at a kink; random outputs make that rare.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinydet/architecture.h"

namespace tinydet {

struct GradientCheckOptions {
  int batch = 2;
  uint64_t seed = 1;
  int boxes_per_image = 3;       // random ground truth boxes per image (encoded by the arch)
  int elements_per_output = 64;  // perturbed elements per output (all if fewer)
  double eps = 1e-2;             // perturbation of a raw output value
  double output_stddev = 1.0;    // random raw outputs ~ N(0, stddev)
  double abs_tolerance = 1e-4;
  double rel_tolerance = 2e-2;
};

struct GradientCheckResult {
  bool ok = false;
  int checked = 0;            // elements compared
  int failed = 0;             // elements outside tolerance
  double max_abs_error = 0;
  double loss = 0;            // loss at the unperturbed point
  std::string summary;        // human-readable, names the worst element
};

/// Raw output shapes of a configured architecture's graph, in output order.
std::vector<Shape> output_shapes(const Architecture& arch);

/// Random ground truth inside an input_w x input_h image with `num_classes` classes.
std::vector<Box> random_boxes(int input_h, int input_w, int num_classes, int count,
                              uint64_t seed);

/// Checks with random outputs and targets encoded from random boxes. `arch` must be
/// configured; input size and class count come from `cfg` (the same as configure()'s).
GradientCheckResult check_loss_gradient(const Architecture& arch, const ArchConfig& cfg,
                                        const GradientCheckOptions& opt = {});

/// Checks at given outputs (one vector per output, batch-major NHWC, opt.batch images of
/// `shapes[i]`) and targets (opt.batch of them).
GradientCheckResult check_loss_gradient_at(const Architecture& arch,
                                           const std::vector<Shape>& shapes,
                                           std::vector<std::vector<float>> outputs,
                                           std::span<const Targets> targets,
                                           const GradientCheckOptions& opt = {});

}  // namespace tinydet
