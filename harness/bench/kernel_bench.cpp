// Kernel benchmarks (Google Benchmark, explicit registration): throughput in MAC/s of the
// convolution shapes the three architectures use, per dtype, implementation and thread
// count, plus the whole FOMO MobileNetV2-0.35 graph at 96x96 run op by op.
//
//   tinydet_kernel_bench                         all benchmarks
//   tinydet_kernel_bench --benchmark_filter=int8/fast
//   tinydet_kernel_bench --tinydet_breakdown     per-op-type time of the FOMO graph (int8
//                                                and float, fast, one thread), then exit
#include <benchmark/benchmark.h>

#include <ctime>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tinydet/graph.h"
#include "tinydet/graph_builder.h"
#include "tinydet/kernels.h"
#include "tinydet/quantize.h"
// The shared MobileNetV2 builder is compiled into the plugins that use it, not into the
// SDK; the benchmark compiles its own copy so it measures the very graph FOMO builds.
#include "../../plugins/common/mobilenet_v2.cpp"  // NOLINT(bugprone-suspicious-include)

namespace tinydet {
namespace {

// --- single convolutions ---------------------------------------------------------------

struct ConvShape {
  const char* arch;
  const char* what;
  Shape in;
  int out_c, kernel, stride, groups;  // groups 0: depthwise; -1: a max pool (no MACs)
};

// FOMO = MobileNetV2 alpha 0.35 at 96x96 (cut at block_6_expand_relu); TinyissimoYOLO at
// 88x88 (3x3 dense convs); SSDLite MobileNetV2-0.35 at 160x160 (stride 8 and 16 layers).
const ConvShape kShapes[] = {
    {"fomo", "conv3x3s2_3to16_96", {96, 96, 3}, 16, 3, 2, 1},
    {"fomo", "dw3x3s1_16_48", {48, 48, 16}, 16, 3, 1, 0},
    {"fomo", "pw_16to8_48", {48, 48, 16}, 8, 1, 1, 1},
    {"fomo", "pw_8to48_48", {48, 48, 8}, 48, 1, 1, 1},
    {"fomo", "dw3x3s2_48_48", {48, 48, 48}, 48, 3, 2, 0},
    {"fomo", "pw_48to8_24", {24, 24, 48}, 8, 1, 1, 1},
    {"fomo", "dw3x3s1_48_24", {24, 24, 48}, 48, 3, 1, 0},
    {"fomo", "pw_48to16_12", {12, 12, 48}, 16, 1, 1, 1},
    {"fomo", "pw_16to96_12", {12, 12, 16}, 96, 1, 1, 1},
    {"fomo", "dw3x3s1_96_12", {12, 12, 96}, 96, 3, 1, 0},
    {"fomo", "pw_96to16_12", {12, 12, 96}, 16, 1, 1, 1},
    {"tinyissimo", "conv3x3_3to16_88", {88, 88, 3}, 16, 3, 1, 1},
    {"tinyissimo", "conv3x3_16to32_44", {44, 44, 16}, 32, 3, 1, 1},
    {"tinyissimo", "conv3x3_32to64_22", {22, 22, 32}, 64, 3, 1, 1},
    {"tinyissimo", "conv3x3_64to128_11", {11, 11, 64}, 128, 3, 1, 1},
    {"tinyissimo", "conv3x3_128to128_11", {11, 11, 128}, 128, 3, 1, 1},
    {"tinyissimo", "maxpool2x2_16_88", {88, 88, 16}, 16, 2, 2, -1},
    {"ssdlite", "dw3x3s1_144_20", {20, 20, 144}, 144, 3, 1, 0},
    {"ssdlite", "pw_32to192_10", {10, 10, 32}, 192, 1, 1, 1},
    {"ssdlite", "dw3x3s1_192_10", {10, 10, 192}, 192, 3, 1, 0},
    {"ssdlite", "pw_192to32_10", {10, 10, 192}, 32, 1, 1, 1},
};

/// A one-conv quantized graph with random weights.
Graph conv_graph(const ConvShape& s) {
  GraphBuilder b(s.in);
  ConvOptions opt;
  opt.bn = false;
  opt.bias = true;
  int y = -1;
  if (s.groups < 0) y = b.max_pool(b.input(), s.kernel, s.stride, "pool");
  else if (s.groups == 0) y = b.depthwise(b.input(), s.kernel, s.stride, Act::ReLU6, "conv", opt);
  else y = b.conv2d(b.input(), s.out_c, s.kernel, s.stride, Act::ReLU6, "conv", opt);
  b.mark_output(y, "out");
  Graph g = b.finish();
  init_weights(g, 1);
  return g;
}

std::vector<float> random_input(const Shape& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(0.f, 1.f);
  std::vector<float> v(size_t(s.elements()));
  for (float& x : v) x = d(rng);
  return v;
}

Graph quantized(const Graph& g) {
  std::vector<std::vector<float>> calib;
  for (uint64_t i = 0; i < 2; ++i) calib.push_back(random_input(g.input_shape(), 100 + i));
  return quantize(g, calib);
}

/// Buffers for running a graph op by op (one buffer per tensor; no arena planning: this
/// measures the kernels).
struct GraphRun {
  const Graph* g = nullptr;
  DType dtype = DType::Float32;
  KernelContext ctx;
  std::vector<std::vector<uint8_t>> tensors;
  std::vector<uint8_t> scratch;
  std::vector<OpGeometry> geo;
  std::vector<Int8OpParams> q;

  GraphRun(const Graph& graph, DType dt, KernelImpl impl, int threads) : g(&graph), dtype(dt) {
    size_t most = 0;
    for (const Tensor& t : graph.tensors)
      tensors.emplace_back(size_t(t.shape.elements()) * dtype_bytes(dt), uint8_t(0));
    for (size_t i = 0; i < graph.ops.size(); ++i) {
      geo.push_back(geometry_of(graph, int(i)));
      most = std::max(most, op_scratch_bytes(graph.ops[i], geo.back(), dt, impl));
      if (dt == DType::Int8) q.push_back(prepare_int8(graph, int(i)));
    }
    scratch.resize(most + 64);
    ctx.impl = impl;
    ctx.threads = threads;
    ctx.scratch = scratch.data();
    ctx.scratch_bytes = scratch.size();
    const std::vector<float> x = random_input(graph.input_shape(), 7);
    auto& in = tensors[size_t(graph.input)];
    if (dt == DType::Float32) std::memcpy(in.data(), x.data(), in.size());
    else
      for (size_t i = 0; i < x.size(); ++i) in[i] = uint8_t(int8_t(std::lround(x[i] * 255.f) - 128));
  }

  void run_op_at(size_t i) {
    const Op& op = g->ops[i];
    const void* ins[4] = {};
    for (size_t k = 0; k < op.inputs.size() && k < 4; ++k) ins[k] = tensors[size_t(op.inputs[k])].data();
    run_op(op, geo[i], dtype, ins, tensors[size_t(op.output)].data(), ctx,
           dtype == DType::Int8 ? &q[i] : nullptr);
  }
  void run_all() {
    for (size_t i = 0; i < g->ops.size(); ++i) run_op_at(i);
  }
};

int64_t graph_macs(const Graph& g) { return g.total_stats().macs; }

void run_graph_bench(benchmark::State& state, const Graph& g, DType dt, KernelImpl impl,
                     int threads) {
  GraphRun run(g, dt, impl, threads);
  for (auto _ : state) {
    run.run_all();
    benchmark::ClobberMemory();
  }
  state.counters["MAC/s"] =
      benchmark::Counter(double(graph_macs(g)) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["MACs"] = double(graph_macs(g));
  state.counters["out_elements/s"] = benchmark::Counter(
      double(g.shape(g.outputs.at(0).tensor).elements()) * double(state.iterations()),
      benchmark::Counter::kIsRate);
}

/// The whole MobileNetV2-0.35 backbone (through Conv_1, 1280 channels) at 160x160: the
/// feature extractor SSDLite runs.
const Graph& backbone160_float_graph() {
  static const Graph g = [] {
    GraphBuilder b(Shape{160, 160, 3});
    mobilenet::MobileNetV2Options mo;
    mo.alpha = 0.35f;
    const auto f = mobilenet::build_mobilenet_v2(b, b.input(), mo);
    b.mark_output(f.output, "features");
    Graph raw = b.finish();
    init_weights(raw, 4);
    return fold_for_inference(raw);
  }();
  return g;
}

const Graph& backbone160_int8_graph() {
  static const Graph g = quantized(backbone160_float_graph());
  return g;
}

const Graph& fomo_float_graph() {
  static const Graph g = [] {
    GraphBuilder b(Shape{96, 96, 3});
    mobilenet::MobileNetV2Options mo;
    mo.alpha = 0.35f;
    mo.stop_at = "block_6_expand_relu";
    const auto f = mobilenet::build_mobilenet_v2(b, b.input(), mo);
    ConvOptions head;
    head.bn = false;
    head.bias = true;
    int x = b.conv2d(f.output, 32, 1, 1, Act::ReLU, "head_conv", head);
    x = b.conv2d(x, 3, 1, 1, Act::None, "head_logits", head);
    b.mark_output(x, "logits");
    Graph raw = b.finish();
    init_weights(raw, 3);
    return fold_for_inference(raw);
  }();
  return g;
}

const Graph& fomo_int8_graph() {
  static const Graph g = quantized(fomo_float_graph());
  return g;
}

std::string op_kind(const Op& op, const OpGeometry& geo) {
  if (op.type == OpType::Conv2D) {
    if (op.groups == geo.inputs[0].c && op.groups == op.out_channels) return "Conv2D depthwise";
    if (op.kernel_h == 1 && op.kernel_w == 1) return "Conv2D pointwise";
    return "Conv2D dense " + std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w);
  }
  return op_type_name(op.type);
}

// CPU time of this thread: the machine is shared, so wall time would count other
// processes' time slices (Google Benchmark's rates above also use CPU time).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

void print_breakdown(const char* title, const Graph& g, DType dt) {
  GraphRun run(g, dt, KernelImpl::Fast, 1);
  constexpr int kRuns = 300;
  for (int i = 0; i < 20; ++i) run.run_all();  // warm up
  std::map<std::string, double> seconds;
  std::map<std::string, int64_t> macs;
  std::vector<double> per_op(g.ops.size(), 0.0);
  for (int r = 0; r < kRuns; ++r)
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const double t0 = thread_cpu_seconds();
      run.run_op_at(i);
      per_op[i] += thread_cpu_seconds() - t0;
    }
  double total = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const std::string kind = op_kind(g.ops[i], run.geo[i]);
    seconds[kind] += per_op[i] / kRuns;
    macs[kind] += g.op_stats(int(i)).macs;
    total += per_op[i] / kRuns;
  }
  std::printf("%s, %s, fast, 1 thread, CPU time: %.3f ms, %.2f MMAC, %.2f GMAC/s\n", title,
              dtype_name(dt), total * 1e3, double(graph_macs(g)) / 1e6,
              double(graph_macs(g)) / total / 1e9);
  std::printf("  %-20s %9s %7s %9s %8s\n", "op type", "ms", "share", "MMAC", "GMAC/s");
  for (const auto& [kind, s] : seconds)
    std::printf("  %-20s %9.4f %6.1f%% %9.3f %8.2f\n", kind.c_str(), s * 1e3, 100.0 * s / total,
                double(macs[kind]) / 1e6, s > 0 ? double(macs[kind]) / s / 1e9 : 0.0);
}

void register_benchmarks() {
  const int all = int(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int> thread_counts = {1};
  if (all > 1) thread_counts.push_back(all);
  for (DType dt : {DType::Int8, DType::Float32})
    for (KernelImpl impl : {KernelImpl::Fast, KernelImpl::Reference})
      for (int threads : thread_counts) {
        if (impl == KernelImpl::Reference && threads > 1) continue;  // reference is serial
        const std::string suffix = std::string(dtype_name(dt)) + "/" +
                                   (impl == KernelImpl::Fast ? "fast" : "reference") +
                                   "/threads:" + std::to_string(threads);
        for (const ConvShape& s : kShapes) {
          const std::string name = std::string("conv/") + s.arch + "/" + s.what + "/" + suffix;
          benchmark::RegisterBenchmark(name.c_str(), [s, dt, impl, threads](benchmark::State& st) {
            static std::map<std::string, Graph> cache;
            const std::string key = std::string(s.what) + dtype_name(dt);
            auto it = cache.find(key);
            if (it == cache.end()) {
              Graph g = conv_graph(s);
              it = cache.emplace(key, dt == DType::Int8 ? quantized(g) : g).first;
            }
            run_graph_bench(st, it->second, dt, impl, threads);
          })->Unit(benchmark::kMicrosecond);
        }
        const std::string name = "graph/fomo_mobilenetv2_035_96/" + suffix;
        benchmark::RegisterBenchmark(name.c_str(), [dt, impl, threads](benchmark::State& st) {
          run_graph_bench(st, dt == DType::Int8 ? fomo_int8_graph() : fomo_float_graph(), dt, impl,
                          threads);
        })->Unit(benchmark::kMicrosecond);
        const std::string backbone = "graph/mobilenetv2_035_160_backbone/" + suffix;
        benchmark::RegisterBenchmark(backbone.c_str(), [dt, impl, threads](benchmark::State& st) {
          run_graph_bench(st, dt == DType::Int8 ? backbone160_int8_graph() : backbone160_float_graph(),
                          dt, impl, threads);
        })->Unit(benchmark::kMicrosecond);
      }
}

}  // namespace
}  // namespace tinydet

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--tinydet_breakdown") == 0) {
      using tinydet::DType;
      const char* fomo = "FOMO MobileNetV2-0.35 96x96";
      const char* backbone = "MobileNetV2-0.35 backbone 160x160";
      tinydet::print_breakdown(fomo, tinydet::fomo_int8_graph(), DType::Int8);
      tinydet::print_breakdown(fomo, tinydet::fomo_float_graph(), DType::Float32);
      tinydet::print_breakdown(backbone, tinydet::backbone160_int8_graph(), DType::Int8);
      tinydet::print_breakdown(backbone, tinydet::backbone160_float_graph(), DType::Float32);
      return 0;
    }
  tinydet::register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
