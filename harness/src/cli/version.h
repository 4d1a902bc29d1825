// The text of `tinydet --version`.
#pragma once

#include <string>

namespace tinydet::cli {

/// Version, git revision, build type, compiler, library versions (OpenCV, oneTBB,
/// libtorch, ...) and plugin ABI, one per line. The same facts as the context block of
/// results files (suite/run_context.h), from which they are taken.
std::string version_text();

}  // namespace tinydet::cli
