// The results file of one run: results/<run>/results.json.
//
// Layout: {"schema_version", "run", "context", "cells": [...]}; docs/results.schema.json
// is its JSON Schema. The whole file is rewritten atomically (temporary file, fsync,
// rename) each time a cell finishes, so a killed run leaves a valid file holding every
// cell finished so far, and `--resume` skips them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tinydet::suite {

inline constexpr const char* kResultsSchemaVersion = "1.0.0";

/// Writes `content` to `path` atomically. Throws std::runtime_error naming the file.
void write_file_atomically(const std::string& path, const std::string& content);

class ResultsStore {
 public:
  /// Starts a new results file in `dir` (created if needed) with the run and context blocks.
  static ResultsStore create(const std::string& dir, const nlohmann::json& run,
                             const nlohmann::json& context);
  /// Opens an existing results file for resuming. Throws naming the file when it is
  /// missing, not JSON, or of another schema major version.
  static ResultsStore open(const std::string& dir);

  /// True when a cell with this id finished successfully (failed cells are run again).
  bool finished(const std::string& cell_id) const;
  /// Adds a cell record (replacing an earlier record of the same id) and saves.
  void append(const nlohmann::json& cell);
  /// Sets a key of the "run" block (e.g. "finished") and saves.
  void set_run_field(const std::string& key, const nlohmann::json& value);

  const nlohmann::json& document() const { return doc_; }
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }

 private:
  void save() const;
  std::string dir_, path_;
  nlohmann::json doc_;
};

/// Reads results/<run>/results.json (for plot and report). Throws naming the file.
nlohmann::json read_results(const std::string& dir_or_file);

}  // namespace tinydet::suite
