// Runs the `tinydet` binary as a user does, for the CLI tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace clitest {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout, and stderr unless left out
};

/// Runs `tinydet <args>` through the shell with a clean plugin path; `env` is prefixed
/// to the command (e.g. "TINYDET_CACHE_DIR=/tmp/x").
inline CliResult run_tinydet(const std::string& args, bool with_stderr = true,
                             const std::string& env = "") {
  const std::string command = "env -u TINYDET_PLUGIN_PATH " + env + " '" + TINYDET_CLI + "' " + args +
                              (with_stderr ? " 2>&1" : " 2>/dev/null");
  CliResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace clitest
