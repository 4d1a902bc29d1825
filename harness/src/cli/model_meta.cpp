#include "cli/model_meta.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace tinydet::cli {

namespace {

const std::string& required(const Graph& g, const std::string& key, const std::string& file) {
  const auto it = g.meta.find(key);
  if (it == g.meta.end() || it->second.empty())
    throw std::runtime_error("model file '" + file + "' has no '" + key +
                             "' in its metadata (not written by `tinydet train`?)");
  return it->second;
}

int positive_int(const Graph& g, const std::string& key, const std::string& file) {
  const std::string& text = required(g, key, file);
  size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value <= 0)
    throw std::runtime_error("model file '" + file + "': metadata '" + key + "' = '" + text +
                             "' is not a positive integer");
  return value;
}

}  // namespace

ArchConfig arch_config_from_meta(const Graph& g, const std::string& file) {
  ArchConfig cfg;
  cfg.input_h = positive_int(g, "input_h", file);
  cfg.input_w = positive_int(g, "input_w", file);
  cfg.num_classes = positive_int(g, "num_classes", file);
  const std::string prefix = "option.";
  for (const auto& [key, value] : g.meta)
    if (key.rfind(prefix, 0) == 0) cfg.options[key.substr(prefix.size())] = value;
  return cfg;
}

std::string plugin_from_meta(const Graph& g, const std::string& file) {
  return required(g, "plugin", file);
}

std::vector<std::string> class_names_from_meta(const Graph& g) {
  const auto it = g.meta.find("classes");
  if (it == g.meta.end()) return {};
  const auto j = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> names;
  if (!j.is_array()) return names;
  for (const auto& n : j)
    if (n.is_string()) names.push_back(n.get<std::string>());
  return names;
}

void set_class_names(Graph& g, const std::vector<std::string>& names) {
  g.meta["classes"] = nlohmann::json(names).dump();
}

}  // namespace tinydet::cli
