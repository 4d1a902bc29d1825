// YOLO txt reader. Layouts: DIR/images/<split>/ + DIR/labels/<split>/, DIR/<split>/images +
// DIR/<split>/labels, or flat DIR/images + DIR/labels. A label line is
// "class cx cy w h" normalised to 0..1 (a polygon "class x1 y1 x2 y2 ..." gives its bounding
// box). Class names come from classes.txt (or labels/classes.txt, obj.names) or the `names:`
// entry of data.yaml / dataset.yaml; without any, the names are the ids ("0", "1", ...).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "reader_common.h"
#include "xml_mini.h"

namespace tinydet::data {
namespace detail {
namespace fs = std::filesystem;
namespace {

struct Pair {
  fs::path label, image;
  Split split = Split::Train;
};

std::string strip_yaml_scalar(std::string s) {
  s = xml::trim(s);
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\'')))
    return s.substr(1, s.size() - 2);
  return s;
}

// Drops a trailing "# comment" that is outside quotes.
std::string strip_yaml_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(line[i - 1])))) {
      return line.substr(0, i);
    }
  }
  return line;
}

std::vector<std::string> split_flow_list(const std::string& body) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (char c : body) {
    if (quote) {
      if (c == quote) quote = 0;
      cur += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      cur += c;
    } else if (c == ',') {
      out.push_back(strip_yaml_scalar(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!xml::trim(cur).empty()) out.push_back(strip_yaml_scalar(cur));
  return out;
}

}  // namespace
}  // namespace detail

/// Parses the `names:` entry of a YOLO data.yaml: a flow list `[a, b]` (possibly over
/// several lines), a block list `- a`, or a block map `0: a`. Throws on other forms.
std::vector<std::string> parse_yolo_yaml_names(const std::string& text, const std::string& file) {
  using namespace detail;
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(strip_yaml_comment(line));
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("names:", 0) != 0) continue;
    std::string rest = xml::trim(lines[i].substr(6));
    if (!rest.empty() && rest.front() == '[') {
      std::string body = rest.substr(1);
      while (body.find(']') == std::string::npos && ++i < lines.size()) body += " " + lines[i];
      const size_t close = body.find(']');
      if (close == std::string::npos)
        throw std::runtime_error("'" + file + "': unterminated [ list in names:");
      return split_flow_list(body.substr(0, close));
    }
    if (!rest.empty())
      throw std::runtime_error("'" + file + "': unsupported names: form '" + rest + "'");
    std::map<long, std::string> by_id;
    std::vector<std::string> list;
    for (++i; i < lines.size(); ++i) {
      const std::string& l = lines[i];
      if (xml::trim(l).empty()) continue;
      if (!std::isspace(static_cast<unsigned char>(l[0])) && l[0] != '-') break;  // next key
      const std::string t = xml::trim(l);
      if (t.rfind("- ", 0) == 0 || t == "-") {
        list.push_back(strip_yaml_scalar(t.substr(1)));
      } else if (const size_t colon = t.find(':'); colon != std::string::npos) {
        const auto id = parse_number(t.substr(0, colon));
        if (!id || *id < 0 || std::floor(*id) != *id)
          throw std::runtime_error("'" + file + "': names: key '" + t.substr(0, colon) +
                                   "' is not a class id");
        by_id[long(*id)] = strip_yaml_scalar(t.substr(colon + 1));
      } else {
        throw std::runtime_error("'" + file + "': cannot read names: entry '" + t + "'");
      }
    }
    if (!by_id.empty()) {
      std::vector<std::string> out;
      for (const auto& [id, name] : by_id) {
        if (id != long(out.size()))
          throw std::runtime_error("'" + file + "': names: ids are not 0..N-1 (missing " +
                                   std::to_string(out.size()) + ")");
        out.push_back(name);
      }
      return out;
    }
    return list;
  }
  return {};
}

namespace detail {
namespace fs = std::filesystem;
namespace {

std::optional<Split> split_from_name(const std::string& name) {
  if (name == "train" || name == "train2017") return Split::Train;
  if (name == "val" || name == "valid" || name == "validation" || name == "val2017") return Split::Val;
  if (name == "test" || name == "test2017") return Split::Test;
  return std::nullopt;
}

void pair_dirs(const fs::path& images, const fs::path& labels, Split split,
               std::vector<Pair>& pairs) {
  std::map<std::string, Pair> by_stem;
  for (const auto& f : list_files(images))
    if (is_image_extension(f)) {
      Pair& p = by_stem[f.stem().string()];
      if (p.image.empty()) p.image = f;
    }
  for (const auto& f : list_files(labels))
    if (f.extension() == ".txt") by_stem[f.stem().string()].label = f;
  for (auto& [stem, p] : by_stem) {
    p.split = split;
    pairs.push_back(p);
  }
}

void parse_label_file(ItemResult& item, const std::vector<std::string>& names) {
  std::string text;
  try {
    text = read_text_file(item.sample.annotation_path);
  } catch (const std::exception& e) {
    skip_item(item, "malformed_annotation", e.what());
    return;
  }
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  const float w = float(item.sample.width), h = float(item.sample.height);
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream tok(line);
    std::vector<std::string> t;
    for (std::string s; tok >> s;) t.push_back(s);
    if (t.empty()) continue;
    std::vector<double> v;
    for (size_t k = 1; k < t.size(); ++k) {
      const auto x = parse_number(t[k]);
      if (!x) {
        skip_item(item, "malformed_annotation",
                  "line " + std::to_string(line_no) + ": '" + t[k] + "' is not a number");
        return;
      }
      v.push_back(*x);
    }
    const auto cls = parse_number(t[0]);
    if (!cls || *cls < 0 || std::floor(*cls) != *cls) {
      skip_item(item, "malformed_annotation",
                "line " + std::to_string(line_no) + ": class '" + t[0] +
                    "' is not a non-negative integer");
      return;
    }
    Box b;
    if (v.size() == 4) {
      b.x0 = float((v[0] - v[2] / 2) * w);
      b.x1 = float((v[0] + v[2] / 2) * w);
      b.y0 = float((v[1] - v[3] / 2) * h);
      b.y1 = float((v[1] + v[3] / 2) * h);
    } else if (v.size() >= 6 && v.size() % 2 == 0) {  // polygon (segmentation label)
      double xmin = 1e30, ymin = 1e30, xmax = -1e30, ymax = -1e30;
      for (size_t k = 0; k < v.size(); k += 2) {
        xmin = std::min(xmin, v[k]); xmax = std::max(xmax, v[k]);
        ymin = std::min(ymin, v[k + 1]); ymax = std::max(ymax, v[k + 1]);
      }
      b.x0 = float(xmin * w); b.x1 = float(xmax * w);
      b.y0 = float(ymin * h); b.y1 = float(ymax * h);
    } else {
      skip_item(item, "malformed_annotation",
                "line " + std::to_string(line_no) + ": expected 'class cx cy w h', got " +
                    std::to_string(t.size()) + " fields");
      return;
    }
    const size_t id = size_t(*cls);
    item.sample.boxes.push_back(b);
    if (names.empty()) item.box_class.push_back(std::to_string(id));  // names are the ids
    else item.box_class.push_back(id < names.size() ? names[id] : "class id " + t[0]);
  }
}

}  // namespace

RawData read_yolo(const fs::path& dir, const LoadOptions& opt) {
  RawData raw;
  raw.format = "yolo";
  raw.root = dir.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("YOLO dataset directory '" + dir.string() + "' does not exist");

  // Class names.
  for (const fs::path& list : {dir / "classes.txt", dir / "labels" / "classes.txt", dir / "obj.names"}) {
    if (!fs::is_regular_file(list, ec)) continue;
    std::istringstream in(read_text_file(list));
    for (std::string line; std::getline(in, line);) {
      line = xml::trim(line);
      if (!line.empty()) raw.classes.push_back(line);
    }
    raw.classes_known = true;
    break;
  }
  if (!raw.classes_known)
    for (const fs::path& yaml : {dir / "data.yaml", dir / "dataset.yaml"}) {
      if (!fs::is_regular_file(yaml, ec)) continue;
      raw.classes = parse_yolo_yaml_names(read_text_file(yaml), yaml.string());
      raw.classes_known = !raw.classes.empty();
      break;
    }

  // Layout.
  std::vector<Pair> pairs;
  const fs::path images = dir / "images", labels = dir / "labels";
  for (const char* s : {"train", "train2017", "val", "valid", "validation", "val2017", "test", "test2017"}) {
    if (fs::is_directory(images / s, ec)) pair_dirs(images / s, labels / s, *split_from_name(s), pairs);
    else if (fs::is_directory(dir / s / "images", ec))
      pair_dirs(dir / s / "images", dir / s / "labels", *split_from_name(s), pairs);
  }
  raw.has_split = !pairs.empty();
  if (pairs.empty()) pair_dirs(images, labels, Split::Train, pairs);
  if (pairs.empty())
    throw std::runtime_error("YOLO dataset '" + dir.string() +
                             "' has no images (looked in images/<split>/, <split>/images/ and "
                             "images/)");
  // A split that has only a train folder is not a full split: val/test get derived.

  std::vector<Pair> usable;
  for (const Pair& p : pairs) {
    if (p.image.empty()) {
      raw.problems.push_back(Problem{Problem::Severity::Skipped, "missing_image", p.label.string(),
                                     "label file has no image"});
      continue;
    }
    usable.push_back(p);
  }
  raw.items.resize(usable.size());
  parallel_for_each_index(usable.size(), [&](size_t i) {
    ItemResult& item = raw.items[i];
    const Pair& p = usable[i];
    item.sample.image_path = p.image.string();
    item.sample.annotation_path = p.label.string();
    item.sample.id = p.image.stem().string();
    item.sample.split = p.split;
    read_image_info(item, opt.verify_pixels);
    if (item.skip) return;
    if (p.label.empty()) {
      add_problem(item, Problem::Severity::Info, "missing_annotation",
                  "image has no label file; used as a background image");
      return;
    }
    parse_label_file(item, raw.classes);
    if (!item.skip) clip_boxes_to_image(item);
  });
  if (!raw.classes_known) {
    // No names anywhere: the classes are the ids 0..max seen.
    long max_id = -1;
    for (const auto& item : raw.items)
      for (const auto& c : item.box_class) max_id = std::max(max_id, std::stol(c));
    for (long i = 0; i <= max_id; ++i) raw.classes.push_back(std::to_string(i));
    raw.classes_known = true;
  }
  return raw;
}

}  // namespace detail
}  // namespace tinydet::data
