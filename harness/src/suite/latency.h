// Latency measurement with Google Benchmark, registered at run time for each cell.
//
// Each measured function is registered as a benchmark with `repetitions` repetitions of
// at least `min_time_s` each; a repetition's figure is its mean time per iteration. The
// median, 90th percentile (linear interpolation between repetitions) and standard
// deviation are taken over the repetitions. Units: milliseconds.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace tinydet::suite {

struct LatencyStats {
  double median_ms = 0, p90_ms = 0, stddev_ms = 0, mean_ms = 0, min_ms = 0;
  int repetitions = 0;
  int64_t iterations = 0;  // per repetition
};

nlohmann::json to_json(const LatencyStats& s);

/// Times `fn` (one call = one iteration). Not reentrant: Google Benchmark's registry is
/// process-wide; the benchmark is unregistered afterwards.
LatencyStats measure_latency(const std::string& name, const std::function<void()>& fn,
                             int repetitions, double min_time_s);

/// Median / percentile helpers over a sample (sorted copy; linear interpolation).
double percentile(std::vector<double> v, double p);

}  // namespace tinydet::suite
