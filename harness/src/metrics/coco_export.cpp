#include "metrics/coco_export.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

#include "metrics/coco_box.h"

namespace tinydet::metrics {

namespace {

nlohmann::json bbox_json(const CocoBox& b) { return nlohmann::json::array({b.x, b.y, b.w, b.h}); }

}  // namespace

nlohmann::json coco_ground_truth_json(const EvalSet& set,
                                      const std::vector<std::string>& file_names) {
  set.validate();
  if (!file_names.empty() && file_names.size() != set.images.size())
    throw std::invalid_argument("coco_export: " + std::to_string(file_names.size()) +
                                " file names for " + std::to_string(set.images.size()) + " images");
  nlohmann::json images = nlohmann::json::array();
  nlohmann::json annotations = nlohmann::json::array();
  nlohmann::json categories = nlohmann::json::array();
  std::int64_t annotation_id = 1;
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const EvalImage& image = set.images[i];
    const std::int64_t image_id = set.coco_image_id(i);
    nlohmann::json entry{{"id", image_id}, {"width", image.width}, {"height", image.height}};
    entry["file_name"] = file_names.empty() ? std::to_string(image_id) : file_names[i];
    images.push_back(std::move(entry));
    for (const Box& g : image.ground_truth) {
      const CocoBox b = coco_box_from_corners(g.x0, g.y0, g.x1, g.y1);
      annotations.push_back({{"id", annotation_id++},
                             {"image_id", image_id},
                             {"category_id", set.coco_category_id(g.cls)},
                             {"bbox", bbox_json(b)},
                             {"area", b.area()},
                             {"iscrowd", g.crowd ? 1 : 0}});
    }
  }
  for (int c = 0; c < set.num_classes(); ++c)
    categories.push_back({{"id", set.coco_category_id(c)},
                          {"name", set.class_names[static_cast<std::size_t>(c)]},
                          {"supercategory", "object"}});
  return nlohmann::json{{"info", {{"description", "tinydet-bench ground truth (area = box w*h)"}}},
                        {"images", images},
                        {"annotations", annotations},
                        {"categories", categories}};
}

nlohmann::json coco_results_json(const EvalSet& set) {
  set.validate();
  nlohmann::json results = nlohmann::json::array();
  for (std::size_t i = 0; i < set.images.size(); ++i)
    for (const Detection& d : set.images[i].detections)
      results.push_back({{"image_id", set.coco_image_id(i)},
                         {"category_id", set.coco_category_id(d.cls)},
                         {"bbox", bbox_json(coco_box_from_corners(d.x0, d.y0, d.x1, d.y1))},
                         {"score", static_cast<double>(d.score)}});
  return results;
}

namespace {

void write_json(const nlohmann::json& j, const std::filesystem::path& path) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("coco_export: cannot open " + path.string() + " for writing");
  out << j.dump() << '\n';
  if (!out) throw std::runtime_error("coco_export: failed writing " + path.string());
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("coco_import: cannot open " + path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("coco_import: " + path.string() + ": " + e.what());
  }
}

template <typename T>
T get_key(const nlohmann::json& j, const char* key, const std::filesystem::path& path) {
  if (!j.is_object() || !j.contains(key))
    throw std::runtime_error("coco_import: " + path.string() + ": missing key '" + key + "'");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("coco_import: " + path.string() + ": key '" + key + "': " + e.what());
  }
}

void corners_from_bbox(const nlohmann::json& bbox, const std::filesystem::path& path, float& x0,
                       float& y0, float& x1, float& y1) {
  if (!bbox.is_array() || bbox.size() != 4)
    throw std::runtime_error("coco_import: " + path.string() + ": bbox is not [x, y, w, h]");
  const double x = bbox[0].get<double>(), y = bbox[1].get<double>();
  const double w = bbox[2].get<double>(), h = bbox[3].get<double>();
  x0 = static_cast<float>(x);
  y0 = static_cast<float>(y);
  x1 = static_cast<float>(x + w);
  y1 = static_cast<float>(y + h);
}

}  // namespace

void write_coco_json(const EvalSet& set, const std::filesystem::path& ground_truth_path,
                     const std::filesystem::path& results_path,
                     const std::vector<std::string>& file_names) {
  write_json(coco_ground_truth_json(set, file_names), ground_truth_path);
  write_json(coco_results_json(set), results_path);
}

EvalSet read_coco_json(const std::filesystem::path& ground_truth_path,
                       const std::filesystem::path& results_path) {
  const nlohmann::json gt = read_json(ground_truth_path);
  const nlohmann::json res = read_json(results_path);
  EvalSet set;
  // categories in ascending id order
  std::vector<std::pair<std::int64_t, std::string>> categories;
  for (const auto& c : get_key<nlohmann::json>(gt, "categories", ground_truth_path))
    categories.emplace_back(get_key<std::int64_t>(c, "id", ground_truth_path),
                            c.contains("name") ? c["name"].get<std::string>() : std::string());
  std::sort(categories.begin(), categories.end());
  std::map<std::int64_t, int> class_of;
  for (const auto& [id, name] : categories) {
    class_of[id] = set.num_classes();
    set.class_names.push_back(name);
    set.category_ids.push_back(id);
  }
  std::map<std::int64_t, std::size_t> image_index;
  for (const auto& im : get_key<nlohmann::json>(gt, "images", ground_truth_path)) {
    EvalImage image;
    image.image_id = get_key<std::int64_t>(im, "id", ground_truth_path);
    image.width = im.contains("width") ? im["width"].get<int>() : 0;
    image.height = im.contains("height") ? im["height"].get<int>() : 0;
    image_index[image.image_id] = set.images.size();
    set.images.push_back(std::move(image));
  }
  auto lookup = [&](const nlohmann::json& a, const std::filesystem::path& path) {
    const auto img = image_index.find(get_key<std::int64_t>(a, "image_id", path));
    const auto cat = class_of.find(get_key<std::int64_t>(a, "category_id", path));
    if (img == image_index.end() || cat == class_of.end())
      throw std::runtime_error("coco_import: " + path.string() +
                               ": annotation refers to an unknown image or category id");
    return std::make_pair(img->second, cat->second);
  };
  for (const auto& a : get_key<nlohmann::json>(gt, "annotations", ground_truth_path)) {
    const auto [i, cls] = lookup(a, ground_truth_path);
    Box b;
    corners_from_bbox(get_key<nlohmann::json>(a, "bbox", ground_truth_path), ground_truth_path,
                      b.x0, b.y0, b.x1, b.y1);
    b.cls = cls;
    b.crowd = a.contains("iscrowd") && a["iscrowd"].get<int>() != 0;
    set.images[i].ground_truth.push_back(b);
  }
  if (!res.is_array())
    throw std::runtime_error("coco_import: " + results_path.string() + ": not a JSON array");
  for (const auto& r : res) {
    const auto [i, cls] = lookup(r, results_path);
    Detection d;
    corners_from_bbox(get_key<nlohmann::json>(r, "bbox", results_path), results_path, d.x0, d.y0,
                      d.x1, d.y1);
    d.cx = 0.5f * (d.x0 + d.x1);
    d.cy = 0.5f * (d.y0 + d.y1);
    d.cls = cls;
    d.score = get_key<float>(r, "score", results_path);
    set.images[i].detections.push_back(d);
  }
  set.validate();
  return set;
}

}  // namespace tinydet::metrics
