// A tiny dlopen helper for the architecture tests: loads every libtinydet_*.so of the build
// plugin directory, keeps those whose descriptor says TINYDET_PLUGIN_ARCHITECTURE, and makes
// instances. (The real loader lives in harness/src/loader; this keeps the conformance tests
// independent of it.) Libraries stay open for the life of the process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/plugin.h"

namespace tinydet::testing {

struct ArchPlugin {
  std::string name;
  std::string file;
  const tinydet_plugin_descriptor* descriptor = nullptr;
};

struct ArchDeleter {
  void (*destroy)(void*) = nullptr;
  void operator()(Architecture* a) const {
    if (a && destroy) destroy(static_cast<void*>(a));
  }
};
using ArchPtr = std::unique_ptr<Architecture, ArchDeleter>;

/// Every architecture plugin in TINYDET_BUILD_PLUGIN_DIR, sorted by name (loaded once).
const std::vector<ArchPlugin>& architecture_plugins();
/// Files of that directory that could not be loaded or gave no valid descriptor, with why.
const std::vector<std::string>& plugin_load_errors();

/// A fresh instance of the named architecture plugin; throws std::runtime_error if absent.
ArchPtr create_architecture(const std::string& name);
ArchPtr create_architecture(const ArchPlugin& plugin);

}  // namespace tinydet::testing
