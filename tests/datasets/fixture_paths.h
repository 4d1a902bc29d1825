// Paths shared by the dataset tests.
#pragma once

#include <filesystem>
#include <string>

namespace tinydet::data::testing {

inline std::filesystem::path fixtures() {
  return std::filesystem::path(TINYDET_TEST_DATA_DIR) / "datasets";
}

/// A fresh empty folder under the build tree for one test (removed first if present).
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto p = std::filesystem::path(TINYDET_BINARY_DIR) / "test-scratch" / "datasets" / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace tinydet::data::testing
