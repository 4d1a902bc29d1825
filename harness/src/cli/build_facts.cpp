#include "cli/build_facts.h"

#include <algorithm>

#include <oneapi/tbb/version.h>

#include "tinydet/build_info.h"
#include "tinydet/plugin.h"

namespace tinydet::cli {

std::vector<std::pair<std::string, std::string>> build_facts() {
  return {
      {"version", TINYDET_VERSION},
      {"git_revision", TINYDET_GIT_REVISION},
      {"build_type", TINYDET_BUILD_TYPE},
      {"compiler", TINYDET_COMPILER},
      {"opencv", TINYDET_OPENCV_VERSION},
      {"tbb", TBB_VERSION_STRING},
      {"tbb_runtime", TBB_runtime_version()},
      {"libtorch", TINYDET_TORCH_VERSION},
      {"plugin_abi", std::to_string(TINYDET_PLUGIN_ABI_VERSION)},
  };
}

std::string version_text() {
  std::string text = "tinydet " TINYDET_VERSION "\n";
  for (const auto& [label, value] : build_facts()) {
    if (label == "version") continue;
    std::string padded = label;
    std::replace(padded.begin(), padded.end(), '_', ' ');
    padded += ":";
    padded.resize(14, ' ');
    text += "  " + padded + value + "\n";
  }
  text.pop_back();  // CLI11 adds the final newline
  return text;
}

}  // namespace tinydet::cli
