// Progress display for the trainer.
#include "train/progress.h"

#include <algorithm>
#include <cmath>
#include <unistd.h>

namespace tinydet {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = long(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

ProgressReporter::ProgressReporter(int mode_request, int64_t total_steps, int64_t steps_per_epoch,
                                   int epochs, int log_every_steps, std::FILE* out)
    : total_steps_(total_steps),
      steps_per_epoch_(std::max<int64_t>(1, steps_per_epoch)),
      epochs_(epochs),
      log_every_(std::max(1, log_every_steps)),
      out_(out) {
  start_ = std::chrono::steady_clock::now();
  if (mode_request == 2 || !out_) mode_ = Mode::Silent;
  else if (mode_request == 1) mode_ = Mode::Bar;
  else if (mode_request == 0) mode_ = Mode::Lines;
  else mode_ = isatty(fileno(out_)) ? Mode::Bar : Mode::Lines;
}

void ProgressReporter::end_bar_line() {
  if (bar_open_) {
    std::fputc('\n', out_);
    bar_open_ = false;
  }
}

double ProgressReporter::eta_seconds(int64_t global_step) const {
  const int64_t done_here = global_step - first_step_ + 1;
  if (done_here <= 0) return -1;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return elapsed / double(done_here) * double(total_steps_ - global_step);
}

void ProgressReporter::step(int epoch, int64_t global_step, double loss, double lr,
                            double images_per_second) {
  if (first_step_ < 0) first_step_ = global_step;
  smoothed_loss_ = smoothed_loss_ < 0 ? loss : 0.9 * smoothed_loss_ + 0.1 * loss;
  if (mode_ == Mode::Silent) return;
  const int64_t in_epoch = (global_step - 1) % steps_per_epoch_ + 1;
  if (mode_ == Mode::Bar) {
    const auto now = std::chrono::steady_clock::now();
    const bool last = global_step >= total_steps_;
    if (!last && bar_open_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double frac = total_steps_ > 0 ? double(global_step) / double(total_steps_) : 1.0;
    const int width = 20;
    const int filled = std::clamp(int(frac * width + 0.5), 0, width);
    std::string bar(size_t(filled), '#');
    bar.append(size_t(width - filled), '.');
    std::fprintf(out_, "\r[%s] epoch %d/%d step %lld/%lld loss %.4f lr %.2e %.0f img/s ETA %s  ",
                 bar.c_str(), epoch + 1, epochs_, (long long)in_epoch, (long long)steps_per_epoch_,
                 smoothed_loss_, lr, images_per_second, format_duration(eta_seconds(global_step)).c_str());
    bar_open_ = true;
    std::fflush(out_);
    return;
  }
  if (global_step % log_every_ == 0)
    std::fprintf(out_,
                 "train: epoch %d/%d step %lld/%lld (total %lld/%lld) loss %.5f lr %.3e "
                 "%.1f img/s ETA %s\n",
                 epoch + 1, epochs_, (long long)in_epoch, (long long)steps_per_epoch_,
                 (long long)global_step, (long long)total_steps_, smoothed_loss_, lr,
                 images_per_second, format_duration(eta_seconds(global_step)).c_str());
}

void ProgressReporter::epoch_end(int epoch, double train_loss, double val_loss, double metric,
                                 const std::string& metric_name, bool best,
                                 double images_per_second) {
  if (mode_ == Mode::Silent) return;
  end_bar_line();
  std::fprintf(out_, "train: epoch %d/%d done: loss %.5f", epoch + 1, epochs_, train_loss);
  if (std::isfinite(val_loss)) std::fprintf(out_, " val_loss %.5f", val_loss);
  if (std::isfinite(metric))
    std::fprintf(out_, " %s %.4f%s", metric_name.c_str(), metric, best ? " (best)" : "");
  std::fprintf(out_, " %.1f img/s\n", images_per_second);
  std::fflush(out_);
}

void ProgressReporter::message(const std::string& text) {
  if (mode_ == Mode::Silent) return;
  end_bar_line();
  std::fprintf(out_, "train: %s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace tinydet
