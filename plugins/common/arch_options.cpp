#include "arch_options.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace tinydet::archutil {

void check_known_options(const ArchConfig& cfg, const std::vector<OptionInfo>& known,
                         const std::string& plugin) {
  for (const auto& [key, value] : cfg.options) {
    bool found = false;
    for (const auto& info : known) found = found || info.name == key;
    if (!found) {
      std::string names;
      for (const auto& info : known) names += (names.empty() ? "" : ", ") + info.name;
      throw std::invalid_argument(plugin + ": unknown option '" + key + "' (known: " + names +
                                  ")");
    }
  }
}

std::string option_or_default(const ArchConfig& cfg, const std::vector<OptionInfo>& known,
                              const std::string& key) {
  if (auto it = cfg.options.find(key); it != cfg.options.end()) return it->second;
  for (const auto& info : known)
    if (info.name == key) return info.default_value;
  throw std::logic_error("option_or_default: '" + key + "' is not a declared option");
}

float parse_float_option(const std::string& text, const std::string& key,
                         const std::string& plugin, float min_value, float max_value) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (text.empty() || end == begin || *end != '\0' || !std::isfinite(v))
    throw std::invalid_argument(plugin + ": option '" + key + "' = '" + text +
                                "' is not a number");
  if (v < min_value || v > max_value)
    throw std::invalid_argument(plugin + ": option '" + key + "' = " + text +
                                " is outside [" + std::to_string(min_value) + ", " +
                                std::to_string(max_value) + "]");
  return float(v);
}

std::string choice_option(const ArchConfig& cfg, const std::vector<OptionInfo>& known,
                          const std::string& key, const std::string& plugin,
                          const std::vector<std::string>& choices) {
  std::string value = option_or_default(cfg, known, key);
  std::string listed;
  for (const std::string& c : choices) {
    if (c == value) return value;
    listed += (listed.empty() ? "" : ", ") + c;
  }
  throw std::invalid_argument(plugin + ": option '" + key + "' = '" + value +
                              "' is not one of " + listed);
}

int parse_int_option(const std::string& text, const std::string& key, const std::string& plugin,
                     int min_value, int max_value) {
  const float v = parse_float_option(text, key, plugin, float(min_value), float(max_value));
  if (v != std::floor(v))
    throw std::invalid_argument(plugin + ": option '" + key + "' = " + text +
                                " is not a whole number");
  return int(v);
}

void check_input(const ArchConfig& cfg, int multiple, const std::string& plugin) {
  if (cfg.num_classes < 1)
    throw std::invalid_argument(plugin + ": num_classes must be at least 1, got " +
                                std::to_string(cfg.num_classes));
  const std::string size = std::to_string(cfg.input_w) + "x" + std::to_string(cfg.input_h);
  if (cfg.input_h < multiple || cfg.input_w < multiple || cfg.input_h % multiple != 0 ||
      cfg.input_w % multiple != 0)
    throw std::invalid_argument(plugin + ": input size " + size + " (width x height) is not " +
                                "a positive multiple of " + std::to_string(multiple) +
                                " on each side");
}

}  // namespace tinydet::archutil
