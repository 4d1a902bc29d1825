#include "tinydet/datasets/stats.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

namespace tinydet::data {
namespace {
constexpr const char* kBands[3] = {"small", "medium", "large"};
int band_absolute(float area) { return area < 32.f * 32.f ? 0 : area < 96.f * 96.f ? 1 : 2; }
int band_relative(double side_fraction) {
  return side_fraction < 32.0 / 640.0 ? 0 : side_fraction < 96.0 / 640.0 ? 1 : 2;
}
}  // namespace

DatasetStats compute_stats(const Dataset& ds) {
  DatasetStats s;
  s.spec = ds.spec;
  s.format = ds.format;
  s.fingerprint = ds.fingerprint;
  s.classes.resize(ds.classes.size());
  for (size_t c = 0; c < ds.classes.size(); ++c) s.classes[c].name = ds.classes[c];
  std::vector<double> side_fractions;
  bool first = true;
  for (const Sample& sm : ds.samples) {
    const int split = int(sm.split);
    ++s.images;
    ++s.images_per_split[size_t(split)];
    s.boxes += sm.boxes.size();
    s.boxes_per_split[size_t(split)] += sm.boxes.size();
    if (sm.boxes.empty()) ++s.images_without_boxes;
    if (first) {
      s.min_width = s.max_width = sm.width;
      s.min_height = s.max_height = sm.height;
      first = false;
    }
    s.min_width = std::min(s.min_width, sm.width);
    s.max_width = std::max(s.max_width, sm.width);
    s.min_height = std::min(s.min_height, sm.height);
    s.max_height = std::max(s.max_height, sm.height);
    std::vector<bool> seen(ds.classes.size(), false);
    const double image_area = double(sm.width) * double(sm.height);
    for (const Box& b : sm.boxes) {
      if (b.cls < 0 || size_t(b.cls) >= s.classes.size()) continue;
      ClassStats& cs = s.classes[size_t(b.cls)];
      ++cs.boxes;
      ++cs.boxes_per_split[size_t(split)];
      cs.crowd += b.crowd;
      cs.difficult += b.difficult;
      if (!seen[size_t(b.cls)]) {
        seen[size_t(b.cls)] = true;
        ++cs.images;
      }
      ++s.area_bands_absolute[size_t(band_absolute(b.area()))];
      const double frac = image_area > 0 ? std::sqrt(double(b.area()) / image_area) : 0;
      ++s.area_bands_relative[size_t(band_relative(frac))];
      side_fractions.push_back(frac);
    }
  }
  s.mean_boxes_per_image = s.images ? double(s.boxes) / double(s.images) : 0;
  if (!side_fractions.empty()) {
    std::nth_element(side_fractions.begin(), side_fractions.begin() + long(side_fractions.size() / 2),
                     side_fractions.end());
    s.median_box_side_fraction = side_fractions[side_fractions.size() / 2];
  }
  s.skipped = ds.skipped;
  std::map<std::string, size_t> kinds;
  for (const Problem& p : ds.problems) {
    ++s.problems_by_severity[size_t(p.severity)];
    ++kinds[p.kind];
  }
  s.problems_by_kind.assign(kinds.begin(), kinds.end());
  return s;
}

nlohmann::json stats_to_json(const DatasetStats& s, const Dataset& ds, size_t max_problems) {
  using nlohmann::json;
  json j;
  j["spec"] = s.spec;
  j["format"] = s.format;
  j["fingerprint"] = s.fingerprint;
  j["root"] = ds.root;
  j["seed"] = ds.seed;
  j["split_from_data"] = ds.split_from_data;
  j["images"] = s.images;
  j["boxes"] = s.boxes;
  j["images_without_boxes"] = s.images_without_boxes;
  j["mean_boxes_per_image"] = s.mean_boxes_per_image;
  j["median_box_side_fraction"] = s.median_box_side_fraction;
  j["image_width_range"] = {s.min_width, s.max_width};
  j["image_height_range"] = {s.min_height, s.max_height};
  for (int sp = 0; sp < 3; ++sp) {
    j["splits"][split_name(Split(sp))] = {{"images", s.images_per_split[size_t(sp)]},
                                          {"boxes", s.boxes_per_split[size_t(sp)]}};
  }
  j["classes"] = json::array();
  for (const auto& c : s.classes)
    j["classes"].push_back({{"name", c.name}, {"boxes", c.boxes}, {"images", c.images},
                            {"boxes_train", c.boxes_per_split[0]},
                            {"boxes_val", c.boxes_per_split[1]},
                            {"boxes_test", c.boxes_per_split[2]},
                            {"crowd", c.crowd}, {"difficult", c.difficult}});
  for (int b = 0; b < 3; ++b) {
    j["box_sizes"]["absolute"][kBands[b]] = s.area_bands_absolute[size_t(b)];
    j["box_sizes"]["relative"][kBands[b]] = s.area_bands_relative[size_t(b)];
  }
  j["box_sizes"]["absolute_thresholds_px2"] = {32 * 32, 96 * 96};
  j["box_sizes"]["relative_thresholds_side_fraction"] = {32.0 / 640.0, 96.0 / 640.0};
  j["skipped"] = s.skipped;
  j["problems"]["info"] = s.problems_by_severity[0];
  j["problems"]["warning"] = s.problems_by_severity[1];
  j["problems"]["skipped"] = s.problems_by_severity[2];
  for (const auto& [kind, n] : s.problems_by_kind) j["problems"]["by_kind"][kind] = n;
  j["problems"]["list"] = json::array();
  for (size_t i = 0; i < ds.problems.size() && i < max_problems; ++i) {
    const Problem& p = ds.problems[i];
    j["problems"]["list"].push_back({{"severity", severity_name(p.severity)}, {"kind", p.kind},
                                     {"file", p.file}, {"message", p.message}});
  }
  j["problems"]["list_truncated"] = ds.problems.size() > max_problems;
  return j;
}

std::string stats_to_text(const DatasetStats& s, const Dataset& ds, size_t max_problems) {
  std::ostringstream o;
  o << "dataset " << s.spec << " (" << s.format << ", fingerprint " << s.fingerprint << ")\n";
  o << "  root: " << ds.root << "\n";
  o << "  images: " << s.images << " (train " << s.images_per_split[0] << ", val "
    << s.images_per_split[1] << ", test " << s.images_per_split[2] << "; split "
    << (ds.split_from_data ? "from the data" : "derived") << " where missing, seed " << ds.seed
    << ")\n";
  o << "  boxes: " << s.boxes << " (train " << s.boxes_per_split[0] << ", val "
    << s.boxes_per_split[1] << ", test " << s.boxes_per_split[2] << "), "
    << std::fixed << std::setprecision(2) << s.mean_boxes_per_image << " per image\n";
  o << "  images without boxes: " << s.images_without_boxes << "\n";
  o << "  image sizes: " << s.min_width << ".." << s.max_width << " x " << s.min_height << ".."
    << s.max_height << "\n";
  o << "  box sizes (COCO area bands, pixels): small " << s.area_bands_absolute[0] << ", medium "
    << s.area_bands_absolute[1] << ", large " << s.area_bands_absolute[2] << "\n";
  o << "  box sizes (relative to image):       small " << s.area_bands_relative[0] << ", medium "
    << s.area_bands_relative[1] << ", large " << s.area_bands_relative[2]
    << "; median side " << std::setprecision(3) << s.median_box_side_fraction << " of image\n";
  o << "  classes (" << s.classes.size() << "):\n";
  size_t width = 5;
  for (const auto& c : s.classes) width = std::max(width, c.name.size());
  for (const auto& c : s.classes) {
    if (s.classes.size() > 12 && c.boxes == 0) continue;
    o << "    " << std::left << std::setw(int(width)) << c.name << std::right << "  "
      << std::setw(6) << c.boxes << " boxes in " << std::setw(5) << c.images << " images";
    if (c.crowd) o << ", " << c.crowd << " crowd";
    if (c.difficult) o << ", " << c.difficult << " difficult";
    o << "\n";
  }
  if (s.classes.size() > 12) o << "    (classes without boxes not listed)\n";
  o << "  skipped samples: " << s.skipped << "\n";
  o << "  problems: " << s.problems_by_severity[2] << " skipped, " << s.problems_by_severity[1]
    << " warnings, " << s.problems_by_severity[0] << " info\n";
  for (const auto& [kind, n] : s.problems_by_kind) o << "    " << kind << ": " << n << "\n";
  size_t shown = 0;
  for (const Problem& p : ds.problems) {
    if (p.severity == Problem::Severity::Info) continue;
    if (shown++ == max_problems) {
      o << "    ...\n";
      break;
    }
    o << "    [" << severity_name(p.severity) << "] " << p.file << ": " << p.message << "\n";
  }
  return o.str();
}

long find_sample(const Dataset& ds, const std::string& key) {
  for (size_t i = 0; i < ds.samples.size(); ++i) {
    const Sample& s = ds.samples[i];
    if (s.id == key || std::filesystem::path(s.image_path).filename().string() == key ||
        s.image_path == key)
      return long(i);
  }
  return -1;
}

}  // namespace tinydet::data
