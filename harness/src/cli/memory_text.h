// The text form of a "memory" block (suite::memory_json), for `info --executor` and
// `bench`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tinydet::cli {

/// Bytes as "12345 B (12.1 KiB)".
std::string bytes_text(double bytes);

/// One figure a line, indented by two spaces: arena, lower bound, scratch, flash, measured
/// high-water mark, MACs, then the executor's own figures.
std::string memory_text(const nlohmann::json& memory);

}  // namespace tinydet::cli
