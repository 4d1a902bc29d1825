#include "cli/version.h"

#include <nlohmann/json.hpp>

#include "suite/run_context.h"
#include "tinydet/plugin.h"

namespace tinydet::cli {

namespace {

std::string line(const std::string& label, const std::string& value) {
  std::string text = "  " + label + ":";
  if (text.size() < 20) text.resize(20, ' ');
  return text + value + "\n";
}

}  // namespace

std::string version_text() {
  const nlohmann::json context = suite::run_context(nlohmann::json::object());
  std::string text = "tinydet " + context.value("tinydet_version", std::string("?")) + "\n";
  text += line("git revision", context.value("git_revision", ""));
  text += line("build type", context.value("build_type", ""));
  text += line("compiler", context.value("compiler", ""));
  for (const auto& [library, version] : context["libraries"].items()) {
    text += line(library, version.get<std::string>());
  }
  text += line("plugin ABI", std::to_string(TINYDET_PLUGIN_ABI_VERSION));
  text.pop_back();  // CLI11 adds the final newline
  return text;
}

}  // namespace tinydet::cli
