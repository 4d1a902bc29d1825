#include "arch_plugins.h"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace tinydet::testing {
namespace {

struct Registry {
  std::vector<ArchPlugin> plugins;
  std::vector<std::string> errors;
};

Registry load_registry() {
  Registry r;
  namespace fs = std::filesystem;
  const fs::path dir = TINYDET_BUILD_PLUGIN_DIR;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    r.errors.push_back("plugin directory " + dir.string() + " does not exist");
    return r;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string fname = entry.path().filename().string();
    if (fname.starts_with("libtinydet_") && fname.ends_with(".so")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    void* lib = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      r.errors.push_back(file.string() + ": dlopen failed: " + dlerror());
      continue;
    }
    auto entry = reinterpret_cast<tinydet_plugin_entry_fn>(dlsym(lib, TINYDET_PLUGIN_ENTRY_SYMBOL));
    if (!entry) {
      r.errors.push_back(file.string() + ": no " TINYDET_PLUGIN_ENTRY_SYMBOL " symbol");
      continue;
    }
    const tinydet_plugin_descriptor* d = entry();
    if (!d || d->abi_version != TINYDET_PLUGIN_ABI_VERSION ||
        d->struct_size != sizeof(tinydet_plugin_descriptor) || !d->name || !d->create ||
        !d->destroy) {
      r.errors.push_back(file.string() + ": invalid descriptor");
      continue;
    }
    if (d->kind != TINYDET_PLUGIN_ARCHITECTURE) continue;
    r.plugins.push_back(ArchPlugin{d->name, file.string(), d});
  }
  std::sort(r.plugins.begin(), r.plugins.end(),
            [](const ArchPlugin& a, const ArchPlugin& b) { return a.name < b.name; });
  return r;
}

const Registry& registry() {
  static const Registry r = load_registry();
  return r;
}

}  // namespace

const std::vector<ArchPlugin>& architecture_plugins() { return registry().plugins; }
const std::vector<std::string>& plugin_load_errors() { return registry().errors; }

ArchPtr create_architecture(const ArchPlugin& plugin) {
  void* instance = nullptr;
  char err[512] = {0};
  if (plugin.descriptor->create(&instance, err, sizeof err) != 0 || !instance)
    throw std::runtime_error("plugin '" + plugin.name + "' failed to create: " + err);
  return ArchPtr(static_cast<Architecture*>(instance), ArchDeleter{plugin.descriptor->destroy});
}

ArchPtr create_architecture(const std::string& name) {
  for (const auto& p : architecture_plugins())
    if (p.name == name) return create_architecture(p);
  throw std::runtime_error("architecture plugin '" + name + "' not found in " +
                           std::string(TINYDET_BUILD_PLUGIN_DIR));
}

}  // namespace tinydet::testing
