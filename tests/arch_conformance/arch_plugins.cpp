#include "arch_plugins.h"

#include <algorithm>

namespace tinydet::testing {
namespace {

struct Loaded {
  PluginRegistry registry;
  std::vector<ArchPlugin> architectures;
};

const Loaded& loaded() {
  static const Loaded l = [] {
    Loaded r;
    r.registry.load_directory(TINYDET_BUILD_PLUGIN_DIR, /*must_exist=*/true);
    for (const auto& p : r.registry.list())
      if (p.kind == PluginKind::Architecture) r.architectures.push_back(p);
    std::sort(r.architectures.begin(), r.architectures.end(),
              [](const ArchPlugin& a, const ArchPlugin& b) { return a.name < b.name; });
    return r;
  }();
  return l;
}

}  // namespace

const std::vector<ArchPlugin>& architecture_plugins() { return loaded().architectures; }

std::vector<std::string> plugin_load_errors() {
  std::vector<std::string> errors;
  for (const auto& f : loaded().registry.failures()) errors.push_back(f.reason);
  return errors;
}

ArchPtr create_architecture(const std::string& name) {
  return loaded().registry.find_architecture(name);
}

ArchPtr create_architecture(const ArchPlugin& plugin) { return create_architecture(plugin.name); }

}  // namespace tinydet::testing
