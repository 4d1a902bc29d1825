// The context block of a results file (after google/benchmark's): where and with what a
// run was measured, so figures from different machines are never compared blindly.
#pragma once

#include <nlohmann/json.hpp>

namespace tinydet::suite {

/// host, cpu_model, cores, compiler, build_type, git_revision, tinydet_version, library
/// versions (OpenCV, oneTBB, libtorch, Google Benchmark, nlohmann-json), date (UTC, ISO
/// 8601) and the seeds given in `seeds`.
nlohmann::json run_context(const nlohmann::json& seeds);

/// Current UTC time as ISO 8601 ("2026-11-22T04:37:31Z").
std::string utc_now_iso8601();

/// Process peak resident set size in bytes (VmHWM), or 0 where unknown.
size_t peak_rss_bytes();

}  // namespace tinydet::suite
