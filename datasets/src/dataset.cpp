// load_dataset: spec parsing, named-dataset resolution, and assembly of a reader's raw
// output into a Dataset (class mapping and filter, strict mode, split, fingerprint).
#include "tinydet/datasets/dataset.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

#include "reader_common.h"
#include "tinydet/datasets/catalogue.h"
#include "tinydet/datasets/synthetic.h"

namespace tinydet::data {
namespace fs = std::filesystem;
using detail::RawData;

const char* split_name(Split s) {
  switch (s) {
    case Split::Train: return "train";
    case Split::Val: return "val";
    case Split::Test: return "test";
  }
  return "?";
}

const char* severity_name(Problem::Severity s) {
  switch (s) {
    case Problem::Severity::Info: return "info";
    case Problem::Severity::Warning: return "warning";
    case Problem::Severity::Skipped: return "skipped";
  }
  return "?";
}

const std::vector<size_t>& Dataset::indices(Split s) const {
  return s == Split::Train ? train : s == Split::Val ? val : test;
}

size_t Dataset::num_boxes() const {
  size_t n = 0;
  for (const auto& s : samples) n += s.boxes.size();
  return n;
}

namespace {

// 64-bit FNV-1a, fed field by field.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  void str(const std::string& s) { u64(s.size()); bytes(s.data(), s.size()); }
  void u64(uint64_t v) { bytes(&v, sizeof v); }
  void f32(float v) { bytes(&v, sizeof v); }
};

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Fisher-Yates with our own generator so the order is identical on every platform.
void seeded_shuffle(std::vector<size_t>& v, uint64_t seed) {
  uint64_t state = seed ^ 0x5EED5EED5EED5EEDull;
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = size_t(splitmix64(state) % i);
    std::swap(v[i - 1], v[j]);
  }
}

std::string missing_data_message(const std::string& name, const CatalogueEntry& e,
                                 const std::vector<std::string>& looked) {
  std::ostringstream m;
  m << "dataset '" << name << "' not found. Looked for '" << e.relative_spec << "' in:";
  for (const auto& d : looked) m << "\n  " << d;
  m << "\nSet --data-dir or $TINYDET_DATA_DIR to the folder holding it. " << e.how_to_get
    << "\nscripts/fetch-datasets.sh downloads COCO 2017 val into a data directory.";
  return m.str();
}

// Splits "a@b" at the LAST '@' (paths rarely contain '@'; a missing part gives "").
std::pair<std::string, std::string> split_at(const std::string& s) {
  const size_t at = s.rfind('@');
  if (at == std::string::npos) return {s, ""};
  return {s.substr(0, at), s.substr(at + 1)};
}

Dataset assemble(RawData raw, const std::string& spec, const LoadOptions& opt,
                 const std::vector<std::string>& catalogue_classes) {
  Dataset ds;
  ds.spec = spec;
  ds.format = raw.format;
  ds.root = raw.root;
  ds.seed = opt.seed;

  // Class list: the data's own, else the catalogue's, else discovered (sorted).
  std::vector<std::string> classes = raw.classes;
  bool known = raw.classes_known;
  if (!known && !catalogue_classes.empty()) {
    classes = catalogue_classes;
    known = true;
  }
  if (!known) {
    std::vector<std::string> names;
    for (const auto& item : raw.items)
      if (!item.skip) names.insert(names.end(), item.box_class.begin(), item.box_class.end());
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    classes = names;
  }
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < classes.size(); ++i) index_of.emplace(classes[i], int(i));

  // --classes filter: names must exist; maps data index -> filter order.
  std::map<std::string, int> filter_index;
  for (size_t i = 0; i < opt.classes.size(); ++i) {
    if (!index_of.count(opt.classes[i])) {
      std::string all;
      for (const auto& c : classes) all += (all.empty() ? "" : ", ") + c;
      throw std::invalid_argument("class filter: '" + opt.classes[i] +
                                  "' is not a class of dataset '" + spec + "' (classes: " + all +
                                  ")");
    }
    if (!filter_index.emplace(opt.classes[i], int(i)).second)
      throw std::invalid_argument("class filter: '" + opt.classes[i] + "' is listed twice");
  }
  const bool filtering = !opt.classes.empty();
  ds.classes = filtering ? opt.classes : classes;

  auto record = [&](const Problem& p) {
    if (opt.strict && p.severity == Problem::Severity::Skipped)
      throw std::runtime_error("strict: " + p.file + ": " + p.message + " [" + p.kind + "]");
    if (opt.print_warnings && p.severity != Problem::Severity::Info)
      std::fprintf(stderr, "warning: %s: %s\n", p.file.c_str(), p.message.c_str());
    ds.problems.push_back(p);
  };

  for (const auto& p : raw.problems) {
    record(p);
    if (p.severity == Problem::Severity::Skipped) ++ds.skipped;
  }
  std::vector<uint64_t> image_bytes;
  for (auto& item : raw.items) {
    for (const auto& p : item.problems) record(p);
    if (item.skip) {
      ++ds.skipped;
      continue;
    }
    Sample s = std::move(item.sample);
    std::vector<Box> boxes;
    for (size_t i = 0; i < s.boxes.size(); ++i) {
      const std::string& name = item.box_class[i];
      if (filtering) {
        auto f = filter_index.find(name);
        if (f == filter_index.end()) continue;  // not wanted (even if unknown): dropped
        Box b = s.boxes[i];
        b.cls = f->second;
        boxes.push_back(b);
        continue;
      }
      auto it = index_of.find(name);
      if (it == index_of.end()) {
        std::string all;
        for (const auto& c : classes) all += (all.empty() ? "" : ", ") + c;
        throw std::runtime_error("'" + (s.annotation_path.empty() ? s.image_path
                                                                  : s.annotation_path) +
                                 "': unknown class '" + name + "' (dataset classes: " + all +
                                 "); pass --classes to keep only the classes you want");
      }
      Box b = s.boxes[i];
      b.cls = it->second;
      boxes.push_back(b);
    }
    s.boxes = std::move(boxes);
    ds.samples.push_back(std::move(s));
    image_bytes.push_back(item.image_bytes);
  }

  // Deterministic order: by split, then id, then path.
  std::vector<size_t> order(ds.samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Sample &x = ds.samples[a], &y = ds.samples[b];
    if (x.split != y.split) return x.split < y.split;
    if (x.id != y.id) return x.id < y.id;
    return x.image_path < y.image_path;
  });
  {
    std::vector<Sample> sorted;
    std::vector<uint64_t> bytes;
    for (size_t i : order) {
      sorted.push_back(std::move(ds.samples[i]));
      bytes.push_back(image_bytes[i]);
    }
    ds.samples = std::move(sorted);
    image_bytes = std::move(bytes);
  }

  // Split: the data's own folders first; missing val/test carved from train.
  ds.split_from_data = raw.has_split;
  bool has[3] = {false, false, false};
  for (const auto& s : ds.samples) has[int(s.split)] = true;
  std::vector<size_t> train_idx;
  for (size_t i = 0; i < ds.samples.size(); ++i)
    if (ds.samples[i].split == Split::Train) train_idx.push_back(i);
  if (opt.val_fraction < 0 || opt.test_fraction < 0 || opt.val_fraction + opt.test_fraction >= 1)
    throw std::invalid_argument("split fractions must be >= 0 and sum to < 1 (val " +
                                std::to_string(opt.val_fraction) + ", test " +
                                std::to_string(opt.test_fraction) + ")");
  seeded_shuffle(train_idx, opt.seed);
  const size_t n = train_idx.size();
  const size_t n_val = has[1] ? 0 : size_t(double(n) * opt.val_fraction + 0.5);
  const size_t n_test = has[2] ? 0 : size_t(double(n) * opt.test_fraction + 0.5);
  for (size_t k = 0; k < n; ++k) {
    Sample& s = ds.samples[train_idx[k]];
    if (k < n_val) s.split = Split::Val;
    else if (k < n_val + n_test) s.split = Split::Test;
  }
  for (size_t i = 0; i < ds.samples.size(); ++i) {
    switch (ds.samples[i].split) {
      case Split::Train: ds.train.push_back(i); break;
      case Split::Val: ds.val.push_back(i); break;
      case Split::Test: ds.test.push_back(i); break;
    }
  }

  // Fingerprint over the content.
  Fnv f;
  f.str(ds.format);
  f.u64(ds.classes.size());
  for (const auto& c : ds.classes) f.str(c);
  f.u64(ds.samples.size());
  for (size_t i = 0; i < ds.samples.size(); ++i) {
    const Sample& s = ds.samples[i];
    f.str(fs::path(s.image_path).filename().string());
    f.str(s.id);
    f.u64(uint64_t(s.split));
    f.u64(uint64_t(s.width));
    f.u64(uint64_t(s.height));
    f.u64(image_bytes[i]);
    f.u64(s.boxes.size());
    for (const Box& b : s.boxes) {
      f.f32(b.x0); f.f32(b.y0); f.f32(b.x1); f.f32(b.y1);
      f.u64(uint64_t(b.cls) | (uint64_t(b.crowd) << 32) | (uint64_t(b.difficult) << 33));
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(f.h));
  ds.fingerprint = hex;
  return ds;
}

int parse_positive_int(const std::string& s, const std::string& what, const std::string& spec) {
  const auto v = detail::parse_number(s);
  if (!v || *v < 1 || *v != double(long(*v)) || *v > 1e7)
    throw std::invalid_argument("dataset spec '" + spec + "': " + what + " '" + s +
                                "' is not a positive integer");
  return int(*v);
}

}  // namespace

Dataset load_dataset(const std::string& spec, const LoadOptions& opt) {
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);

  if (kind == "synthetic") {
    SyntheticOptions so;
    so.cache_dir = opt.cache_dir;
    if (!arg.empty()) {
      const auto [n, seed] = split_at(arg);
      if (!n.empty()) so.count = parse_positive_int(n, "image count", spec);
      if (arg.find('@') != std::string::npos) {
        const auto v = detail::parse_number(seed);
        if (!v || *v < 0 || *v != double(uint64_t(*v)))
          throw std::invalid_argument("dataset spec '" + spec + "': seed '" + seed +
                                      "' is not a non-negative integer");
        so.seed = uint64_t(*v);
      }
    }
    const SyntheticCache cache = ensure_synthetic_cache(so);
    if (opt.print_warnings && cache.generated)
      std::fprintf(stderr, "synthetic: generated %d images in %.2f s into %s\n", so.count,
                   cache.seconds, cache.dir.c_str());
    RawData raw = detail::read_coco(cache.annotations_json, cache.image_dir, opt);
    raw.format = "synthetic";
    raw.root = cache.dir;
    return assemble(std::move(raw), spec, opt, {});
  }
  if (colon != std::string::npos && arg.empty())
    throw std::invalid_argument("dataset spec '" + spec + "': missing path after '" + kind + ":'");
  if (kind == "voc" && colon != std::string::npos)
    return assemble(detail::read_voc(arg, opt), spec, opt, {});
  if (kind == "yolo" && colon != std::string::npos)
    return assemble(detail::read_yolo(arg, opt), spec, opt, {});
  if (kind == "coco" && colon != std::string::npos) {
    const auto [json, images] = split_at(arg);
    return assemble(detail::read_coco(json, images, opt), spec, opt, {});
  }
  if (colon == std::string::npos) {
    const CatalogueEntry* e = find_catalogue_entry(spec);
    if (e && e->format != "synthetic") {
      const std::vector<std::string> dirs = data_dir_candidates(opt.data_dir);
      const auto [first, second] = split_at(e->relative_spec);
      for (const auto& d : dirs) {
        std::error_code ec;
        const fs::path base(d);
        if (!fs::exists(base / first, ec)) continue;
        RawData raw = e->format == "voc"    ? detail::read_voc(base / first, opt)
                      : e->format == "yolo" ? detail::read_yolo(base / first, opt)
                                            : detail::read_coco(base / first,
                                                                second.empty() ? fs::path()
                                                                               : base / second,
                                                                opt);
        return assemble(std::move(raw), spec, opt, e->classes);
      }
      throw std::runtime_error(missing_data_message(spec, *e, dirs));
    }
  }
  std::string names;
  for (const auto& e : catalogue()) names += (names.empty() ? "" : ", ") + e.name;
  throw std::invalid_argument("unknown dataset spec '" + spec +
                              "'; expected synthetic[:N[@SEED]], voc:DIR, "
                              "coco:ANNOTATIONS.json[@IMAGE_DIR], yolo:DIR or a named dataset (" +
                              names + ")");
}

}  // namespace tinydet::data
