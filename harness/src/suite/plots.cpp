#include "suite/plots.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tinydet::suite {

namespace fs = std::filesystem;
using nlohmann::json;

std::string find_gnuplot_executable() {
  if (const char* env = std::getenv("TINYDET_GNUPLOT"); env && *env && ::access(env, X_OK) == 0) return env;
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const fs::path p = fs::path(dir.empty() ? "." : dir) / "gnuplot";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

std::vector<XY> pareto_front(std::vector<XY> points) {
  std::sort(points.begin(), points.end(), [](const XY& a, const XY& b) {
    return a.x < b.x || (a.x == b.x && a.y > b.y);
  });
  std::vector<XY> front;
  for (const auto& p : points)
    if (front.empty() || p.y > front.back().y) front.push_back(p);
  return front;
}

namespace {

/// Reads a number at a JSON pointer, or NaN.
double num(const json& j, const char* pointer) {
  const json::json_pointer p(pointer);
  if (!j.contains(p) || !j.at(p).is_number()) return std::nan("");
  return j.at(p).get<double>();
}
std::string str(const json& j, const char* pointer) {
  const json::json_pointer p(pointer);
  if (!j.contains(p) || !j.at(p).is_string()) return "";
  return j.at(p).get<std::string>();
}

std::string metric_label(const std::vector<json>& cells) {
  std::set<std::string> names;
  for (const auto& c : cells) names.insert(str(c, "/accuracy/primary_metric"));
  std::string out;
  for (const auto& n : names) {
    const std::string pretty = n == "map50" ? "mAP@0.5" : n == "centroid_f1" ? "centroid F1" : n;
    out += (out.empty() ? "" : " / ") + pretty;
  }
  return out.empty() ? "accuracy" : out;
}

std::string quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

/// The tail of every plot script: `plot_commands` drawn to NAME.png, then again to NAME.svg.
/// Text is not "enhanced": labels hold plugin names with '_' and '@', which gnuplot's
/// enhanced mode would turn into subscripts and font changes.
std::string png_then_svg(const std::string& name, const std::string& plot_commands, int width, int height) {
  const std::string size = " size " + std::to_string(width) + "," + std::to_string(height);
  return "set terminal pngcairo" + size + " noenhanced font \"DejaVu Sans,11\"\n" +
         "set output " + quote(name + ".png") + "\n" + plot_commands +
         "set terminal svg" + size + " dynamic noenhanced font \"DejaVu Sans,11\" background rgb \"white\"\n" +
         "set output " + quote(name + ".svg") + "\nreplot\nunset output\n";
}

/// Runs gnuplot on `script` inside `dir`. Throws naming the script on failure.
void run_gnuplot(const std::string& gnuplot, const std::string& dir, const fs::path& script) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot start gnuplot");
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    ::execl(gnuplot.c_str(), "gnuplot", script.filename().c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("gnuplot failed on " + script.string() + " (exit " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
}

struct Series;
std::vector<Series> line_series(const std::map<std::string, std::map<double, double>>& by);

struct Series {
  std::string title;
  std::vector<std::vector<double>> rows;  // columns as the plot needs
  std::string style = "linespoints";
};

/// One line per key, points in increasing x.
std::vector<Series> line_series(const std::map<std::string, std::map<double, double>>& by) {
  std::vector<Series> series;
  for (const auto& [k, pts] : by) {
    Series s;
    s.title = k;
    s.style = "linespoints lw 2 pointsize 1.3";
    for (const auto& [x, y] : pts) s.rows.push_back({x, y});
    series.push_back(s);
  }
  return series;
}

class PlotWriter {
 public:
  PlotWriter(std::string dir, std::string gnuplot) : dir_(std::move(dir)), gnuplot_(std::move(gnuplot)) {}

  PlotOutput draw(const std::string& name, const std::string& title, const std::string& setup,
                  const std::vector<Series>& series, const std::string& extra_plot_items = "") {
    PlotOutput out;
    out.name = name;
    out.title = title;
    bool any = false;
    for (const auto& s : series) any = any || !s.rows.empty();
    if (!any) {
      out.note = "no finished cells with the figures this plot needs";
      return out;
    }
    std::ostringstream plot;
    plot << "plot ";
    bool first = true;
    int k = 0;
    for (const auto& s : series) {
      if (s.rows.empty()) continue;
      const std::string dat = name + "_" + std::to_string(k++) + ".dat";
      std::ofstream d(fs::path(dir_) / dat);
      d << "# " << s.title << "\n";
      for (const auto& r : s.rows) {
        for (size_t i = 0; i < r.size(); ++i) d << (i ? " " : "") << r[i];
        d << "\n";
      }
      plot << (first ? "" : ", \\\n     ") << quote(dat) << " using 1:2 with " << s.style
           << " title " << quote(s.title);
      first = false;
    }
    plot << extra_plot_items << "\n";
    out.png = (fs::path(dir_) / (name + ".png")).string();
    out.svg = (fs::path(dir_) / (name + ".svg")).string();
    const fs::path gp = fs::path(dir_) / (name + ".gp");
    {
      std::ofstream s(gp);
      s << "# tinydet plot: " << title << " (gnuplot " << "script written by `tinydet plot`)\n"
        << "set title " << quote(title) << " font \",14\"\n"
        << "set grid lc rgb \"#dddddd\"\n"
        << "set key outside right top box opaque font \",10\"\n"
        << "set datafile missing \"nan\"\n"
        << setup << "\n"
        << png_then_svg(name, plot.str(), 1100, 650);
    }
    run_gnuplot(gnuplot_, dir_, gp);
    out.drawn = true;
    return out;
  }

 private:
  std::string dir_, gnuplot_;
};

}  // namespace

std::vector<PlotOutput> make_plots(const json& results, const std::string& out_dir) {
  const std::string gnuplot = find_gnuplot_executable();
  if (gnuplot.empty())
    throw std::runtime_error(
        "gnuplot not found on PATH: install it (Debian: apt-get install gnuplot-nox, or run "
        "scripts/install-deps.sh) or set TINYDET_GNUPLOT to its path; results.json is complete without it");
  fs::create_directories(out_dir);
  PlotWriter w(out_dir, gnuplot);

  std::vector<json> ok;
  for (const auto& c : results.at("cells"))
    if (c.value("status", "") == "ok") ok.push_back(c);
  const std::string acc = metric_label(ok);
  auto label = [](const json& c) { return str(c, "/config/architecture_label"); };

  std::vector<PlotOutput> outs;

  // 1. Accuracy vs latency, int8 (float too when no int8), with the Pareto front.
  {
    std::map<std::string, Series> by;
    std::vector<XY> all;
    for (const auto& c : ok) {
      const double x = num(c, "/latency/network_ms/median"), y = num(c, "/accuracy/primary");
      if (std::isnan(x) || std::isnan(y)) continue;
      const std::string key = label(c) + " " + str(c, "/config/precision") + " (" + str(c, "/config/executor") + ")";
      by[key].title = key;
      by[key].style = "points pointsize 1.6";
      by[key].rows.push_back({x, y, num(c, "/config/resolution")});
      all.push_back({x, y});
    }
    std::vector<Series> series;
    for (auto& [k, s] : by) series.push_back(s);
    Series front;
    front.title = "Pareto front";
    front.style = "steps lw 2 dt 2 lc rgb \"#444444\"";
    for (const auto& p : pareto_front(all)) front.rows.push_back({p.x, p.y});
    series.push_back(front);
    outs.push_back(w.draw("accuracy_vs_latency", "Accuracy vs latency (one core)",
                          "set xlabel \"network latency, median (ms)\"\nset ylabel " + quote(acc) +
                              "\nset yrange [0:1.05]\nset logscale x",
                          series));
  }

  // 2. Accuracy vs resolution, per architecture and precision (layer-by-layer cells: both
  //    executors give bit-identical outputs).
  {
    std::map<std::string, std::map<double, double>> by;
    for (const auto& c : ok) {
      const double y = num(c, "/accuracy/primary");
      if (std::isnan(y)) continue;
      const std::string key = label(c) + " " + str(c, "/config/precision");
      by[key][num(c, "/config/resolution")] = y;
    }
    const std::vector<Series> series = line_series(by);
    outs.push_back(w.draw("accuracy_vs_resolution", "Accuracy vs input resolution",
                          "set xlabel \"input resolution (pixels, square)\"\nset ylabel " + quote(acc) +
                              "\nset yrange [0:1.05]",
                          series));
  }

  // 3. Arena peak vs resolution, layer-by-layer and patch, with MCU SRAM sizes.
  {
    std::map<std::string, std::map<double, double>> by;
    for (const auto& c : ok) {
      if (str(c, "/config/precision") != "int8") continue;
      const double kb = num(c, "/memory/arena_bytes") / 1024.0;
      if (std::isnan(kb)) continue;
      by[label(c) + " (" + str(c, "/config/executor") + ")"][num(c, "/config/resolution")] = kb;
    }
    const std::vector<Series> series = line_series(by);
    outs.push_back(w.draw("arena_vs_resolution", "Tensor arena peak vs resolution (int8)",
                          "set xlabel \"input resolution (pixels, square)\"\n"
                          "set ylabel \"planned arena peak (KiB)\"\nset logscale y",
                          series,
                          ", \\\n     256 with lines lw 2 dt 3 lc rgb \"#cc0000\" title \"256 KB SRAM\""
                          ", \\\n     512 with lines lw 2 dt 3 lc rgb \"#0000cc\" title \"512 KB SRAM\""));
  }

  // 4. Flash vs accuracy (int8 deployment bytes).
  {
    std::map<std::string, Series> by;
    for (const auto& c : ok) {
      if (str(c, "/config/precision") != "int8") continue;
      const double x = num(c, "/memory/flash_bytes") / 1024.0, y = num(c, "/accuracy/primary");
      if (std::isnan(x) || std::isnan(y)) continue;
      auto& s = by[label(c)];
      s.title = label(c);
      s.style = "points pointsize 1.6";
      s.rows.push_back({x, y});
    }
    std::vector<Series> series;
    for (auto& [k, s] : by) series.push_back(s);
    outs.push_back(w.draw("flash_vs_accuracy", "Flash (int8 weights) vs accuracy",
                          "set xlabel \"flash: int8 weights + int32 bias + scales (KiB)\"\nset ylabel " +
                              quote(acc) + "\nset yrange [0:1.05]\nset logscale x",
                          series));
  }

  // 5. Latency breakdown: preprocess, network, decode per cell (stacked bars).
  {
    std::vector<const json*> rows;
    for (const auto& c : ok)
      if (!std::isnan(num(c, "/latency/network_ms/median"))) rows.push_back(&c);
    PlotOutput out;
    out.name = "latency_breakdown";
    out.title = "Latency breakdown (median, one core)";
    if (rows.empty()) {
      out.note = "no finished cells with latency";
      outs.push_back(out);
    } else {
      std::ofstream d(fs::path(out_dir) / "latency_breakdown.dat");
      d << "# cell preprocess_ms network_ms decode_ms\n";
      for (const json* c : rows)
        d << quote(label(*c) + "@" + std::to_string(int(num(*c, "/config/resolution"))) + " " +
                   str(*c, "/config/precision") + " " + str(*c, "/config/executor"))
          << " " << num(*c, "/latency/preprocess_ms/median") << " " << num(*c, "/latency/network_ms/median")
          << " " << num(*c, "/latency/decode_ms/median") << "\n";
      d.close();
      const std::string setup =
          "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.85 border -1\n"
          "set boxwidth 0.7\nset ylabel \"time (ms)\"\nset xtics rotate by 90 right font \",9\"\n"
          "set bmargin 16\nset yrange [0:*]";
      const fs::path gp = fs::path(out_dir) / "latency_breakdown.gp";
      {
        std::ofstream s(gp);
        s << "set title " << quote(out.title) << " font \",14\"\nset grid y lc rgb \"#dddddd\"\n"
          << "set key outside right top box opaque\n" << setup << "\n"
          << png_then_svg("latency_breakdown",
                          "plot \"latency_breakdown.dat\" using 2:xtic(1) title \"preprocess\", '' using 3 "
                          "title \"network\", '' using 4 title \"decode + NMS\"\n",
                          std::max(1100, 300 + 28 * int(rows.size())), 800);
      }
      run_gnuplot(gnuplot, out_dir, gp);
      out.png = (fs::path(out_dir) / "latency_breakdown.png").string();
      out.svg = (fs::path(out_dir) / "latency_breakdown.svg").string();
      out.drawn = true;
      outs.push_back(out);
    }
  }
  return outs;
}

}  // namespace tinydet::suite
