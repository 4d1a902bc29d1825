#include "suite/performance.h"

#include <benchmark/benchmark.h>

#include <stdexcept>

#include "suite/pipeline.h"
#include "suite/run_context.h"

namespace tinydet::suite {

using nlohmann::json;

json memory_json(Executor& ex, const void* input) {
  const long long heap_growth = heap_growth_bytes(ex, input);
  const MemoryReport mem = ex.memory();
  json extra = json::object();
  for (const auto& [name, value] : mem.extra) extra[name] = value;
  json j = {{"arena_bytes", mem.arena_bytes},
            {"arena_lower_bound_bytes", mem.arena_lower_bound_bytes},
            {"scratch_bytes", mem.scratch_bytes},
            {"flash_bytes", mem.flash_bytes},
            {"high_water_bytes", mem.high_water_bytes},
            {"heap_growth_bytes", heap_growth},
            {"peak_rss_bytes", peak_rss_bytes()},
            {"macs", mem.macs},
            {"executor", extra}};
  if (extra.contains("layer_by_layer_bytes"))
    j["layer_by_layer_arena_bytes"] = size_t(extra["layer_by_layer_bytes"].get<double>());
  return j;
}

json to_json(const StageLatency& s, int threads) {
  return {{"threads", threads},
          {"network_ms", to_json(s.network)},
          {"preprocess_ms", to_json(s.preprocess)},
          {"decode_ms", to_json(s.decode)}};
}

StageLatency measure_stage_latency(const std::string& name, Executor& ex, const Architecture& arch,
                                   const Graph& g, DType dtype, const LatencyImages& images,
                                   const DecodeOptions& decode, int repetitions, double min_time_s) {
  if (images.sources.empty() || images.inputs.empty())
    throw std::invalid_argument("latency: no images to time with");
  const Shape& in = g.input_shape();
  const int w = in.w, h = in.h;
  const ResizeMode mode = arch.resize_mode();
  StageLatency s;
  size_t turn = 0;
  s.preprocess = measure_latency(
      name + "/preprocess",
      [&] {
        const auto& src = images.sources[turn++ % images.sources.size()];
        const auto t = data::make_resize_transform(src.rgb.cols, src.rgb.rows, w, h, mode);
        const cv::Mat net = data::apply_resize(src.rgb, t);
        auto input = make_input(net.ptr<uint8_t>(), size_t(w) * h * 3, dtype);
        benchmark::DoNotOptimize(input.data());
      },
      repetitions, min_time_s);
  s.network = measure_latency(
      name + "/network", [&] { ex.invoke(images.inputs[turn++ % images.inputs.size()].data()); },
      repetitions, min_time_s);
  s.decode = measure_latency(
      name + "/decode",
      [&] {
        auto dets = decode_outputs(arch, g, read_outputs(ex, g, dtype), decode);
        benchmark::DoNotOptimize(dets.data());
      },
      repetitions, min_time_s);
  return s;
}

}  // namespace tinydet::suite
