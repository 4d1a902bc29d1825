// Memory and latency of one prepared executor: the "memory" and "latency" blocks of a
// results cell, shared by `tinydet run` (every cell) and `tinydet bench` (one model).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "suite/latency.h"
#include "tinydet/architecture.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/executor.h"

namespace tinydet::suite {

/// The memory figures of the prepared executor `ex`: arena, lower bound, scratch, flash,
/// the arena high-water mark, the growth of the process heap during inference, the
/// process's peak RSS, MACs, and the executor's own figures under "executor". Runs two
/// invokes of `input` first (heap_growth_bytes in executor.h: a warm-up, which also records
/// the high-water mark, and a measured one).
nlohmann::json memory_json(Executor& ex, const void* input);

/// Images to time with: decoded originals (what preprocessing starts from) and, for each,
/// the network input made from it in the executor's dtype.
struct LatencyImages {
  std::vector<data::SourceImage> sources;
  std::vector<std::vector<uint8_t>> inputs;
};

struct StageLatency {
  LatencyStats preprocess, network, decode;
};
/// {"threads", "network_ms", "preprocess_ms", "decode_ms"}.
nlohmann::json to_json(const StageLatency& s, int threads);

/// Times the three stages separately with Google Benchmark (see latency.h), cycling over
/// the images: preprocessing (resize with the architecture's mode and input conversion),
/// the network (`ex.invoke`) and decoding of the outputs. `ex` is prepared on `g` in
/// `dtype` at input size w x h. `name` prefixes the benchmark names.
StageLatency measure_stage_latency(const std::string& name, Executor& ex, const Architecture& arch,
                                   const Graph& g, DType dtype, const LatencyImages& images,
                                   const DecodeOptions& decode, int repetitions, double min_time_s);

}  // namespace tinydet::suite
