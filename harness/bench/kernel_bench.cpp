// Kernel and graph benchmarks (Google Benchmark) on what the architecture plugins really
// run: every distinct Conv2D / FullyConnected / MaxPool shape of the fomo, tinyissimo_yolo
// and ssdlite_mobilenetv2 graphs at their default resolutions (3 classes, He-initialised
// weights, int8 quantised on random images; speed does not depend on the values), each
// op alone, and each whole graph run by LayerRunner (the `layer` executor's schedule).
// Rates are MAC/s of CPU time, per dtype, implementation and thread count (1 and all).
//
//   tinydet_kernel_bench                                    everything (long)
//   tinydet_kernel_bench --benchmark_filter='graph/'        whole graphs only
//   tinydet_kernel_bench --benchmark_filter='conv/fomo/.*int8/fast/threads:1'
//   tinydet_kernel_bench --benchmark_filter='peak/'         the machine's int8 and requant rates
//   tinydet_kernel_bench --tinydet_breakdown [ARCH...]      where the time goes, per op group
//                                                           and per op (fast, 1 thread, CPU time)
//   tinydet_kernel_bench --tinydet_sqnr MODEL.tdm...        int8 SQNR of trained models, and
//                                                           their float noise sensitivity
//
// Plugins are found on $TINYDET_PLUGIN_PATH, then in the build tree's plugin folder.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "loader/plugin_loader.h"
#include "sqnr_diagnostics.h"
#include "tinydet/layer_runner.h"
#include "tinydet/quantize.h"
// Internal engine header: the requantisation epilogue every int8 conv output goes through.
#include "../src/engine/simd_requant.h"

namespace tinydet {
namespace {

constexpr int kClasses = 3;  // the synthetic dataset's circle, square, triangle

struct ArchGraphs {
  std::string arch;
  int resolution = 0;
  Graph float_graph, int8_graph;
};

std::vector<float> random_input(const Shape& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> px(0, 255);
  std::vector<float> v(size_t(s.elements()));
  for (float& x : v) x = float(px(rng)) / 255.f;
  return v;
}

PluginRegistry& registry() {
  static PluginRegistry r = [] {
    PluginSearchOptions opt;
    opt.default_dirs.emplace_back(TINYDET_BUILD_PLUGIN_DIR);
    return load_plugins(opt);
  }();
  return r;
}

/// The plugin's inference graphs at its default resolution, or nullptr (with a message)
/// when the plugin is not found.
const ArchGraphs* arch_graphs(const std::string& name) {
  static std::map<std::string, std::unique_ptr<ArchGraphs>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  std::unique_ptr<ArchGraphs> out;
  if (!registry().find(PluginKind::Architecture, name)) {
    std::fprintf(stderr, "tinydet_kernel_bench: architecture plugin '%s' not found: skipped\n", name.c_str());
  } else {
    ArchitectureHandle arch = registry().find_architecture(name);
    ArchConfig cfg;
    cfg.num_classes = kClasses;
    const int res = arch->default_resolution(cfg);
    cfg.input_h = cfg.input_w = res;
    arch->configure(cfg);
    Graph training = arch->build_graph();
    init_weights(training, 1);
    out = std::make_unique<ArchGraphs>();
    out->arch = name;
    out->resolution = res;
    out->float_graph = fold_for_inference(training);
    std::vector<std::vector<float>> calibration;
    for (uint64_t i = 0; i < 4; ++i) calibration.push_back(random_input(out->float_graph.input_shape(), 100 + i));
    out->int8_graph = quantize(out->float_graph, calibration);
  }
  return (cache[name] = std::move(out)).get();
}

const std::vector<std::string>& architectures() {
  static const std::vector<std::string> names = {"fomo", "tinyissimo_yolo", "ssdlite_mobilenetv2"};
  return names;
}

bool is_depthwise(const Graph& g, const Op& op) {
  return op.type == OpType::Conv2D && op.groups == g.shape(op.inputs[0]).c && op.groups == op.out_channels;
}

std::string shape_text(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

/// A benchmark label for an op's kind and shape, or "" for ops not benchmarked alone:
/// dw3x3s1_48x48x16, pw_48x48x8to48, conv3x3s2g1_96x96x3to16, fc_1452to3, maxpool2x2s2_88x88x16.
std::string op_label(const Graph& g, const Op& op) {
  const Shape& in = g.shape(op.inputs[0]);
  const std::string window = std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w) + "s" +
                             std::to_string(op.stride_h);
  const std::string to = "to" + std::to_string(op.out_channels);
  std::string label;
  switch (op.type) {
    case OpType::Conv2D:
      if (is_depthwise(g, op)) {
        label.append("dw").append(window).append("_").append(shape_text(in));
      } else if (op.kernel_h == 1 && op.kernel_w == 1 && op.stride_h == 1 && op.groups == 1) {
        label.append("pw_").append(shape_text(in)).append(to);
      } else {
        label.append("conv").append(window).append("g").append(std::to_string(op.groups));
        label.append("_").append(shape_text(in)).append(to);
      }
      break;
    case OpType::FullyConnected: label.append("fc_").append(std::to_string(in.elements())).append(to); break;
    case OpType::MaxPool: label.append("maxpool").append(window).append("_").append(shape_text(in)); break;
    default: break;
  }
  return label;
}

/// A graph holding op `i` of `g` alone (same weights, geometry and quant params).
Graph single_op_graph(const Graph& g, int i) {
  const Op& src = g.ops[size_t(i)];
  Graph one;
  one.quantized = g.quantized;
  one.tensors = {g.tensor(src.inputs[0]), g.tensor(src.output)};
  one.tensors[0].producer = -1;
  one.tensors[1].producer = 0;
  one.input = 0;
  Op op = src;
  op.inputs = {0};
  op.output = 1;
  one.ops.push_back(std::move(op));
  one.outputs.push_back({"out", 1});
  return one;
}

// --- benchmarks ------------------------------------------------------------------------

void set_rates(benchmark::State& state, int64_t macs, const Graph& g) {
  state.counters["MAC/s"] = benchmark::Counter(double(macs), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MACs"] = double(macs);
  state.counters["out_elements/s"] = benchmark::Counter(
      double(g.shape(g.outputs.at(0).tensor).elements()), benchmark::Counter::kIsIterationInvariantRate);
}

/// One op alone, run_op on plain buffers: the kernel, without arena bookkeeping.
void run_op_bench(benchmark::State& state, const Graph& g, DType dt, KernelImpl impl, int threads) {
  const Op& op = g.ops[0];
  const OpGeometry geo = geometry_of(g, 0);
  Int8OpParams q;
  if (dt == DType::Int8) q = prepare_int8(g, 0);
  const size_t bytes = size_t(dtype_bytes(dt));
  std::vector<uint8_t> in(size_t(geo.inputs[0].elements()) * bytes), out(size_t(geo.output.elements()) * bytes);
  const std::vector<float> x = random_input(geo.inputs[0], 7);
  if (dt == DType::Float32) std::memcpy(in.data(), x.data(), in.size());
  else float_to_int8_input(x.data(), x.size(), reinterpret_cast<int8_t*>(in.data()));
  std::vector<uint8_t> scratch(op_scratch_bytes(op, geo, dt, impl, false, threads) + 64);
  KernelContext ctx;
  ctx.impl = impl;
  ctx.threads = threads;
  ctx.scratch = scratch.data();
  ctx.scratch_bytes = scratch.size();
  const void* ins[1] = {in.data()};
  for (auto _ : state) {
    run_op(op, geo, dt, ins, out.data(), ctx, dt == DType::Int8 ? &q : nullptr);
    benchmark::ClobberMemory();
  }
  set_rates(state, g.total_stats().macs, g);
}

/// A whole graph in LayerRunner's planned arena (what the `layer` executor runs).
void graph_bench(benchmark::State& state, const Graph& g, DType dt, int threads) {
  LayerRunner runner;
  runner.prepare(g, dt, KernelImpl::Fast, threads);
  const std::vector<float> x = random_input(g.input_shape(), 7);
  std::vector<int8_t> qx(x.size());
  float_to_int8_input(x.data(), x.size(), qx.data());
  const void* input = dt == DType::Int8 ? static_cast<const void*>(qx.data()) : x.data();
  for (auto _ : state) {
    runner.invoke(input);
    benchmark::DoNotOptimize(runner.output(0));
  }
  set_rates(state, g.total_stats().macs, g);
  state.counters["arena_bytes"] = double(runner.plan().arena_bytes);
}

#ifdef TINYDET_HAVE_AVX512
/// The requantisation epilogue alone: 16 int32 accumulators to 16 int8 outputs.
void requant_bench(benchmark::State& state) {
  std::vector<int32_t> acc(4096);
  std::mt19937 rng(3);
  for (int32_t& a : acc) a = int32_t(rng() % 200000) - 100000;
  std::vector<int8_t> out(acc.size());
  alignas(64) int32_t mult[16], expo[16];
  for (int l = 0; l < 16; ++l) {
    quantize_multiplier(0.0007 + 0.0001 * l, &mult[l], &expo[l]);
    expo[l] = -expo[l];
  }
  const simd::RequantLanes lanes = simd::load_requant(mult, expo);
  int8::Requant r;
  r.output_zero_point = -128;
  r.act_min = -128;
  r.act_max = 127;
  const simd::OutputLanes o = simd::output_lanes(r);
  const simd::RequantLanes alpha = simd::alpha_lanes(r);
  for (auto _ : state) {
    for (size_t i = 0; i < acc.size(); i += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data() + i),
                       simd::requantize16(_mm512_loadu_si512(acc.data() + i), lanes, o, alpha));
    benchmark::ClobberMemory();
  }
  state.counters["outputs/s"] =
      benchmark::Counter(double(acc.size()), benchmark::Counter::kIsIterationInvariantRate);
}
#endif

#if defined(TINYDET_HAVE_AVX512) && defined(__AVX512VNNI__)
/// The int8 multiply-add peak of one core: independent chains of vpdpbusd (64 MACs each).
void vnni_peak_bench(benchmark::State& state) {
  __m512i acc[8];
  for (auto& a : acc) a = _mm512_setzero_si512();
  const __m512i x = _mm512_set1_epi32(0x01020304), w = _mm512_set1_epi32(0x01FF01FF);
  constexpr int kSteps = 1024;
  for (auto _ : state) {
    for (int s = 0; s < kSteps; ++s)
      for (auto& a : acc) a = _mm512_dpbusd_epi32(a, x, w);
    benchmark::DoNotOptimize(acc);
  }
  state.counters["MAC/s"] = benchmark::Counter(64.0 * 8 * kSteps, benchmark::Counter::kIsIterationInvariantRate);
}
#endif

void register_benchmarks() {
  const int all = int(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int> thread_counts = {1};
  if (all > 1) thread_counts.push_back(all);
#ifdef TINYDET_HAVE_AVX512
  benchmark::RegisterBenchmark("peak/requantize16", requant_bench);
#endif
#if defined(TINYDET_HAVE_AVX512) && defined(__AVX512VNNI__)
  benchmark::RegisterBenchmark("peak/vpdpbusd_zmm", vnni_peak_bench);
#endif
  for (const std::string& name : architectures()) {
    const ArchGraphs* a = arch_graphs(name);
    if (!a) continue;
    for (DType dt : {DType::Int8, DType::Float32}) {
      const Graph& g = dt == DType::Int8 ? a->int8_graph : a->float_graph;
      for (int threads : thread_counts) {
        const std::string bench = "graph/" + name + "@" + std::to_string(a->resolution) + "/" +
                                  dtype_name(dt) + "/fast/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(bench.c_str(), [&g, dt, threads](benchmark::State& st) {
          graph_bench(st, g, dt, threads);
        })->Unit(benchmark::kMicrosecond);
      }
      std::map<std::string, int> seen;  // label -> op id (first op of that shape)
      for (int i = 0; i < int(g.ops.size()); ++i) {
        const std::string label = op_label(g, g.ops[size_t(i)]);
        if (!label.empty()) seen.emplace(label, i);
      }
      for (const auto& [label, op] : seen) {
        auto one = std::make_shared<Graph>(single_op_graph(g, op));
        for (KernelImpl impl : {KernelImpl::Fast, KernelImpl::Reference})
          for (int threads : thread_counts) {
            if (impl == KernelImpl::Reference && threads > 1) continue;  // reference is serial
            const std::string bench = "conv/" + name + "/" + label + "/" + dtype_name(dt) + "/" +
                                      (impl == KernelImpl::Fast ? "fast" : "reference") +
                                      "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(bench.c_str(), [one, dt, impl, threads](benchmark::State& st) {
              run_op_bench(st, *one, dt, impl, threads);
            })->Unit(benchmark::kMicrosecond);
          }
      }
    }
  }
}

// --- where the time goes ----------------------------------------------------------------

/// The group an op's time is reported under.
std::string op_group(const Graph& g, const Op& op) {
  const std::string k = std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w);
  switch (op.type) {
    case OpType::Conv2D:
      if (is_depthwise(g, op)) return "depthwise " + k;
      if (op.kernel_h == 1 && op.kernel_w == 1) return "1x1 conv";
      if (op.inputs[0] == g.input) return "first conv " + k + " (stem)";
      return "dense conv " + k;
    default: return op_type_name(op.type);
  }
}

void print_breakdown(const ArchGraphs& a, DType dt, int repeats) {
  const Graph& g = dt == DType::Int8 ? a.int8_graph : a.float_graph;
  const std::vector<LayerProfileRow> rows = profile_layers(g, dt, KernelImpl::Fast, 1, repeats);
  struct Group {
    double us = 0;
    int64_t macs = 0;
    int ops = 0;
  };
  std::map<std::string, Group> groups;
  double total = 0;
  for (const LayerProfileRow& r : rows) {
    Group& gr = groups[op_group(g, g.ops[size_t(r.op)])];
    gr.us += r.cpu_micros;
    gr.macs += r.macs;
    ++gr.ops;
    total += r.cpu_micros;
  }
  const int64_t macs = g.total_stats().macs;
  std::printf("%s@%d %s, fast kernels, 1 thread, LayerRunner, CPU time per invoke (mean of %d): "
              "%.1f us, %.3f MMAC, %.2f GMAC/s\n",
              a.arch.c_str(), a.resolution, dtype_name(dt), repeats, total, double(macs) / 1e6,
              double(macs) / (total * 1e3));
  std::printf("  %-26s %4s %9s %7s %9s %8s\n", "group", "ops", "us", "share", "MMAC", "GMAC/s");
  for (const auto& [name, gr] : groups)
    std::printf("  %-26s %4d %9.1f %6.1f%% %9.3f %8.2f\n", name.c_str(), gr.ops, gr.us, 100.0 * gr.us / total,
                double(gr.macs) / 1e6, gr.us > 0 ? double(gr.macs) / (gr.us * 1e3) : 0.0);
  std::printf("  %-30s %-12s %-11s %9s %9s %8s\n", "op", "group", "output", "us", "MMAC", "GMAC/s");
  for (const LayerProfileRow& r : rows)
    std::printf("  %-30s %-12s %-11s %9.2f %9.3f %8.2f\n", r.name.substr(0, 30).c_str(),
                op_group(g, g.ops[size_t(r.op)]).substr(0, 12).c_str(), shape_text(r.output).c_str(),
                r.cpu_micros, double(r.macs) / 1e6, r.cpu_micros > 0 ? double(r.macs) / (r.cpu_micros * 1e3) : 0.0);
}

int breakdown(const std::vector<std::string>& wanted) {
  constexpr int kRepeats = 300;
  for (const std::string& name : wanted.empty() ? architectures() : wanted) {
    const ArchGraphs* a = arch_graphs(name);
    if (!a) return 1;
    print_breakdown(*a, DType::Int8, kRepeats);
    print_breakdown(*a, DType::Float32, kRepeats);
  }
  return 0;
}

}  // namespace
}  // namespace tinydet

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--tinydet_sqnr") == 0)
      return tinydet::bench::sqnr_diagnostics(std::vector<std::string>(argv + i + 1, argv + argc));
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--tinydet_breakdown") == 0) {
      std::vector<std::string> wanted(argv + i + 1, argv + argc);
      try {
        return tinydet::breakdown(wanted);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "tinydet_kernel_bench: %s\n", e.what());
        return 1;
      }
    }
  tinydet::register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
