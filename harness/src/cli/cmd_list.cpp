// `tinydet list [--json]`: the plugins found on the search path, and the refused ones
// with their reasons.
#include <algorithm>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/environment.h"

namespace tinydet::cli {
namespace {

struct ListOptions {
  bool json = false;
};

nlohmann::json to_json(const std::vector<std::filesystem::path>& search_path,
                       const PluginRegistry& registry) {
  nlohmann::json out;
  out["search_path"] = nlohmann::json::array();
  for (const auto& d : search_path) out["search_path"].push_back(d.string());
  out["plugins"] = nlohmann::json::array();
  for (const auto& p : registry.list()) {
    out["plugins"].push_back({{"kind", to_string(p.kind)},
                              {"name", p.name},
                              {"version", p.version},
                              {"description", p.description},
                              {"file", p.file.string()}});
  }
  out["failures"] = nlohmann::json::array();
  for (const auto& f : registry.failures()) {
    out["failures"].push_back({{"file", f.file.string()}, {"reason", f.reason}});
  }
  return out;
}

std::string padded(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

void print_text(const std::vector<std::filesystem::path>& search_path,
                const PluginRegistry& registry) {
  std::cout << "Plugin search path:\n";
  for (const auto& d : search_path) std::cout << "  " << d.string() << "\n";
  if (registry.list().empty()) {
    std::cout << "\nNo plugins loaded.\n";
  } else {
    size_t name_width = 4, version_width = 7;
    for (const auto& p : registry.list()) {
      name_width = std::max(name_width, p.name.size());
      version_width = std::max(version_width, p.version.size());
    }
    std::cout << "\n" << padded("KIND", 14) << padded("NAME", name_width + 2)
              << padded("VERSION", version_width + 2) << "DESCRIPTION\n";
    for (const auto& p : registry.list()) {
      std::cout << padded(to_string(p.kind), 14) << padded(p.name, name_width + 2)
                << padded(p.version, version_width + 2) << p.description << "\n"
                << padded("", 14) << padded("", name_width + 2) << "file: " << p.file.string()
                << "\n";
    }
  }
  if (!registry.failures().empty()) {
    std::cout << "\nRefused plugins (" << registry.failures().size() << "):\n";
    for (const auto& f : registry.failures()) std::cout << "  " << f.reason << "\n";
  }
}

}  // namespace

Command list_command() {
  return {"list", "List the loaded plugins and the refused ones with their reasons",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<ListOptions>();
            sub.add_flag("--json", opt->json, "Print JSON instead of a table");
            return [opt, &global]() {
              // Load without --strict so that everything found can be shown; --strict
              // then turns refusals into a failure exit code.
              PluginSearchOptions search = plugin_search_options(global);
              search.strict = false;
              const PluginRegistry registry = load_plugins(search);
              const auto search_path = plugin_search_path(search);
              if (opt->json) {
                std::cout << to_json(search_path, registry).dump(2) << "\n";
              } else {
                print_text(search_path, registry);
              }
              if (global.strict && !registry.failures().empty()) {
                std::cerr << "tinydet list: --strict: " << registry.failures().size()
                          << " plugin(s) refused\n";
                return exit_code::failed;
              }
              return exit_code::ok;
            };
          }};
}

}  // namespace tinydet::cli
