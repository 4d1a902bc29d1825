#include "suite/latency.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace tinydet::suite {

namespace {

/// Collects the per-repetition runs and prints nothing.
class CollectingReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && !r.error_occurred) {
        // GetAdjustedRealTime is per iteration, in the run's time unit (ms here).
        times_ms.push_back(r.GetAdjustedRealTime());
        iterations = r.iterations;
      }
  }
  std::vector<double> times_ms;
  int64_t iterations = 0;
};

void initialise_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    int argc = 1;
    static char name[] = "tinydet";
    static char* argv[] = {name, nullptr};
    benchmark::Initialize(&argc, argv);
  });
}

}  // namespace

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * double(v.size() - 1);
  const size_t lo = size_t(std::floor(pos)), hi = size_t(std::ceil(pos));
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

nlohmann::json to_json(const LatencyStats& s) {
  return {{"median", s.median_ms}, {"p90", s.p90_ms},           {"stddev", s.stddev_ms},
          {"mean", s.mean_ms},     {"min", s.min_ms},           {"repetitions", s.repetitions},
          {"iterations_per_repetition", s.iterations}};
}

LatencyStats measure_latency(const std::string& name, const std::function<void()>& fn, int repetitions,
                             double min_time_s) {
  initialise_once();
  benchmark::ClearRegisteredBenchmarks();
  benchmark::RegisterBenchmark(name.c_str(),
                               [&fn](benchmark::State& state) {
                                 for (auto _ : state) fn();
                               })
      ->Repetitions(std::max(1, repetitions))
      ->MinTime(min_time_s)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::ClearRegisteredBenchmarks();
  if (reporter.times_ms.empty()) throw std::runtime_error("latency: benchmark '" + name + "' produced no runs");

  LatencyStats s;
  const auto& t = reporter.times_ms;
  s.repetitions = int(t.size());
  s.iterations = reporter.iterations;
  s.median_ms = percentile(t, 50);
  s.p90_ms = percentile(t, 90);
  s.mean_ms = std::accumulate(t.begin(), t.end(), 0.0) / double(t.size());
  double var = 0;
  for (double x : t) var += (x - s.mean_ms) * (x - s.mean_ms);
  s.stddev_ms = t.size() > 1 ? std::sqrt(var / double(t.size() - 1)) : 0.0;
  s.min_ms = *std::min_element(t.begin(), t.end());
  return s;
}

}  // namespace tinydet::suite
