// COCO instances JSON reader. Category ids may be any integers (COCO's are 1..90 with
// gaps): classes are the categories sorted by id, and boxes get the index in that list.
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "reader_common.h"

namespace tinydet::data::detail {
namespace fs = std::filesystem;
using nlohmann::json;

RawData read_coco(const fs::path& json_path, const fs::path& image_dir_arg,
                  const LoadOptions& opt) {
  RawData raw;
  raw.format = "coco";
  raw.root = json_path.string();
  std::error_code ec;
  if (!fs::is_regular_file(json_path, ec))
    throw std::runtime_error("COCO annotation file '" + json_path.string() + "' does not exist");
  const fs::path image_dir = image_dir_arg.empty() ? json_path.parent_path() : image_dir_arg;
  if (!fs::is_directory(image_dir, ec))
    throw std::runtime_error("COCO image directory '" + image_dir.string() +
                             "' does not exist (for '" + json_path.string() + "')");

  json doc;
  try {
    doc = json::parse(read_text_file(json_path));
  } catch (const json::exception& e) {
    // The whole file is unusable: there is no sample to skip, so this is always fatal.
    throw std::runtime_error("COCO annotation file '" + json_path.string() +
                             "' is not valid JSON: " + e.what());
  }
  if (!doc.is_object() || !doc.contains("images") || !doc["images"].is_array())
    throw std::runtime_error("COCO annotation file '" + json_path.string() +
                             "' has no \"images\" array");

  // Categories sorted by id.
  std::map<long long, std::string> categories;
  if (doc.contains("categories") && doc["categories"].is_array()) {
    for (const auto& c : doc["categories"]) {
      if (!c.is_object() || !c.contains("id") || !c["id"].is_number_integer() ||
          !c.contains("name") || !c["name"].is_string())
        throw std::runtime_error("COCO annotation file '" + json_path.string() +
                                 "': a category lacks an integer \"id\" or a \"name\": " +
                                 c.dump());
      categories[c["id"].get<long long>()] = c["name"].get<std::string>();
    }
    for (const auto& [id, name] : categories) raw.classes.push_back(name);
    raw.classes_known = true;
  }

  // Images.
  std::map<long long, size_t> item_of_image;
  const std::string ann_file = json_path.string();
  for (const auto& im : doc["images"]) {
    if (!im.is_object() || !im.contains("id") || !im["id"].is_number_integer() ||
        !im.contains("file_name") || !im["file_name"].is_string()) {
      raw.problems.push_back(Problem{Problem::Severity::Skipped, "malformed_annotation", ann_file,
                                     "image entry lacks an integer \"id\" or a \"file_name\": " +
                                         im.dump().substr(0, 200)});
      continue;
    }
    const long long id = im["id"].get<long long>();
    if (item_of_image.count(id)) {
      raw.problems.push_back(Problem{Problem::Severity::Skipped, "malformed_annotation", ann_file,
                                     "duplicate image id " + std::to_string(id)});
      continue;
    }
    ItemResult item;
    item.sample.image_path = (image_dir / im["file_name"].get<std::string>()).string();
    item.sample.annotation_path = ann_file;
    item.sample.id = std::to_string(id);
    // Keep the JSON size to compare against the real one after reading the header.
    item.sample.width = im.value("width", 0);
    item.sample.height = im.value("height", 0);
    item_of_image[id] = raw.items.size();
    raw.items.push_back(std::move(item));
  }
  std::vector<std::pair<int, int>> json_sizes;
  for (auto& item : raw.items) json_sizes.emplace_back(item.sample.width, item.sample.height);

  // Annotations.
  if (doc.contains("annotations") && doc["annotations"].is_array()) {
    for (const auto& a : doc["annotations"]) {
      const bool has_image = a.is_object() && a.contains("image_id") &&
                             a["image_id"].is_number_integer();
      auto it = has_image ? item_of_image.find(a["image_id"].get<long long>())
                          : item_of_image.end();
      if (it == item_of_image.end()) {
        raw.problems.push_back(Problem{Problem::Severity::Skipped, "orphan_annotation", ann_file,
                                       "annotation refers to no listed image: " +
                                           a.dump().substr(0, 200)});
        continue;
      }
      ItemResult& item = raw.items[it->second];
      const std::string aid = a.contains("id") ? a["id"].dump() : std::string("?");
      if (!a.contains("bbox") || !a["bbox"].is_array() || a["bbox"].size() != 4 ||
          !std::all_of(a["bbox"].begin(), a["bbox"].end(),
                       [](const json& v) { return v.is_number(); }) ||
          !a.contains("category_id") || !a["category_id"].is_number_integer()) {
        skip_item(item, "malformed_annotation",
                  "annotation " + aid + " lacks a numeric 4-element \"bbox\" or an integer "
                  "\"category_id\"");
        continue;
      }
      const long long cat = a["category_id"].get<long long>();
      auto c = categories.find(cat);
      const std::string name = c != categories.end() ? c->second
                                                     : "category_id " + std::to_string(cat);
      Box b;
      b.x0 = a["bbox"][0].get<float>();
      b.y0 = a["bbox"][1].get<float>();
      b.x1 = b.x0 + a["bbox"][2].get<float>();
      b.y1 = b.y0 + a["bbox"][3].get<float>();
      b.crowd = a.contains("iscrowd") && a["iscrowd"].is_number() && a["iscrowd"].get<int>() != 0;
      item.sample.boxes.push_back(b);
      item.box_class.push_back(name);
    }
  }

  parallel_for_each_index(raw.items.size(), [&](size_t i) {
    ItemResult& item = raw.items[i];
    if (item.skip) return;
    read_image_info(item, opt.verify_pixels);
    if (item.skip) return;
    const auto [jw, jh] = json_sizes[i];
    if (jw <= 0 || jh <= 0)
      add_problem(item, Problem::Severity::Info, "annotation_size_missing",
                  "image entry gives no size; using the image's own size");
    else if (jw != item.sample.width || jh != item.sample.height)
      add_problem(item, Problem::Severity::Warning, "annotation_size_mismatch",
                  "JSON says " + std::to_string(jw) + "x" + std::to_string(jh) +
                      " but the image is " + std::to_string(item.sample.width) + "x" +
                      std::to_string(item.sample.height) + "; using the image's size");
    clip_boxes_to_image(item);
  });
  return raw;
}

}  // namespace tinydet::data::detail
