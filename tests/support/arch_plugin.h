// Loads an architecture plugin from the build tree with dlopen, for tests that need a
// plugin's own graph without the harness loader (header-only).
#pragma once

#include <dlfcn.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "tinydet/architecture.h"
#include "tinydet/plugin.h"

namespace tinydet::test {

class ArchPlugin {
 public:
  /// The plugin file in the build tree's plugin folder, e.g. libtinydet_fomo.so.
  static std::filesystem::path file(const std::string& name) {
    return std::filesystem::path(TINYDET_BUILD_PLUGIN_DIR) / ("libtinydet_" + name + ".so");
  }
  explicit ArchPlugin(const std::string& name) {
    const auto so = file(name);
    lib_ = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib_) throw std::runtime_error("cannot load " + so.string() + ": " + dlerror());
    auto entry = reinterpret_cast<tinydet_plugin_entry_fn>(dlsym(lib_, TINYDET_PLUGIN_ENTRY_SYMBOL));
    if (!entry) throw std::runtime_error(so.string() + " has no plugin entry");
    d_ = entry();
    if (d_->kind != TINYDET_PLUGIN_ARCHITECTURE) throw std::runtime_error(so.string() + " is no architecture");
    void* inst = nullptr;
    char err[256] = {0};
    if (d_->create(&inst, err, sizeof err) != 0) throw std::runtime_error(err);
    arch_ = static_cast<Architecture*>(inst);
  }
  ~ArchPlugin() {
    if (arch_) d_->destroy(static_cast<void*>(arch_));
    if (lib_) dlclose(lib_);
  }
  ArchPlugin(const ArchPlugin&) = delete;
  ArchPlugin& operator=(const ArchPlugin&) = delete;

  /// The inference graph (folded, He-initialised weights) at `resolution`, 2 classes.
  Graph inference_graph(int resolution, uint64_t seed = 1) {
    ArchConfig cfg;
    cfg.input_h = cfg.input_w = resolution;
    cfg.num_classes = 2;
    arch_->configure(cfg);
    Graph g = arch_->build_graph();
    init_weights(g, seed);
    return fold_for_inference(g);
  }

 private:
  void* lib_ = nullptr;
  const tinydet_plugin_descriptor* d_ = nullptr;
  Architecture* arch_ = nullptr;
};

}  // namespace tinydet::test
