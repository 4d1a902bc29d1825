// Small builders for hand-made metric cases.
#pragma once

#include <string>
#include <vector>

#include "metrics/eval_set.h"

namespace metrics_test {

inline tinydet::Box gt(float x0, float y0, float x1, float y1, int cls = 0, bool crowd = false,
                       bool difficult = false) {
  tinydet::Box b;
  b.x0 = x0;
  b.y0 = y0;
  b.x1 = x1;
  b.y1 = y1;
  b.cls = cls;
  b.crowd = crowd;
  b.difficult = difficult;
  return b;
}

inline tinydet::Detection det(float x0, float y0, float x1, float y1, float score, int cls = 0) {
  tinydet::Detection d;
  d.x0 = x0;
  d.y0 = y0;
  d.x1 = x1;
  d.y1 = y1;
  d.cx = 0.5f * (x0 + x1);
  d.cy = 0.5f * (y0 + y1);
  d.cls = cls;
  d.score = score;
  return d;
}

/// A centroid-only detection (FOMO style) at (cx, cy).
inline tinydet::Detection point(float cx, float cy, float score, int cls = 0) {
  tinydet::Detection d = det(cx - 4, cy - 4, cx + 4, cy + 4, score, cls);
  d.cx = cx;
  d.cy = cy;
  d.is_centroid_only = true;
  return d;
}

inline tinydet::metrics::EvalImage image(std::vector<tinydet::Box> g,
                                         std::vector<tinydet::Detection> d, int width = 320,
                                         int height = 240) {
  tinydet::metrics::EvalImage im;
  im.ground_truth = std::move(g);
  im.detections = std::move(d);
  im.width = width;
  im.height = height;
  return im;
}

inline tinydet::metrics::EvalSet make_set(std::vector<std::string> classes,
                                          std::vector<tinydet::metrics::EvalImage> images) {
  tinydet::metrics::EvalSet s;
  s.class_names = std::move(classes);
  s.images = std::move(images);
  return s;
}

}  // namespace metrics_test
