// The model file (.tdm): one trained graph with its weights and quantisation parameters,
// so `train`, `eval` and `bench` can be separate commands.
//
// Format (little-endian): magic "TDMODEL\0", uint32 format version, uint64 payload size,
// payload, uint32 CRC-32 of the payload. The loader refuses a wrong magic (foreign file),
// a newer format version, a size or checksum mismatch (truncated or damaged), each with
// an error naming the file.
#pragma once

#include <string>

#include "tinydet/graph.h"

namespace tinydet {

inline constexpr uint32_t kModelFormatVersion = 1;

/// Writes atomically (temporary file, then rename). Throws std::runtime_error on failure.
void save_model(const Graph& g, const std::string& path);
/// Throws std::runtime_error naming `path` and the problem.
Graph load_model(const std::string& path);

}  // namespace tinydet
