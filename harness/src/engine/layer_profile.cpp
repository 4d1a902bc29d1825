// Per-op profiling of a LayerRunner: time per op, MACs, arena placement, and the table
// `tinydet info --profile` prints.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <stdexcept>

#include "tinydet/layer_runner.h"

namespace tinydet {

namespace {

double thread_cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return 1e6 * double(ts.tv_sec) + 1e-3 * double(ts.tv_nsec);
}

}  // namespace

std::vector<LayerProfileRow> LayerRunner::profile(const void* input, int repeats) {
  if (repeats < 1) throw std::invalid_argument("LayerRunner::profile: repeats must be >= 1");
  invoke(input);  // warm-up
  const int n = int(graph_.ops.size());
  std::vector<LayerProfileRow> rows(static_cast<size_t>(n));
  std::vector<double> total(static_cast<size_t>(n), 0.0), cpu(static_cast<size_t>(n), 0.0);
  for (int r = 0; r < repeats; ++r) {
    copy_input(input);
    for (int i = 0; i < n; ++i) {
      const double c0 = thread_cpu_micros();
      const auto t0 = std::chrono::steady_clock::now();
      run_one(i);
      const auto t1 = std::chrono::steady_clock::now();
      cpu[size_t(i)] += thread_cpu_micros() - c0;
      total[size_t(i)] += std::chrono::duration<double, std::micro>(t1 - t0).count();
    }
  }
  for (int i = 0; i < n; ++i) {
    const Op& op = graph_.ops[size_t(i)];
    LayerProfileRow& row = rows[size_t(i)];
    row.op = i;
    row.name = op.name;
    row.type = op.type;
    row.output = graph_.shape(op.output);
    row.micros = total[size_t(i)] / repeats;
    row.cpu_micros = cpu[size_t(i)] / repeats;
    row.macs = graph_.op_stats(i).macs;
    row.output_offset = plan_.tensor_offset[size_t(op.output)];
    row.output_bytes = plan_.tensor_bytes[size_t(op.output)];
    row.scratch_offset = plan_.op_scratch_offset[size_t(i)];
    row.scratch_bytes = plan_.op_scratch_size[size_t(i)];
    row.live_bytes = plan_.live_bytes_at_op[size_t(i)];
    row.in_place = plan_.op_in_place[size_t(i)] != 0;
    row.peak = i == plan_.peak_op;
  }
  return rows;
}

std::string format_profile(const std::vector<LayerProfileRow>& rows) {
  double total_us = 0;
  int64_t total_macs = 0;
  int slowest = -1;
  for (size_t i = 0; i < rows.size(); ++i) {
    total_us += rows[i].micros;
    total_macs += rows[i].macs;
    if (slowest < 0 || rows[i].micros > rows[size_t(slowest)].micros) slowest = int(i);
  }
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof line, "%4s  %-32s %-14s %-13s %10s %6s %12s %8s %10s %10s %9s %10s\n", "op",
                "name", "type", "output", "time_us", "%", "MACs", "GMAC/s", "offset", "out_bytes",
                "scratch", "live");
  os << line;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string shape =
        std::to_string(r.output.h) + "x" + std::to_string(r.output.w) + "x" + std::to_string(r.output.c);
    std::snprintf(line, sizeof line, "%4d  %-32s %-14s %-13s %10.1f %6.1f %12lld %8.2f %10zu %10zu %9zu %10zu%s%s\n",
                  r.op, r.name.substr(0, 32).c_str(), op_type_name(r.type), shape.c_str(), r.micros,
                  total_us > 0 ? 100.0 * r.micros / total_us : 0.0, (long long)r.macs,
                  r.micros > 0 ? double(r.macs) / (r.micros * 1e3) : 0.0, r.output_offset, r.output_bytes,
                  r.scratch_bytes, r.live_bytes, int(i) == slowest ? "  <- slowest" : "",
                  r.peak ? "  <- memory peak" : "");
    os << line;
  }
  std::snprintf(line, sizeof line, "total: %.1f us, %lld MACs (%.2f GMAC/s)\n", total_us, (long long)total_macs,
                total_us > 0 ? double(total_macs) / (total_us * 1e3) : 0.0);
  os << line;
  return os.str();
}

std::vector<LayerProfileRow> profile_layers(const Graph& g, DType dtype, KernelImpl impl, int threads,
                                            int repeats) {
  LayerRunner runner;
  runner.prepare(g, dtype, impl, threads);
  const size_t n = size_t(g.input_shape().elements());
  // A mid-grey image in the input convention of graph.h (pixel 128).
  if (dtype == DType::Int8) {
    std::vector<int8_t> input(n, 0);
    return runner.profile(input.data(), repeats);
  }
  std::vector<float> input(n, 128.f / 255.f);
  return runner.profile(input.data(), repeats);
}

}  // namespace tinydet
