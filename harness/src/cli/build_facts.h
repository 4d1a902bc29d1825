// Facts about this build (version, git revision, compiler, library versions), for
// `tinydet --version` and for the context block of results files.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tinydet::cli {

/// (label, value) pairs in a fixed order: "version", "git_revision", "build_type",
/// "compiler", "opencv", "tbb", "tbb_runtime", "libtorch", "plugin_abi".
std::vector<std::pair<std::string, std::string>> build_facts();

/// The text `tinydet --version` prints: one fact per line.
std::string version_text();

}  // namespace tinydet::cli
