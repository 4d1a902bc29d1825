// Pascal VOC reader: XML files beside their images (optionally in train/val/test folders),
// or the VOCdevkit layout (Annotations/, JPEGImages/, ImageSets/Main/<split>.txt).
//
// Coordinates: xmin/ymin/xmax/ymax are taken as pixel edges (x0 = xmin, x1 = xmax). The
// official VOC 1-based inclusive convention differs by at most one pixel at the top-left.
#include <map>
#include <set>
#include <sstream>

#include "reader_common.h"
#include "xml_mini.h"

namespace tinydet::data::detail {
namespace fs = std::filesystem;
namespace {

struct Pair {
  fs::path xml, image;
  Split split = Split::Train;
};

std::optional<Split> split_from_folder(const std::string& name) {
  if (name == "train" || name == "training") return Split::Train;
  if (name == "val" || name == "valid" || name == "validation") return Split::Val;
  if (name == "test" || name == "testing") return Split::Test;
  return std::nullopt;
}

// Pairs XML and image files of one folder by file stem.
void pair_folder(const fs::path& dir, Split split, std::vector<Pair>& pairs) {
  std::map<std::string, Pair> by_stem;
  for (const auto& f : list_files(dir)) {
    if (f.extension() == ".xml" || f.extension() == ".XML") by_stem[f.stem().string()].xml = f;
    else if (is_image_extension(f)) {
      Pair& p = by_stem[f.stem().string()];
      if (p.image.empty()) p.image = f;
    }
  }
  for (auto& [stem, p] : by_stem) {
    p.split = split;
    pairs.push_back(p);
  }
}

void parse_voc_xml(ItemResult& item, const fs::path& xml_path) {
  std::unique_ptr<xml::Element> root;
  try {
    root = xml::parse(read_text_file(xml_path));
  } catch (const std::exception& e) {
    skip_item(item, "malformed_annotation", e.what());
    return;
  }
  if (root->name != "annotation") {
    skip_item(item, "malformed_annotation",
              "root element is <" + root->name + ">, expected <annotation>");
    return;
  }
  if (const xml::Element* size = root->child("size")) {
    const auto w = parse_number(size->child_text("width"));
    const auto h = parse_number(size->child_text("height"));
    if (!w || !h || *w <= 0 || *h <= 0) {
      add_problem(item, Problem::Severity::Info, "annotation_size_missing",
                  "annotation gives no image size (" + size->child_text("width") + "x" +
                      size->child_text("height") + "); using the image's own size");
    } else if (int(*w) != item.sample.width || int(*h) != item.sample.height) {
      add_problem(item, Problem::Severity::Warning, "annotation_size_mismatch",
                  "annotation says " + std::to_string(int(*w)) + "x" + std::to_string(int(*h)) +
                      " but the image is " + std::to_string(item.sample.width) + "x" +
                      std::to_string(item.sample.height) + "; using the image's size");
    }
  }
  size_t index = 0;
  for (const xml::Element* obj : root->children_named("object")) {
    const std::string name = obj->child_text("name");
    const xml::Element* bb = obj->child("bndbox");
    std::ostringstream where;
    where << "object " << index++;
    if (name.empty()) {
      skip_item(item, "malformed_annotation", where.str() + " has no <name>");
      return;
    }
    if (!bb) {
      skip_item(item, "malformed_annotation", where.str() + " (" + name + ") has no <bndbox>");
      return;
    }
    const auto x0 = parse_number(bb->child_text("xmin"));
    const auto y0 = parse_number(bb->child_text("ymin"));
    const auto x1 = parse_number(bb->child_text("xmax"));
    const auto y1 = parse_number(bb->child_text("ymax"));
    if (!x0 || !y0 || !x1 || !y1) {
      skip_item(item, "malformed_annotation",
                where.str() + " (" + name + ") has a non-numeric or missing bndbox coordinate");
      return;
    }
    Box b;
    b.x0 = float(*x0);
    b.y0 = float(*y0);
    b.x1 = float(*x1);
    b.y1 = float(*y1);
    const auto difficult = parse_number(obj->child_text("difficult"));
    b.difficult = difficult && *difficult != 0;
    item.sample.boxes.push_back(b);
    item.box_class.push_back(name);
  }
}

}  // namespace

RawData read_voc(const fs::path& dir, const LoadOptions& opt) {
  RawData raw;
  raw.format = "voc";
  raw.root = dir.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("VOC dataset directory '" + dir.string() + "' does not exist");

  std::vector<Pair> pairs;
  if (fs::is_directory(dir / "Annotations", ec)) {
    // VOCdevkit layout.
    const fs::path ann = dir / "Annotations", imgs = dir / "JPEGImages";
    std::map<std::string, fs::path> images;
    for (const auto& f : list_files(imgs))
      if (is_image_extension(f)) images.emplace(f.stem().string(), f);
    std::map<std::string, Split> split_of;
    const fs::path sets = dir / "ImageSets" / "Main";
    for (const auto& [file, split] : {std::pair{"train.txt", Split::Train},
                                      std::pair{"val.txt", Split::Val},
                                      std::pair{"test.txt", Split::Test}}) {
      if (!fs::is_regular_file(sets / file, ec)) continue;
      std::istringstream in(read_text_file(sets / file));
      std::string id;
      while (in >> id) split_of[id] = split;
      raw.has_split = true;
    }
    size_t unlisted = 0;
    std::set<std::string> seen;
    for (const auto& f : list_files(ann)) {
      if (f.extension() != ".xml") continue;
      const std::string stem = f.stem().string();
      Pair p;
      p.xml = f;
      if (raw.has_split) {
        auto it = split_of.find(stem);
        if (it == split_of.end()) {
          ++unlisted;
          continue;
        }
        p.split = it->second;
      }
      if (auto it = images.find(stem); it != images.end()) p.image = it->second;
      seen.insert(stem);
      pairs.push_back(p);
    }
    for (const auto& [stem, path] : images) {
      if (seen.count(stem)) continue;
      auto it = split_of.find(stem);
      if (raw.has_split && it == split_of.end()) continue;
      Pair p;
      p.image = path;
      if (raw.has_split) p.split = it->second;
      pairs.push_back(p);
    }
    if (unlisted > 0)
      raw.problems.push_back(Problem{Problem::Severity::Info, "not_in_split", sets.string(),
                                     std::to_string(unlisted) +
                                         " annotations are in no ImageSets/Main split file; "
                                         "not loaded"});
  } else {
    bool any_split_folder = false;
    for (const char* name : {"train", "training", "val", "valid", "validation", "test", "testing"}) {
      if (!fs::is_directory(dir / name, ec)) continue;
      any_split_folder = true;
      pair_folder(dir / name, *split_from_folder(name), pairs);
    }
    raw.has_split = any_split_folder;
    if (!any_split_folder) pair_folder(dir, Split::Train, pairs);
  }

  // Class list: classes.txt / labels.txt beside the data, else discovered from the boxes.
  for (const char* list : {"classes.txt", "labels.txt"}) {
    if (!fs::is_regular_file(dir / list, ec)) continue;
    std::istringstream in(read_text_file(dir / list));
    std::string line;
    while (std::getline(in, line)) {
      line = xml::trim(line);
      if (!line.empty()) raw.classes.push_back(line);
    }
    raw.classes_known = !raw.classes.empty();
    break;
  }

  // Orphan annotations (no image) are problems; images without XML are background.
  std::vector<Pair> usable;
  for (const Pair& p : pairs) {
    if (p.image.empty()) {
      raw.problems.push_back(Problem{Problem::Severity::Skipped, "missing_image", p.xml.string(),
                                     "annotation file has no image beside it"});
      continue;
    }
    usable.push_back(p);
  }
  raw.items.resize(usable.size());
  parallel_for_each_index(usable.size(), [&](size_t i) {
    ItemResult& item = raw.items[i];
    const Pair& p = usable[i];
    item.sample.image_path = p.image.string();
    item.sample.annotation_path = p.xml.string();
    item.sample.id = p.image.stem().string();
    item.sample.split = p.split;
    read_image_info(item, opt.verify_pixels);
    if (item.skip) return;
    if (p.xml.empty()) {
      add_problem(item, Problem::Severity::Info, "missing_annotation",
                  "image has no annotation file; used as a background image");
      return;
    }
    parse_voc_xml(item, p.xml);
    if (!item.skip) clip_boxes_to_image(item);
  });
  return raw;
}

}  // namespace tinydet::data::detail
