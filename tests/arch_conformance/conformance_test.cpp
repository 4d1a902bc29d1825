// Conformance tests run over EVERY architecture plugin found in the build plugin directory.
// Each test loops over the plugins (SCOPED_TRACE names the plugin), so a plugin added later
// is covered without rebuilding this binary.
//
// What every architecture must do (see tinydet/architecture.h):
//   - build valid graphs at several resolutions, with output shapes that follow the input;
//   - fold for inference; refuse an input size that is not a multiple, naming it;
//   - accept its own documented option defaults and refuse unknown options;
//   - give a loss gradient that matches central finite differences;
//   - encode -> ideal_outputs -> decode gives the ground truth back;
//   - decode arbitrary (extreme, non-finite) raw outputs without crashing or emitting NaN.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <cmath>
#include <random>
#include <set>
#include <string>

#include "arch_plugins.h"
#include "arch_test_util.h"
#include "tinydet/graph.h"

namespace tinydet::testing {
namespace {

constexpr int kClasses = 3;

ArchConfig make_config(int h, int w, int classes = kClasses) {
  ArchConfig c;
  c.input_h = h;
  c.input_w = w;
  c.num_classes = classes;
  return c;
}

int default_res(const Architecture& a) { return a.default_resolution(make_config(0, 0)); }

/// A small valid resolution for the gradient check: about half the default, else the default.
ArchConfig small_config(Architecture& a) {
  const int def = default_res(a), m = a.resolution_multiple();
  const int half = std::max(m, int(std::lround(def / 2.0 / m)) * m);
  for (int res : {half, def}) {
    try {
      a.configure(make_config(res, res));
      return make_config(res, res);
    } catch (const std::invalid_argument&) {
    }
  }
  a.configure(make_config(def, def));
  return make_config(def, def);
}

bool has_op(const Graph& g, OpType t) {
  return std::any_of(g.ops.begin(), g.ops.end(), [&](const Op& op) { return op.type == t; });
}

std::string shape_str(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

TEST(ArchConformance, PluginDirectoryLoads) {
  for (const auto& e : plugin_load_errors()) ADD_FAILURE() << e;
  ASSERT_FALSE(architecture_plugins().empty())
      << "no architecture plugin in " << TINYDET_BUILD_PLUGIN_DIR << " (build the plugins)";
  std::set<std::string> names;
  for (const auto& p : architecture_plugins()) {
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate plugin name " << p.name;
    for (char ch : p.name)
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')
          << p.name << ": name must be [a-z0-9_]+";
    EXPECT_NE(create_architecture(p), nullptr);
    EXPECT_FALSE(p.version.empty());
  }
}

TEST(ArchConformance, BasicContract) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const int def = default_res(*a), m = a->resolution_multiple();
    EXPECT_GT(m, 0);
    EXPECT_GT(def, 0);
    EXPECT_EQ(def % m, 0) << "default resolution is not a multiple of " << m;
    a->configure(make_config(def, def));
    const std::string metric = a->primary_metric();
    EXPECT_TRUE(metric == "centroid_f1" || metric == "map50") << metric;
    EXPECT_EQ(metric == "centroid_f1", a->centroid_detector());
  }
}

TEST(ArchConformance, OptionsDefaultsAcceptedUnknownRefused) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const int def = default_res(*a);
    ArchConfig cfg = make_config(def, def);
    std::set<std::string> names;
    for (const auto& o : a->options()) {
      EXPECT_FALSE(o.name.empty());
      EXPECT_FALSE(o.help.empty()) << o.name;
      EXPECT_TRUE(names.insert(o.name).second) << "duplicate option " << o.name;
      cfg.options[o.name] = o.default_value;
    }
    EXPECT_NO_THROW(a->configure(cfg)) << "explicit defaults refused";
    ArchConfig bad = make_config(def, def);
    bad.options["no_such_option_xyz"] = "1";
    try {
      a->configure(bad);
      ADD_FAILURE() << "unknown option accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("no_such_option_xyz"), std::string::npos) << e.what();
    }
    EXPECT_THROW(a->configure(make_config(def, def, 0)), std::invalid_argument);
  }
}

TEST(ArchConformance, BuildsAtSeveralResolutions) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const int def = default_res(*a), m = a->resolution_multiple();
    a->configure(make_config(def, def));
    const Graph ref = a->build_graph();
    ASSERT_FALSE(ref.outputs.empty());
    const int res_bigger = def + 2 * m;
    const int res_smaller = std::max(m, def - 2 * m);
    for (auto [h, w] : {std::pair{def, def}, std::pair{res_bigger, res_bigger},
                        std::pair{res_smaller, res_bigger}}) {
      SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
      a->configure(make_config(h, w));
      Graph g = a->build_graph();
      EXPECT_NO_THROW(g.validate());
      EXPECT_EQ(g.input_shape(), (Shape{h, w, 3}));
      ASSERT_EQ(g.outputs.size(), ref.outputs.size());
      EXPECT_GT(g.total_stats().params, 0);
      EXPECT_GT(g.total_stats().macs, 0);
      for (size_t i = 0; i < g.outputs.size(); ++i) {
        EXPECT_EQ(g.outputs[i].name, ref.outputs[i].name);
        const Shape s = g.shape(g.outputs[i].tensor), r = ref.shape(ref.outputs[i].tensor);
        EXPECT_EQ(s.c, r.c) << "output channels must not depend on the resolution";
        // Spatial sizes scale with the input, within one cell (strided layers may round up).
        const double expect_h = double(r.h) * h / def, expect_w = double(r.w) * w / def;
        EXPECT_LE(std::abs(s.h - expect_h), 1.0) << shape_str(s) << " vs " << shape_str(r);
        EXPECT_LE(std::abs(s.w - expect_w), 1.0) << shape_str(s) << " vs " << shape_str(r);
        EXPECT_GE(s.h, 1);
        EXPECT_GE(s.w, 1);
      }
      // Folding removes training-only ops and keeps the outputs.
      Graph f = fold_for_inference(g);
      EXPECT_NO_THROW(f.validate());
      EXPECT_FALSE(has_op(f, OpType::BatchNorm));
      EXPECT_FALSE(has_op(f, OpType::Dropout));
      ASSERT_EQ(f.outputs.size(), g.outputs.size());
      for (size_t i = 0; i < f.outputs.size(); ++i)
        EXPECT_EQ(f.shape(f.outputs[i].tensor), g.shape(g.outputs[i].tensor));
      EXPECT_EQ(f.total_stats().macs, g.total_stats().macs);
      EXPECT_LE(f.total_stats().params, g.total_stats().params);
      EXPECT_GT(f.total_stats().weight_bytes, 0);
    }
  }
}

TEST(ArchConformance, RefusesResolutionNotMultiple) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const int def = default_res(*a), m = a->resolution_multiple();
    if (m <= 1) continue;  // every size is valid: nothing to refuse
    const int bad = def + 1;
    for (auto [h, w] : {std::pair{bad, def}, std::pair{def, bad}}) {
      try {
        a->configure(make_config(h, w));
        ADD_FAILURE() << "accepted " << w << "x" << h;
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos)
            << "message does not name the size: " << e.what();
      }
    }
  }
}

/// Random boxes inside an image of side `res`.
std::vector<Box> random_boxes(std::mt19937& rng, int res, int count) {
  std::uniform_real_distribution<float> size(0.15f * res, 0.6f * res), u(0.f, 1.f);
  std::uniform_int_distribution<int> cls(0, kClasses - 1);
  std::vector<Box> boxes;
  for (int i = 0; i < count; ++i) {
    const float w = size(rng), h = size(rng);
    Box b;
    b.x0 = u(rng) * (res - w);
    b.y0 = u(rng) * (res - h);
    b.x1 = b.x0 + w;
    b.y1 = b.y0 + h;
    b.cls = cls(rng);
    boxes.push_back(b);
  }
  return boxes;
}

TEST(ArchConformance, GradientMatchesFiniteDifferences) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const ArchConfig cfg = small_config(*a);
    const Graph g = a->build_graph();
    constexpr int kBatch = 2;
    std::mt19937 rng(1234);
    std::normal_distribution<float> normal(0.f, 1.5f);
    OutputBuffers out(g, kBatch), grad(g, kBatch);
    for (auto& d : out.data)
      for (float& v : d) v = normal(rng);
    std::vector<Targets> targets;
    for (int n = 0; n < kBatch; ++n)
      targets.push_back(a->encode(random_boxes(rng, cfg.input_h, 1 + n * 2)));

    auto gviews = grad.mutable_views();
    const double loss0 = a->loss(out.views(), targets, gviews);
    ASSERT_TRUE(std::isfinite(loss0));
    EXPECT_GT(loss0, 0.0);

    double gmax = 0;
    for (const auto& d : grad.data)
      for (float v : d) {
        ASSERT_TRUE(std::isfinite(v));
        gmax = std::max(gmax, double(std::abs(v)));
      }
    ASSERT_GT(gmax, 0.0);

    // The largest-gradient elements plus a random subset of every output.
    OutputBuffers scratch(g, kBatch);
    for (size_t o = 0; o < out.data.size(); ++o) {
      std::vector<size_t> idx(out.data[o].size());
      std::iota(idx.begin(), idx.end(), size_t{0});
      std::partial_sort(idx.begin(), idx.begin() + std::min<size_t>(12, idx.size()), idx.end(),
                        [&](size_t x, size_t y) {
                          return std::abs(grad.data[o][x]) > std::abs(grad.data[o][y]);
                        });
      std::vector<size_t> check(idx.begin(), idx.begin() + std::min<size_t>(12, idx.size()));
      std::uniform_int_distribution<size_t> pick(0, idx.size() - 1);
      for (int k = 0; k < 48; ++k) check.push_back(pick(rng));
      int bad = 0;
      for (size_t i : check) {
        const float x = out.data[o][i];
        const float xp = x + 1e-3f, xm = x - 1e-3f;
        auto eval = [&](float v) {
          out.data[o][i] = v;
          auto sv = scratch.mutable_views();
          return a->loss(out.views(), targets, sv);
        };
        const double lp = eval(xp), lm = eval(xm);
        out.data[o][i] = x;
        const double numeric = (lp - lm) / (double(xp) - double(xm));
        const double analytic = grad.data[o][i];
        const double tol = 1e-2 * std::max(std::abs(numeric), std::abs(analytic)) + 1e-3 * gmax;
        if (std::abs(numeric - analytic) > tol && ++bad <= 5)
          ADD_FAILURE() << "output " << o << " element " << i << ": analytic " << analytic
                        << " numeric " << numeric;
      }
      EXPECT_EQ(bad, 0) << "elements with a wrong gradient in output " << o;
    }
  }
}

/// Well-separated ground truth for the round trip: boxes whose centres are far apart.
std::vector<std::vector<Box>> roundtrip_cases(int res) {
  auto box = [&](float cx, float cy, float w, float h, int cls) {
    return Box{(cx - w / 2) * res, (cy - h / 2) * res, (cx + w / 2) * res, (cy + h / 2) * res, cls};
  };
  return {
      {},
      {box(0.5f, 0.5f, 0.4f, 0.5f, 1)},
      {box(0.27f, 0.3f, 0.25f, 0.3f, 0), box(0.73f, 0.28f, 0.3f, 0.22f, 1),
       box(0.52f, 0.74f, 0.35f, 0.3f, 2)},
      {box(0.2f, 0.2f, 0.2f, 0.2f, 2), box(0.8f, 0.8f, 0.25f, 0.3f, 2)},
  };
}

TEST(ArchConformance, IdealOutputsDecodeToGroundTruth) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const int res = default_res(*a);
    a->configure(make_config(res, res));
    const Graph g = a->build_graph();
    const Shape first = g.shape(g.outputs.at(0).tensor);
    const float cell_w = float(res) / float(first.w), cell_h = float(res) / float(first.h);
    int case_id = 0;
    for (const auto& gt : roundtrip_cases(res)) {
      SCOPED_TRACE("case " + std::to_string(case_id++));
      OutputBuffers out(g, 1);
      auto views = out.mutable_views();
      a->ideal_outputs(a->encode(gt), views);
      const auto dets = decode(*a, out);
      ASSERT_EQ(dets.size(), gt.size());
      std::vector<char> used(dets.size(), 0);
      for (const Box& b : gt) {
        int match = -1;
        for (size_t d = 0; d < dets.size(); ++d) {
          if (used[d] || dets[d].cls != b.cls) continue;
          const bool ok =
              a->centroid_detector()
                  ? std::abs(dets[d].cx - b.cx()) <= cell_w && std::abs(dets[d].cy - b.cy()) <= cell_h
                  : iou(dets[d].x0, dets[d].y0, dets[d].x1, dets[d].y1, b.x0, b.y0, b.x1, b.y1) >= 0.9f;
          if (ok) {
            match = int(d);
            break;
          }
        }
        EXPECT_GE(match, 0) << "no detection for GT class " << b.cls << " at (" << b.cx() << ", "
                            << b.cy() << ")";
        if (match >= 0) used[size_t(match)] = 1;
      }
      for (const auto& d : dets) {
        EXPECT_EQ(d.is_centroid_only, a->centroid_detector());
        EXPECT_GT(d.score, 0.f);
        EXPECT_LE(d.score, 1.f);
      }
    }
  }
}

void expect_sane(const std::vector<Detection>& dets, int max_detections, int res) {
  EXPECT_LE(int(dets.size()), max_detections);
  for (const auto& d : dets) {
    for (float v : {d.x0, d.y0, d.x1, d.y1, d.cx, d.cy, d.score}) ASSERT_TRUE(std::isfinite(v));
    EXPECT_GE(d.cls, 0);
    EXPECT_LT(d.cls, kClasses);
    EXPECT_LE(d.x0, d.x1);
    EXPECT_LE(d.y0, d.y1);
    EXPECT_GE(d.score, 0.f);
    EXPECT_LE(d.score, 1.f);
    EXPECT_GE(d.cx, -1.f * res);
    EXPECT_LE(d.cx, 2.f * res);
  }
}

TEST(ArchConformance, DecodeRobustToExtremeOutputs) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const int res = default_res(*a);
    a->configure(make_config(res, res));
    const Graph g = a->build_graph();
    OutputBuffers out(g, 1);
    DecodeOptions opt;
    opt.max_detections = 50;
    std::mt19937 rng(7);
    std::bernoulli_distribution coin(0.5);
    for (float v : {1e4f, -1e4f, 0.f}) {
      SCOPED_TRACE("all " + std::to_string(v));
      out.fill(v);
      expect_sane(decode(*a, out, opt), opt.max_detections, res);
    }
    for (auto& d : out.data)
      for (float& v : d) v = coin(rng) ? 1e4f : -1e4f;
    expect_sane(decode(*a, out, opt), opt.max_detections, res);
    DecodeOptions zero_threshold = opt;
    zero_threshold.score_threshold = 0.f;
    expect_sane(decode(*a, out, zero_threshold), opt.max_detections, res);
  }
}

TEST(ArchConformance, DecodeRobustToNonFiniteOutputs) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    const int res = default_res(*a);
    a->configure(make_config(res, res));
    const Graph g = a->build_graph();
    OutputBuffers out(g, 1);
    DecodeOptions opt;
    opt.max_detections = 50;
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (float v : {inf, -inf, nan}) {
      SCOPED_TRACE("all " + std::to_string(v));
      out.fill(v);
      expect_sane(decode(*a, out, opt), opt.max_detections, res);
    }
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> pick(0, 3);
    const float values[] = {inf, -inf, nan, 3.f};
    for (auto& d : out.data)
      for (float& v : d) v = values[pick(rng)];
    expect_sane(decode(*a, out, opt), opt.max_detections, res);
  }
}

TEST(ArchConformance, LossOfEmptyGroundTruthIsFinite) {
  for (const auto& p : architecture_plugins()) {
    SCOPED_TRACE(p.name);
    auto a = create_architecture(p);
    small_config(*a);
    const Graph g = a->build_graph();
    OutputBuffers out(g, 1), grad(g, 1);
    std::vector<Targets> targets{a->encode({})};
    auto gv = grad.mutable_views();
    const double l = a->loss(out.views(), targets, gv);
    EXPECT_TRUE(std::isfinite(l));
    EXPECT_GE(l, 0.0);
    // The ideal outputs of an empty image have (near) zero loss compared with zeros.
    auto iv = out.mutable_views();
    a->ideal_outputs(targets[0], iv);
    const double l_ideal = a->loss(out.views(), targets, gv);
    EXPECT_LE(l_ideal, l + 1e-9);
  }
}

}  // namespace
}  // namespace tinydet::testing
