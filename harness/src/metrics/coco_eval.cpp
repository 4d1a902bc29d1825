// COCOeval (bbox) transcription. The comments name the pycocotools step each part mirrors;
// the order of floating-point operations follows it too (see numpy_arithmetic.h).
#include "metrics/coco_eval.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "metrics/coco_box.h"
#include "metrics/numpy_arithmetic.h"

namespace tinydet::metrics {

CocoEvalParams CocoEvalParams::defaults() {
  CocoEvalParams p;
  // Params.setDetParams: np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1)
  p.iou_thresholds = numpy::linspace(0.5, 0.95, 10);
  // np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1)
  p.recall_thresholds = numpy::linspace(0.0, 1.0, 101);
  p.max_dets = {1, 10, 100};
  p.area_ranges = {{"all", 0.0, 1e5 * 1e5},
                   {"small", 0.0, 32.0 * 32.0},
                   {"medium", 32.0 * 32.0, 96.0 * 96.0},
                   {"large", 96.0 * 96.0, 1e5 * 1e5}};
  return p;
}

void CocoEvalParams::validate() const {
  if (iou_thresholds.empty() || recall_thresholds.empty() || area_ranges.empty())
    throw std::invalid_argument("coco_eval: params need IoU thresholds, recall points and area ranges");
  if (max_dets[0] <= 0 || max_dets[0] > max_dets[1] || max_dets[1] > max_dets[2])
    throw std::invalid_argument("coco_eval: max_dets must be positive and ascending");
  for (const char* label : {"all", "small", "medium", "large"}) {
    const bool found = std::any_of(area_ranges.begin(), area_ranges.end(),
                                   [&](const AreaRange& r) { return r.label == label; });
    if (!found)
      throw std::invalid_argument(std::string("coco_eval: area range '") + label + "' missing");
  }
}

std::array<double, 12> CocoSummary::stats() const {
  return {ap, ap50, ap75, ap_small, ap_medium, ap_large,
          ar1, ar10, ar100, ar_small, ar_medium, ar_large};
}

namespace {

// _prepare + computeIoU for one (image, category).
struct ImageCategory {
  std::vector<CocoBox> gt;  // in annotation (box) order
  std::vector<double> gt_area;
  std::vector<char> gt_crowd;
  std::vector<CocoBox> dt;  // sorted by score (stable), first maxDets[-1] kept
  std::vector<double> dt_score;
  std::vector<double> dt_area;
  std::vector<double> ious;  // [d * G + g], gt in annotation order

  bool both_empty() const { return gt.empty() && dt.empty(); }
};

// evaluateImg's output (only what accumulate uses).
struct ImageEval {
  bool present = false;  // evaluateImg returned a dict (not None)
  std::size_t num_dt = 0;
  std::vector<double> dt_score;   // [D]
  std::vector<char> dt_matched;   // [T * D]  dtMatches != 0
  std::vector<char> dt_ignore;    // [T * D]
  std::vector<char> gt_ignore;    // [G], sorted order
};

ImageCategory prepare(const EvalImage& image, int cls, std::size_t max_det) {
  ImageCategory c;
  for (const Box& g : image.ground_truth) {
    if (g.cls != cls) continue;
    const CocoBox b = coco_box_from_corners(g.x0, g.y0, g.x1, g.y1);
    c.gt.push_back(b);
    c.gt_area.push_back(b.area());
    c.gt_crowd.push_back(g.crowd ? 1 : 0);
  }
  std::vector<const Detection*> dets;
  for (const Detection& d : image.detections)
    if (d.cls == cls) dets.push_back(&d);
  if (c.gt.empty() && dets.empty()) return c;
  // np.argsort([-d['score'] for d in dt], kind='mergesort'): stable, descending score.
  std::stable_sort(dets.begin(), dets.end(), [](const Detection* a, const Detection* b) {
    return -static_cast<double>(a->score) < -static_cast<double>(b->score);
  });
  if (dets.size() > max_det) dets.resize(max_det);
  for (const Detection* d : dets) {
    const CocoBox b = coco_box_from_corners(d->x0, d->y0, d->x1, d->y1);
    c.dt.push_back(b);
    c.dt_score.push_back(static_cast<double>(d->score));
    c.dt_area.push_back(b.area());  // loadRes: ann['area'] = bb[2] * bb[3]
  }
  const std::size_t G = c.gt.size(), D = c.dt.size();
  c.ious.assign(D * G, 0.0);
  for (std::size_t d = 0; d < D; ++d)
    for (std::size_t g = 0; g < G; ++g) c.ious[d * G + g] = coco_iou(c.dt[d], c.gt[g], c.gt_crowd[g]);
  return c;
}

ImageEval evaluate_image(const ImageCategory& c, const CocoEvalParams::AreaRange& range,
                         const std::vector<double>& iou_thresholds) {
  ImageEval e;
  if (c.both_empty()) return e;  // "return None"
  e.present = true;
  const std::size_t G = c.gt.size(), D = c.dt.size(), T = iou_thresholds.size();
  // g['_ignore'] = g['ignore'] (= iscrowd) or area outside the range
  std::vector<char> ignore_orig(G);
  for (std::size_t g = 0; g < G; ++g)
    ignore_orig[g] = (c.gt_crowd[g] || c.gt_area[g] < range.lo || c.gt_area[g] > range.hi) ? 1 : 0;
  // gtind = np.argsort(_ignore, kind='mergesort'): stable, non-ignored first
  std::vector<std::size_t> gtind(G);
  std::iota(gtind.begin(), gtind.end(), 0);
  std::stable_sort(gtind.begin(), gtind.end(),
                   [&](std::size_t a, std::size_t b) { return ignore_orig[a] < ignore_orig[b]; });
  e.gt_ignore.resize(G);
  std::vector<char> crowd(G);
  for (std::size_t gi = 0; gi < G; ++gi) {
    e.gt_ignore[gi] = ignore_orig[gtind[gi]];
    crowd[gi] = c.gt_crowd[gtind[gi]];
  }
  e.num_dt = D;
  e.dt_score = c.dt_score;
  e.dt_matched.assign(T * D, 0);
  e.dt_ignore.assign(T * D, 0);
  if (D > 0 && G > 0) {  // "if not len(ious) == 0"
    std::vector<char> gt_matched(T * G, 0);
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t d = 0; d < D; ++d) {
        double best = std::min(iou_thresholds[t], 1 - 1e-10);
        std::ptrdiff_t m = -1;
        for (std::size_t gi = 0; gi < G; ++gi) {
          // already matched and not a crowd: unavailable
          if (gt_matched[t * G + gi] && !crowd[gi]) continue;
          // matched to a regular gt and reached the ignored ones: stop
          if (m > -1 && e.gt_ignore[static_cast<std::size_t>(m)] == 0 && e.gt_ignore[gi] == 1)
            break;
          const double v = c.ious[d * G + gtind[gi]];
          if (v < best) continue;  // equal IoU: the later gt takes over, as pycocotools
          best = v;
          m = static_cast<std::ptrdiff_t>(gi);
        }
        if (m == -1) continue;
        e.dt_ignore[t * D + d] = e.gt_ignore[static_cast<std::size_t>(m)];
        e.dt_matched[t * D + d] = 1;
        gt_matched[t * G + static_cast<std::size_t>(m)] = 1;
      }
    }
  }
  // unmatched detections outside the area range are ignored
  for (std::size_t d = 0; d < D; ++d) {
    const bool outside = c.dt_area[d] < range.lo || c.dt_area[d] > range.hi;
    for (std::size_t t = 0; t < T; ++t)
      if (!e.dt_matched[t * D + d] && outside) e.dt_ignore[t * D + d] = 1;
  }
  return e;
}

// accumulate() for one (k, a, m): writes precision[t, :, k, a, m] and recall[t, k, a, m].
void accumulate_one(const std::vector<ImageEval>& evals, std::size_t max_det,
                    const CocoEvalParams& p, std::size_t k, std::size_t a, std::size_t m,
                    CocoAccumulation& out) {
  const std::size_t T = out.T(), R = out.R();
  std::vector<const ImageEval*> E;
  for (const ImageEval& e : evals)
    if (e.present) E.push_back(&e);
  if (E.empty()) return;
  std::vector<double> scores;
  std::vector<std::pair<const ImageEval*, std::size_t>> source;  // (image eval, d)
  std::size_t npig = 0;
  for (const ImageEval* e : E) {
    const std::size_t n = std::min(max_det, e->num_dt);
    for (std::size_t d = 0; d < n; ++d) {
      scores.push_back(e->dt_score[d]);
      source.emplace_back(e, d);
    }
    for (char ig : e->gt_ignore) npig += ig == 0 ? 1 : 0;
  }
  if (npig == 0) return;
  // inds = np.argsort(-dtScores, kind='mergesort')
  const std::size_t nd = scores.size();
  std::vector<std::size_t> inds(nd);
  std::iota(inds.begin(), inds.end(), 0);
  std::stable_sort(inds.begin(), inds.end(),
                   [&](std::size_t x, std::size_t y) { return -scores[x] < -scores[y]; });
  const double npig_d = static_cast<double>(npig);
  std::vector<double> rc(nd), pr(nd);
  for (std::size_t t = 0; t < T; ++t) {
    std::size_t tp = 0, fp = 0;
    for (std::size_t i = 0; i < nd; ++i) {
      const auto [e, d] = source[inds[i]];
      const bool matched = e->dt_matched[t * e->num_dt + d] != 0;
      const bool ignored = e->dt_ignore[t * e->num_dt + d] != 0;
      if (matched && !ignored) ++tp;
      if (!matched && !ignored) ++fp;
      const double tp_d = static_cast<double>(tp), fp_d = static_cast<double>(fp);
      rc[i] = tp_d / npig_d;
      const double denominator = (fp_d + tp_d) + DBL_EPSILON;  // + np.spacing(1)
      pr[i] = tp_d / denominator;
    }
    out.recall[((t * out.K() + k) * out.A() + a) * out.M() + m] = nd ? rc[nd - 1] : 0.0;
    for (std::size_t i = nd > 0 ? nd - 1 : 0; i > 0; --i)
      if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
    for (std::size_t r = 0; r < R; ++r) {
      // np.searchsorted(rc, recThrs, side='left'); past the end -> stays 0
      const auto it = std::lower_bound(rc.begin(), rc.end(), p.recall_thresholds[r]);
      const std::size_t pi = static_cast<std::size_t>(it - rc.begin());
      out.precision[(((t * R + r) * out.K() + k) * out.A() + a) * out.M() + m] =
          pi < nd ? pr[pi] : 0.0;
    }
  }
}

std::vector<std::size_t> image_order(const EvalSet& set) {
  std::vector<std::size_t> order(set.images.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return set.coco_image_id(a) < set.coco_image_id(b);
  });
  return order;
}

}  // namespace

CocoAccumulation accumulate_coco(const EvalSet& set, const CocoEvalParams& params) {
  set.validate();
  params.validate();
  CocoAccumulation out;
  out.params = params;
  out.category_order.resize(static_cast<std::size_t>(set.num_classes()));
  std::iota(out.category_order.begin(), out.category_order.end(), 0);
  std::stable_sort(out.category_order.begin(), out.category_order.end(),
                   [&](int a, int b) { return set.coco_category_id(a) < set.coco_category_id(b); });
  const std::size_t T = out.T(), R = out.R(), K = out.K(), A = out.A(), M = out.M();
  out.precision.assign(T * R * K * A * M, -1.0);
  out.recall.assign(T * K * A * M, -1.0);
  const std::vector<std::size_t> images = image_order(set);
  const std::size_t max_det_matching = static_cast<std::size_t>(params.max_dets.back());

  // Each category is independent: its evaluateImg calls and its accumulate slices.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, K), [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t k = range.begin(); k != range.end(); ++k) {
      const int cls = out.category_order[k];
      // Images are independent too (nested parallelism; every result goes to its own slot).
      std::vector<ImageCategory> cells(images.size());
      std::vector<std::vector<ImageEval>> evals(A, std::vector<ImageEval>(images.size()));
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, images.size(), 64),
                        [&](const tbb::blocked_range<std::size_t>& image_range) {
                          for (std::size_t i = image_range.begin(); i != image_range.end(); ++i) {
                            cells[i] = prepare(set.images[images[i]], cls, max_det_matching);
                            for (std::size_t a = 0; a < A; ++a)
                              evals[a][i] = evaluate_image(cells[i], params.area_ranges[a],
                                                           params.iou_thresholds);
                          }
                        });
      for (std::size_t a = 0; a < A; ++a) {
        for (std::size_t m = 0; m < M; ++m)
          accumulate_one(evals[a], static_cast<std::size_t>(params.max_dets[m]), params, k, a, m, out);
      }
    }
  });
  return out;
}

namespace {

// COCOeval.summarize()._summarize for a selection; `k_only` restricts to one category
// (our per-class figures), otherwise all categories.
double summarize_one(const CocoAccumulation& acc, bool ap, const double* iou_thr,
                     const std::string& area_label, int max_dets, std::ptrdiff_t k_only = -1) {
  const CocoEvalParams& p = acc.params;
  std::vector<std::size_t> aind, mind, tind;
  for (std::size_t a = 0; a < acc.A(); ++a)
    if (p.area_ranges[a].label == area_label) aind.push_back(a);
  for (std::size_t m = 0; m < acc.M(); ++m)
    if (p.max_dets[m] == max_dets) mind.push_back(m);
  for (std::size_t t = 0; t < acc.T(); ++t)
    if (iou_thr == nullptr || *iou_thr == p.iou_thresholds[t]) tind.push_back(t);
  if (aind.empty() || mind.empty()) return -1.0;
  const std::size_t a = aind[0], m = mind[0];
  std::vector<double> valid;  // s[s > -1] in numpy's C order (t, r, k)
  const std::size_t k_begin = k_only < 0 ? 0 : static_cast<std::size_t>(k_only);
  const std::size_t k_end = k_only < 0 ? acc.K() : k_begin + 1;
  for (std::size_t t : tind) {
    if (ap) {
      for (std::size_t r = 0; r < acc.R(); ++r)
        for (std::size_t k = k_begin; k < k_end; ++k) {
          const double v = acc.precision_at(t, r, k, a, m);
          if (v > -1) valid.push_back(v);
        }
    } else {
      for (std::size_t k = k_begin; k < k_end; ++k) {
        const double v = acc.recall_at(t, k, a, m);
        if (v > -1) valid.push_back(v);
      }
    }
  }
  return valid.empty() ? -1.0 : numpy::mean(valid);
}

}  // namespace

CocoSummary summarize_coco(const EvalSet& set, const CocoAccumulation& acc) {
  const CocoEvalParams& p = acc.params;
  const double half = 0.5, three_quarters = 0.75;
  const int md_last = p.max_dets[2];
  CocoSummary s;
  s.ap = summarize_one(acc, true, nullptr, "all", 100);  // _summarize(1): maxDets=100 literal
  s.ap50 = summarize_one(acc, true, &half, "all", md_last);
  s.ap75 = summarize_one(acc, true, &three_quarters, "all", md_last);
  s.ap_small = summarize_one(acc, true, nullptr, "small", md_last);
  s.ap_medium = summarize_one(acc, true, nullptr, "medium", md_last);
  s.ap_large = summarize_one(acc, true, nullptr, "large", md_last);
  s.ar1 = summarize_one(acc, false, nullptr, "all", p.max_dets[0]);
  s.ar10 = summarize_one(acc, false, nullptr, "all", p.max_dets[1]);
  s.ar100 = summarize_one(acc, false, nullptr, "all", md_last);
  s.ar_small = summarize_one(acc, false, nullptr, "small", md_last);
  s.ar_medium = summarize_one(acc, false, nullptr, "medium", md_last);
  s.ar_large = summarize_one(acc, false, nullptr, "large", md_last);

  s.num_images = static_cast<int>(set.images.size());
  s.per_class.resize(static_cast<std::size_t>(set.num_classes()));
  for (int c = 0; c < set.num_classes(); ++c) {
    CocoClassResult& r = s.per_class[static_cast<std::size_t>(c)];
    r.name = set.class_names[static_cast<std::size_t>(c)];
    r.category_id = set.coco_category_id(c);
  }
  for (const EvalImage& image : set.images) {
    for (const Box& g : image.ground_truth)
      if (!g.crowd) {
        ++s.per_class[static_cast<std::size_t>(g.cls)].num_gt;
        ++s.num_gt;
      }
    for (const Detection& d : image.detections) ++s.per_class[static_cast<std::size_t>(d.cls)].num_detections;
    s.num_detections += static_cast<int>(image.detections.size());
  }
  for (std::size_t k = 0; k < acc.K(); ++k) {
    CocoClassResult& r = s.per_class[static_cast<std::size_t>(acc.category_order[k])];
    const auto kk = static_cast<std::ptrdiff_t>(k);
    r.ap = summarize_one(acc, true, nullptr, "all", 100, kk);
    r.ap50 = summarize_one(acc, true, &half, "all", md_last, kk);
    r.ap75 = summarize_one(acc, true, &three_quarters, "all", md_last, kk);
    r.ar100 = summarize_one(acc, false, nullptr, "all", md_last, kk);
  }
  return s;
}

std::vector<double> coco_precision_curve(const CocoAccumulation& acc, int cls, std::size_t t) {
  const auto it = std::find(acc.category_order.begin(), acc.category_order.end(), cls);
  if (it == acc.category_order.end() || t >= acc.T())
    throw std::out_of_range("coco_precision_curve: class " + std::to_string(cls) +
                            " or IoU index " + std::to_string(t) + " out of range");
  const std::size_t k = static_cast<std::size_t>(it - acc.category_order.begin());
  std::size_t a = 0;
  while (a < acc.A() && acc.params.area_ranges[a].label != "all") ++a;
  const std::size_t m = acc.M() - 1;
  std::vector<double> curve;
  if (acc.recall_at(t, k, a, m) < 0) return curve;  // class skipped
  for (std::size_t r = 0; r < acc.R(); ++r) curve.push_back(acc.precision_at(t, r, k, a, m));
  return curve;
}

CocoSummary evaluate_coco(const EvalSet& set, const CocoEvalParams& params) {
  return summarize_coco(set, accumulate_coco(set, params));
}

std::string format_coco_summary(const CocoSummary& s) {
  struct Line {
    bool ap;
    const char* iou;
    const char* area;
    int max_dets;
    double value;
  };
  const Line lines[12] = {
      {true, "0.50:0.95", "all", 100, s.ap},       {true, "0.50", "all", 100, s.ap50},
      {true, "0.75", "all", 100, s.ap75},          {true, "0.50:0.95", "small", 100, s.ap_small},
      {true, "0.50:0.95", "medium", 100, s.ap_medium}, {true, "0.50:0.95", "large", 100, s.ap_large},
      {false, "0.50:0.95", "all", 1, s.ar1},       {false, "0.50:0.95", "all", 10, s.ar10},
      {false, "0.50:0.95", "all", 100, s.ar100},   {false, "0.50:0.95", "small", 100, s.ar_small},
      {false, "0.50:0.95", "medium", 100, s.ar_medium}, {false, "0.50:0.95", "large", 100, s.ar_large}};
  std::string text;
  char buffer[160];
  for (const Line& l : lines) {
    std::snprintf(buffer, sizeof buffer, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                  l.ap ? "Average Precision" : "Average Recall", l.ap ? "(AP)" : "(AR)", l.iou,
                  l.area, l.max_dets, l.value);
    text += buffer;
  }
  return text;
}

void to_json(nlohmann::json& j, const CocoClassResult& r) {
  j = nlohmann::json{{"name", r.name},   {"category_id", r.category_id},
                     {"num_gt", r.num_gt}, {"num_detections", r.num_detections},
                     {"ap", r.ap},       {"ap50", r.ap50},
                     {"ap75", r.ap75},   {"ar100", r.ar100}};
}

void to_json(nlohmann::json& j, const CocoSummary& s) {
  j = nlohmann::json{{"ap", s.ap},
                     {"ap50", s.ap50},
                     {"ap75", s.ap75},
                     {"ap_small", s.ap_small},
                     {"ap_medium", s.ap_medium},
                     {"ap_large", s.ap_large},
                     {"ar1", s.ar1},
                     {"ar10", s.ar10},
                     {"ar100", s.ar100},
                     {"ar_small", s.ar_small},
                     {"ar_medium", s.ar_medium},
                     {"ar_large", s.ar_large},
                     {"stats", s.stats()},
                     {"num_images", s.num_images},
                     {"num_gt", s.num_gt},
                     {"num_detections", s.num_detections},
                     {"per_class", s.per_class},
                     {"convention",
                      "pycocotools COCOeval bbox; gt area = box w*h; -1 = undefined"}};
}

}  // namespace tinydet::metrics
