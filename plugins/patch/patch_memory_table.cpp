// patch_memory_table: the patch executor's memory figures for the MobileNetV2-based
// architectures (issue #7's benchmark), and for the bare MobileNetV2 classifier that
// MCUNetV2 reports (ARCH "mobilenet_v2"). For each architecture × width × resolution it
// prints the layer-by-layer arena, the patch-based arena, the reduction factor, the halo
// MAC overhead and the chosen split and grid, with the graph input in the arena (the
// executor's default, TFLite Micro's accounting) and read externally (MCUNetV2's).
//
//   patch_memory_table                       the default table
//   patch_memory_table --classes 3           head size (default 3, the synthetic dataset's)
//   patch_memory_table --case ARCH:ALPHA:RES [--input arena|external] [--candidates] [--detail]
//       one configuration; --candidates lists every split × grid, --detail prints both
//       phases' plans of the chosen one.
//
// Memory is planned, not measured here (the executor's tests check the plan against the
// written high-water mark). Weights are He-initialised and calibrated on random images:
// the plan depends on shapes only.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "loader/plugin_loader.h"
#include "mobilenet_v2.h"
#include "patch_plan.h"
#include "tinydet/architecture.h"
#include "tinydet/graph_builder.h"
#include "tinydet/quantize.h"

using namespace tinydet;

namespace {

// Not a plugin: the bare MobileNetV2 classifier, built here.
constexpr const char* kClassifier = "mobilenet_v2";

struct Case {
  std::string arch;
  std::string alpha;
  int res = 0;
};

/// The build's plugins only ($TINYDET_PLUGIN_PATH is not read: the figures are this tree's).
PluginRegistry& registry() {
  static PluginRegistry r = load_plugins({.plugin_dirs = {}, .use_environment = false,
                                          .default_dirs = {TINYDET_BUILD_PLUGIN_DIR}, .strict = false});
  return r;
}

/// MCUNetV2's MobileNetV2 figure is for the ImageNet classifier: the backbone through
/// Conv_1, global average pooling and a 1000-way fully connected layer.
Graph mobilenet_v2_classifier(int res, float alpha) {
  GraphBuilder b({res, res, 3});
  const auto f = mobilenet::build_mobilenet_v2(b, b.input(), {alpha, "", ""});
  const int pooled = b.global_avg_pool(f.output, "pool");
  b.mark_output(b.fully_connected(pooled, 1000, Act::None, "logits"), "logits");
  return b.finish();
}

Graph int8_graph(const Case& c, int classes) {
  Graph training;
  if (c.arch == kClassifier) {
    training = mobilenet_v2_classifier(c.res, std::stof(c.alpha));
  } else {
    ArchitectureHandle arch = registry().find_architecture(c.arch);
    ArchConfig cfg;
    cfg.num_classes = classes;
    cfg.input_h = cfg.input_w = c.res;
    cfg.options["alpha"] = c.alpha;
    arch->configure(cfg);
    training = arch->build_graph();
  }
  init_weights(training, 1);
  const Graph inference = fold_for_inference(training);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<std::vector<float>> calibration(2, std::vector<float>(size_t(inference.input_shape().elements())));
  for (auto& image : calibration)
    for (float& v : image) v = u(rng);
  return quantize(inference, calibration);
}

std::string shape_text(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

void print_row(const Case& c, const Graph& g, const patch::PatchPlan& p, bool input_in_arena) {
  const std::string split = g.ops[size_t(p.split_op)].name + " " + shape_text(g.shape(p.split_tensor));
  std::printf("| %s | %s | %d | %s | %zu | %zu | %.2fx | %.1f%% | %s | %dx%d | %zu | %zu |\n",
              c.arch.c_str(), c.alpha.c_str(), c.res, input_in_arena ? "arena" : "external",
              p.layer_by_layer_bytes, p.arena_bytes, p.reduction_factor(), p.mac_overhead_percent(),
              split.c_str(), p.patches, p.patches, p.patch_phase_bytes, p.later_phase_bytes);
}

void print_header() {
  std::printf("| arch | alpha | res | input | layer-by-layer B | patch arena B | reduction | MAC overhead "
              "| split (output) | grid | patch phase B | later phase B |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
}

void list_candidates(const Graph& g, bool input_in_arena) {
  std::printf("%-32s %-12s %4s %12s %12s %12s %8s %9s\n", "split", "output", "grid", "patch_phase",
              "later_phase", "arena", "reduct", "MAC_ovh%");
  for (int s = 0; s + 1 < int(g.ops.size()); ++s) {
    if (!patch::is_valid_split(g, s)) continue;
    for (int n : {2, 3, 4}) {
      patch::PatchPlanOptions opt;
      opt.split = g.ops[size_t(s)].name;
      opt.patches = n;
      opt.input_in_arena = input_in_arena;
      try {
        const auto p = patch::plan_patches(g, opt);
        std::printf("%-32s %-12s %4d %12zu %12zu %12zu %7.2fx %8.1f%%\n", opt.split.substr(0, 32).c_str(),
                    shape_text(g.shape(p.split_tensor)).c_str(), n, p.patch_phase_bytes,
                    p.later_phase_bytes, p.arena_bytes, p.reduction_factor(), p.mac_overhead_percent());
      } catch (const std::invalid_argument&) {
      }
    }
  }
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "patch_memory_table: %s\nusage: patch_memory_table [--classes N] [--case ARCH:ALPHA:RES "
               "[--input arena|external] [--candidates] [--detail]]\n",
               why);
  std::exit(2);
}

Case parse_case(const std::string& text) {
  const size_t a = text.find(':'), b = text.rfind(':');
  if (a == std::string::npos || a == b) usage(("--case wants ARCH:ALPHA:RES, got '" + text + "'").c_str());
  Case c{text.substr(0, a), text.substr(a + 1, b - a - 1), std::atoi(text.c_str() + b + 1)};
  if (c.res <= 0) usage(("--case: bad resolution in '" + text + "'").c_str());
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  int classes = 3;
  std::vector<Case> cases;
  std::vector<bool> inputs = {true, false};
  bool candidates = false, detail = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage((arg + " needs a value").c_str());
      return argv[++i];
    };
    if (arg == "--classes") classes = std::atoi(value().c_str());
    else if (arg == "--case") cases.push_back(parse_case(value()));
    else if (arg == "--input") {
      const std::string v = value();
      if (v != "arena" && v != "external") usage("--input must be arena or external");
      inputs = {v == "arena"};
    } else if (arg == "--candidates") candidates = true;
    else if (arg == "--detail") detail = true;
    else usage(("unknown argument '" + arg + "'").c_str());
  }
  if (classes <= 0) usage("--classes must be positive");
  if (cases.empty())
    cases = {{"ssdlite_mobilenetv2", "0.35", 160}, {"ssdlite_mobilenetv2", "0.35", 224},
             {"ssdlite_mobilenetv2", "1.0", 160},  {"ssdlite_mobilenetv2", "1.0", 224},
             {"ssdlite_mobilenetv2", "1.0", 320},
             {"fomo", "0.35", 160},                {"fomo", "0.35", 224},
             {kClassifier, "1.0", 224}};
  try {
    if (!candidates && !detail) print_header();
    for (const Case& c : cases) {
      const Graph g = int8_graph(c, classes);
      for (bool in_arena : inputs) {
        patch::PatchPlanOptions opt;
        opt.input_in_arena = in_arena;
        const auto plan = patch::plan_patches(g, opt);
        if (candidates || detail) {
          std::printf("== %s alpha %s @%d, input %s\n", c.arch.c_str(), c.alpha.c_str(), c.res,
                      in_arena ? "arena" : "external");
          if (candidates) list_candidates(g, in_arena);
          if (detail) std::printf("%s", patch::describe(g, plan, true).c_str());
        } else {
          print_row(c, g, plan, in_arena);
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "patch_memory_table: %s\n", e.what());
    return 1;
  }
  return 0;
}
