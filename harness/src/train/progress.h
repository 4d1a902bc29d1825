// Training progress display: a one-line bar redrawn with '\r' on a terminal, plain log
// lines otherwise (CI logs, files). Writes to a FILE* (stderr by default).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tinydet {

class ProgressReporter {
 public:
  enum class Mode { Bar, Lines, Silent };
  /// mode_request: -1 auto (Bar if `out` is a terminal), 0 Lines, 1 Bar, 2 Silent.
  ProgressReporter(int mode_request, int64_t total_steps, int64_t steps_per_epoch, int epochs,
                   int log_every_steps, std::FILE* out = stderr);

  /// After each step: `global_step` is 1-based (steps done), `loss` the step's loss,
  /// `images_per_second` the running throughput.
  void step(int epoch, int64_t global_step, double loss, double lr, double images_per_second);
  /// After each epoch (metric NaN when not validated).
  void epoch_end(int epoch, double train_loss, double val_loss, double metric,
                 const std::string& metric_name, bool best, double images_per_second);
  /// A free-form message (ends the bar line first).
  void message(const std::string& text);

  Mode mode() const { return mode_; }

 private:
  void end_bar_line();
  double eta_seconds(int64_t global_step) const;
  int64_t first_step_ = -1;
  std::chrono::steady_clock::time_point start_{};
  Mode mode_;
  int64_t total_steps_, steps_per_epoch_;
  int epochs_;
  int log_every_;
  std::FILE* out_;
  bool bar_open_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
  double smoothed_loss_ = -1;
};

/// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace tinydet
