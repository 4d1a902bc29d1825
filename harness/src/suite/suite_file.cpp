#include "suite/suite_file.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace tinydet::suite {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// Validation context: the file and the JSON pointer of the value being read.
class Reader {
 public:
  Reader(const std::string& file, std::string pointer) : file_(file), ptr_(std::move(pointer)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument(file_ + ": " + (ptr_.empty() ? "/" : ptr_) + ": " + what);
  }
  Reader at(const std::string& key) const { return Reader(file_, ptr_ + "/" + key); }
  Reader at(size_t i) const { return Reader(file_, ptr_ + "/" + std::to_string(i)); }

  void expect_object(const json& j, const std::set<std::string>& known) const {
    if (!j.is_object()) fail("expected an object, got " + std::string(j.type_name()));
    for (const auto& [k, v] : j.items())
      if (!known.count(k)) {
        std::string list;
        for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
        at(k).fail("unknown key (known keys: " + list + ")");
      }
  }
  std::string string(const json& j) const {
    if (!j.is_string()) fail("expected a string, got " + std::string(j.type_name()));
    return j.get<std::string>();
  }
  int integer(const json& j, int lo, int hi) const {
    if (!j.is_number_integer()) fail("expected an integer, got " + std::string(j.type_name()));
    const auto v = j.get<int64_t>();
    if (v < lo || v > hi) fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return int(v);
  }
  double number(const json& j, double lo, double hi) const {
    if (!j.is_number()) fail("expected a number, got " + std::string(j.type_name()));
    const double v = j.get<double>();
    if (v < lo || v > hi) fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
  }
  const json& array(const json& j) const {
    if (!j.is_array()) fail("expected an array, got " + std::string(j.type_name()));
    return j;
  }
  std::map<std::string, std::string> string_map(const json& j) const {
    if (!j.is_object()) fail("expected an object of options, got " + std::string(j.type_name()));
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : j.items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
      else if (v.is_number() || v.is_boolean()) out[k] = v.dump();
      else at(k).fail("option values must be strings, numbers or booleans");
    }
    return out;
  }
  std::vector<int> resolutions(const json& j) const {
    std::vector<int> out;
    const auto& a = array(j);
    if (a.empty()) fail("must list at least one resolution");
    for (size_t i = 0; i < a.size(); ++i) out.push_back(at(i).integer(a[i], 8, 4096));
    return out;
  }

 private:
  const std::string& file_;
  std::string ptr_;
};

}  // namespace

SuiteSpec parse_suite(const json& j, const std::string& file) {
  SuiteSpec s;
  s.file = file;
  s.raw = j;
  const Reader r(file, "");
  r.expect_object(j, {"name", "description", "datasets", "architectures", "resolutions", "executors",
                      "precisions", "recipe", "calibration_images", "seed", "metrics", "latency"});
  if (!j.contains("name")) r.fail("missing key 'name'");
  s.name = r.at("name").string(j["name"]);
  if (s.name.empty() || s.name.find_first_of("/\\ ") != std::string::npos)
    r.at("name").fail("must be a non-empty name without '/', '\\' or spaces");
  if (j.contains("description")) s.description = r.at("description").string(j["description"]);

  for (const char* required : {"datasets", "architectures", "executors", "precisions"})
    if (!j.contains(required)) r.fail(std::string("missing key '") + required + "'");

  const auto& ds = r.at("datasets").array(j["datasets"]);
  if (ds.empty()) r.at("datasets").fail("must list at least one dataset");
  for (size_t i = 0; i < ds.size(); ++i) {
    const Reader d = r.at("datasets").at(i);
    DatasetEntry e;
    if (ds[i].is_string()) {
      e.spec = ds[i].get<std::string>();
    } else {
      d.expect_object(ds[i], {"spec", "classes", "val_fraction", "max_eval_images"});
      if (!ds[i].contains("spec")) d.fail("missing key 'spec'");
      e.spec = d.at("spec").string(ds[i]["spec"]);
      if (ds[i].contains("classes")) {
        const auto& c = d.at("classes").array(ds[i]["classes"]);
        for (size_t k = 0; k < c.size(); ++k) e.classes.push_back(d.at("classes").at(k).string(c[k]));
      }
      if (ds[i].contains("val_fraction"))
        e.val_fraction = d.at("val_fraction").number(ds[i]["val_fraction"], 0.01, 0.9);
      if (ds[i].contains("max_eval_images"))
        e.max_eval_images = d.at("max_eval_images").integer(ds[i]["max_eval_images"], 0, 1000000);
    }
    if (e.spec.empty()) d.fail("empty dataset spec");
    s.datasets.push_back(std::move(e));
  }

  if (j.contains("resolutions")) s.resolutions = r.at("resolutions").resolutions(j["resolutions"]);

  const auto& as = r.at("architectures").array(j["architectures"]);
  if (as.empty()) r.at("architectures").fail("must list at least one architecture");
  for (size_t i = 0; i < as.size(); ++i) {
    const Reader a = r.at("architectures").at(i);
    ArchitectureEntry e;
    if (as[i].is_string()) {
      e.name = as[i].get<std::string>();
    } else {
      a.expect_object(as[i], {"name", "options", "resolutions", "label"});
      if (!as[i].contains("name")) a.fail("missing key 'name'");
      e.name = a.at("name").string(as[i]["name"]);
      if (as[i].contains("options")) e.options = a.at("options").string_map(as[i]["options"]);
      if (as[i].contains("resolutions"))
        e.resolutions = a.at("resolutions").resolutions(as[i]["resolutions"]);
      if (as[i].contains("label")) e.label = a.at("label").string(as[i]["label"]);
    }
    if (e.label.empty()) e.label = e.name;
    if (e.resolutions.empty() && s.resolutions.empty())
      a.fail("no resolutions: give 'resolutions' here or at the top level");
    s.architectures.push_back(std::move(e));
  }

  const auto& es = r.at("executors").array(j["executors"]);
  if (es.empty()) r.at("executors").fail("must list at least one executor");
  for (size_t i = 0; i < es.size(); ++i) {
    const Reader x = r.at("executors").at(i);
    ExecutorEntry e;
    if (es[i].is_string()) {
      e.name = es[i].get<std::string>();
    } else {
      x.expect_object(es[i], {"name", "settings"});
      if (!es[i].contains("name")) x.fail("missing key 'name'");
      e.name = x.at("name").string(es[i]["name"]);
      if (es[i].contains("settings")) e.settings = x.at("settings").string_map(es[i]["settings"]);
    }
    s.executors.push_back(std::move(e));
  }

  const auto& ps = r.at("precisions").array(j["precisions"]);
  if (ps.empty()) r.at("precisions").fail("must list at least one precision");
  for (size_t i = 0; i < ps.size(); ++i) {
    const std::string p = r.at("precisions").at(i).string(ps[i]);
    if (p != "float" && p != "int8") r.at("precisions").at(i).fail("unknown precision '" + p + "' (float or int8)");
    s.precisions.push_back(p);
  }

  if (j.contains("recipe")) {
    if (!j["recipe"].is_object()) r.at("recipe").fail("expected an object");
    s.recipe = j["recipe"];
  }
  if (j.contains("calibration_images"))
    s.calibration_images = r.at("calibration_images").integer(j["calibration_images"], 1, 100000);
  if (j.contains("seed")) s.seed = uint64_t(r.at("seed").integer(j["seed"], 0, 2147483647));

  if (j.contains("metrics")) {
    const Reader m = r.at("metrics");
    const auto& mj = j["metrics"];
    m.expect_object(mj, {"score_threshold", "centroid_max_distance_cells"});
    if (mj.contains("score_threshold"))
      s.metrics.score_threshold = float(m.at("score_threshold").number(mj["score_threshold"], 0.0, 1.0));
    if (mj.contains("centroid_max_distance_cells"))
      s.metrics.centroid_max_distance_cells =
          m.at("centroid_max_distance_cells").number(mj["centroid_max_distance_cells"], 0.0, 100.0);
  }
  if (j.contains("latency")) {
    const Reader l = r.at("latency");
    const auto& lj = j["latency"];
    l.expect_object(lj, {"repetitions", "min_time_s", "threads", "images"});
    if (lj.contains("repetitions")) s.latency.repetitions = l.at("repetitions").integer(lj["repetitions"], 5, 1000);
    if (lj.contains("min_time_s")) s.latency.min_time_s = l.at("min_time_s").number(lj["min_time_s"], 0.001, 60.0);
    if (lj.contains("threads")) s.latency.threads = l.at("threads").integer(lj["threads"], 1, 256);
    if (lj.contains("images")) s.latency.images = l.at("images").integer(lj["images"], 1, 1000);
  }
  return s;
}

SuiteSpec load_suite(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  fs::path path = name_or_path;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               path.extension() == ".json";
  if (!looks_like_path) {
    path.clear();
    for (const auto& d : dirs) {
      const fs::path candidate = fs::path(d) / (name_or_path + ".json");
      if (fs::exists(candidate)) {
        path = candidate;
        break;
      }
    }
    if (path.empty()) {
      std::string known;
      for (const auto& n : list_suites(dirs)) known += (known.empty() ? "" : ", ") + n;
      throw std::invalid_argument("no suite named '" + name_or_path + "' (known: " +
                                  (known.empty() ? "none found" : known) + ")");
    }
  }
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path.string() + ": cannot open suite file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument(path.string() + ": not valid JSON: " + e.what());
  }
  return parse_suite(j, path.string());
}

std::vector<std::string> list_suites(const std::vector<std::string>& dirs) {
  std::set<std::string> names;
  for (const auto& d : dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".json") names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

}  // namespace tinydet::suite
