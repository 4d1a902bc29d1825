// Edge Impulse-style FOMO F1, computed on the output grid. This is OUR READING of Edge
// Impulse's documentation of FOMO evaluation (their code is not public), reported as a
// secondary figure next to the centroid metrics (centroid_metrics.h):
//
//  - the image is divided into cells of cell_size x cell_size pixels; the grid has
//    ceil(width / cell_size) x ceil(height / cell_size) cells (EvalImage::width/height);
//  - a cell is POSITIVE for class c in the truth if the centre of some ground-truth box of
//    class c falls in it (cell = floor(centre / cell_size), clamped into the grid), and in
//    the prediction if the centroid (Detection::cx, cy) of some detection of class c with
//    score >= score_threshold falls in it; several objects in one cell count once;
//  - per (image, class, cell): positive in both = TP, only predicted = FP, only truth = FN;
//    cells positive in neither (background) are not counted at all;
//  - a cell whose truth is class A and prediction is class B counts an FN for A and an FP
//    for B; per-class and micro (summed) precision / recall / F1 as in prf.h.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/eval_set.h"
#include "metrics/prf.h"

namespace tinydet::metrics {

struct CellF1Params {
  float cell_size = 8.f;        // pixels per output cell (FOMO: input / 8 resolution)
  float score_threshold = 0.f;  // detections below are dropped
};

struct CellF1ClassResult {
  std::string name;
  PrfCounts counts;  // in cells
};

struct CellF1Summary {
  CellF1Params params;
  std::vector<CellF1ClassResult> per_class;
  PrfCounts micro;
};

/// Validates the set (and that every image has width and height > 0), then rasterises.
CellF1Summary evaluate_cell_f1(const EvalSet& set, const CellF1Params& params = {});

void to_json(nlohmann::json& j, const CellF1ClassResult& r);
void to_json(nlohmann::json& j, const CellF1Summary& s);

}  // namespace tinydet::metrics
