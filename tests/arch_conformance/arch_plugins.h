// The architecture plugins under test: every architecture plugin that the plugin loader
// (harness/src/loader) accepts from the build plugin directory, TINYDET_BUILD_PLUGIN_DIR.
// Loaded once per process; the registry keeps the libraries open.
#pragma once

#include <string>
#include <vector>

#include "loader/plugin_loader.h"

namespace tinydet::testing {

using ArchPlugin = LoadedPlugin;
using ArchPtr = ArchitectureHandle;

/// Every architecture plugin in TINYDET_BUILD_PLUGIN_DIR, sorted by name.
const std::vector<ArchPlugin>& architecture_plugins();
/// Plugin files of that directory that the loader refused, each with its reason.
std::vector<std::string> plugin_load_errors();

/// A fresh instance of the named architecture plugin; throws if absent.
ArchPtr create_architecture(const std::string& name);
ArchPtr create_architecture(const ArchPlugin& plugin);

}  // namespace tinydet::testing
