// Executor benchmarks (Google Benchmark): whole-graph latency of the layer-by-layer
// schedule (LayerRunner, as the `layer` executor plugin runs it) on the FOMO-style
// MobileNetV2-0.35 at 96x96 cut at block_6_expand_relu with FOMO's 1x1 heads.
//
//   tinydet_kernel_bench --benchmark_filter=executor/
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "tinydet/graph_builder.h"
#include "tinydet/layer_runner.h"
#include "tinydet/quantize.h"
// build_mobilenet_v2 is compiled into this executable once, by kernel_bench.cpp (which
// includes plugins/common/mobilenet_v2.cpp); only the declaration is needed here.
#include "../../plugins/common/mobilenet_v2.h"

namespace tinydet {
namespace {

Graph fomo_style_float_graph() {
  GraphBuilder b(Shape{96, 96, 3});
  mobilenet::MobileNetV2Options opt;
  opt.alpha = 0.35f;
  opt.stop_at = "block_6_expand_relu";
  int x = mobilenet::build_mobilenet_v2(b, b.input(), opt).output;
  ConvOptions head;
  head.bn = false;
  head.bias = true;
  x = b.conv2d(x, 32, 1, 1, Act::ReLU, "head_conv", head);
  x = b.conv2d(x, 3, 1, 1, Act::None, "head_logits", head);
  b.mark_output(x, "heatmap");
  Graph g = b.finish();
  init_weights(g, 1);
  return fold_for_inference(g);
}

std::vector<std::vector<float>> random_images(const Shape& s, int n) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> px(0, 255);
  std::vector<std::vector<float>> out(size_t(n), std::vector<float>(size_t(s.elements())));
  for (auto& img : out)
    for (float& v : img) v = float(px(rng)) / 255.f;
  return out;
}

void BM_executor_layer_fomo(benchmark::State& state) {
  const DType dtype = state.range(0) ? DType::Int8 : DType::Float32;
  const int threads = int(state.range(1));
  static const Graph float_graph = fomo_style_float_graph();
  static const std::vector<std::vector<float>> images = random_images(float_graph.input_shape(), 8);
  static const Graph int8_graph = quantize(float_graph, images);
  LayerRunner runner;
  runner.prepare(dtype == DType::Int8 ? int8_graph : float_graph, dtype, KernelImpl::Fast, threads);
  std::vector<int8_t> qin(images[0].size());
  float_to_int8_input(images[0].data(), qin.size(), qin.data());
  const void* input = dtype == DType::Int8 ? static_cast<const void*>(qin.data()) : images[0].data();
  for (auto _ : state) {
    runner.invoke(input);
    benchmark::DoNotOptimize(runner.output(0));
  }
  const double macs = double(float_graph.total_stats().macs);
  state.counters["MAC/s"] = benchmark::Counter(macs, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["arena_bytes"] = double(runner.plan().arena_bytes);
  state.SetLabel(std::string(dtype_name(dtype)) + " fast, " + std::to_string(threads) + " thread(s)");
}

BENCHMARK(BM_executor_layer_fomo)
    ->Name("executor/layer/fomo_mbv2_0.35_96")
    ->ArgNames({"int8", "threads"})
    ->Args({1, 1})
    ->Args({0, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tinydet
