#include "reader_common.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <tbb/parallel_for.h>

namespace tinydet::data::detail {
namespace fs = std::filesystem;

void add_problem(ItemResult& item, Problem::Severity sev, std::string kind, std::string msg) {
  const std::string& file =
      item.sample.annotation_path.empty() || kind == "corrupt_image" || kind == "missing_image"
          ? item.sample.image_path
          : item.sample.annotation_path;
  item.problems.push_back(Problem{sev, std::move(kind), file, std::move(msg)});
}

void skip_item(ItemResult& item, std::string kind, std::string msg) {
  add_problem(item, Problem::Severity::Skipped, std::move(kind), std::move(msg));
  item.skip = true;
}

namespace {
ImageFormat format_from_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".jpg" || ext == ".jpeg" || ext == ".jpe") return ImageFormat::Jpeg;
  if (ext == ".png") return ImageFormat::Png;
  if (ext == ".bmp") return ImageFormat::Bmp;
  if (ext == ".webp") return ImageFormat::Webp;
  if (ext == ".gif") return ImageFormat::Gif;
  return ImageFormat::Unknown;
}
}  // namespace

void read_image_info(ItemResult& item, bool verify_pixels) {
  std::error_code ec;
  if (!fs::is_regular_file(item.sample.image_path, ec)) {
    skip_item(item, "missing_image", "image file does not exist");
    return;
  }
  const ImageHeader h = read_image_header(item.sample.image_path);
  item.image_bytes = h.file_bytes;
  if (!h.ok()) {
    skip_item(item, "corrupt_image", h.error);
    return;
  }
  item.sample.width = h.width;
  item.sample.height = h.height;
  const ImageFormat by_ext = format_from_extension(item.sample.image_path);
  if (by_ext != ImageFormat::Unknown && by_ext != h.format)
    item.problems.push_back(Problem{Problem::Severity::Info, "format_mismatch",
                                    item.sample.image_path,
                                    std::string("file extension says ") +
                                        image_format_name(by_ext) + " but the content is " +
                                        image_format_name(h.format) + "; read as " +
                                        image_format_name(h.format)});
  if (h.trailing_bytes > 0)
    item.problems.push_back(Problem{Problem::Severity::Info, "trailing_bytes",
                                    item.sample.image_path,
                                    std::to_string(h.trailing_bytes) +
                                        " bytes after the end of the image (ignored)"});
  if (verify_pixels) {
    try {
      // JPEG: a 1/8-scale decode still runs through all the entropy-coded data, at a
      // fraction of the cost of a full decode of a big photo.
      const int reduce = h.format == ImageFormat::Jpeg ? 8 : 1;
      const cv::Mat rgb = load_image_rgb(item.sample.image_path, reduce);
      const int want_w = (h.width + reduce - 1) / reduce, want_h = (h.height + reduce - 1) / reduce;
      if (rgb.cols != want_w || rgb.rows != want_h)
        throw std::runtime_error("decoded size " + std::to_string(rgb.cols) + "x" +
                                 std::to_string(rgb.rows) + " differs from the header's");
    } catch (const std::exception& e) {
      skip_item(item, "corrupt_image", e.what());
    }
  }
}

void clip_boxes_to_image(ItemResult& item) {
  const float w = float(item.sample.width), h = float(item.sample.height);
  std::vector<Box> kept;
  std::vector<std::string> kept_cls;
  for (size_t i = 0; i < item.sample.boxes.size(); ++i) {
    Box b = item.sample.boxes[i];
    const Box orig = b;
    auto describe = [&] {
      std::ostringstream s;
      s << "box " << i << " (" << item.box_class[i] << ") [" << orig.x0 << ", " << orig.y0
        << ", " << orig.x1 << ", " << orig.y1 << "] in a " << item.sample.width << "x"
        << item.sample.height << " image";
      return s.str();
    };
    if (!(orig.x1 > orig.x0) || !(orig.y1 > orig.y0)) {
      add_problem(item, Problem::Severity::Warning, "box_dropped",
                  describe() + " has no area (max <= min); dropped");
      continue;
    }
    b.x0 = std::clamp(b.x0, 0.f, w);
    b.x1 = std::clamp(b.x1, 0.f, w);
    b.y0 = std::clamp(b.y0, 0.f, h);
    b.y1 = std::clamp(b.y1, 0.f, h);
    if (!(b.x1 > b.x0) || !(b.y1 > b.y0)) {
      add_problem(item, Problem::Severity::Warning, "box_dropped",
                  describe() + " lies entirely outside the image; dropped");
      continue;
    }
    if (b.x0 != orig.x0 || b.x1 != orig.x1 || b.y0 != orig.y0 || b.y1 != orig.y1)
      add_problem(item, Problem::Severity::Warning, "box_clipped",
                  describe() + " extends outside the image; clipped");
    kept.push_back(b);
    kept_cls.push_back(item.box_class[i]);
  }
  item.sample.boxes = std::move(kept);
  item.box_class = std::move(kept_cls);
}

std::optional<double> parse_number(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  if (a == b) return std::nullopt;
  const std::string t = s.substr(a, b - a);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool is_image_extension(const fs::path& p) { return format_from_extension(p) != ImageFormat::Unknown; }

std::vector<fs::path> list_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_text_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open file '" + p.string() + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void parallel_for_each_index(size_t n, const std::function<void(size_t)>& fn) {
  tbb::parallel_for(size_t(0), n, [&](size_t i) { fn(i); });
}

}  // namespace tinydet::data::detail
