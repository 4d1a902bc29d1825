#include "suite/run_context.h"

#include <oneapi/tbb/version.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

#include "tinydet/build_info.h"
#include "tinydet/git_revision.h"

namespace tinydet::suite {

namespace {
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown";
}

std::string cpu_flags_summary() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      std::string out;
      for (const char* f : {"avx2", "avx512f", "avx512_vnni", "avx512vnni", "fma", "neon"})
        if (line.find(std::string(" ") + f) != std::string::npos) out += (out.empty() ? "" : " ") + std::string(f);
      return out;
    }
  return "";
}
}  // namespace

std::string utc_now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

size_t peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return size_t(std::stoull(line.substr(6))) * 1024;
  return 0;
}

nlohmann::json run_context(const nlohmann::json& seeds) {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return nlohmann::json{
      {"host", host},
      {"cpu_model", cpu_model()},
      {"cpu_features", cpu_flags_summary()},
      {"cores", std::thread::hardware_concurrency()},
      {"compiler", TINYDET_COMPILER},
      {"build_type", TINYDET_BUILD_TYPE},
      {"git_revision", TINYDET_GIT_REVISION},
      {"tinydet_version", TINYDET_VERSION},
      {"libraries",
       {{"opencv", TINYDET_OPENCV_VERSION},
        {"onetbb", TBB_VERSION_STRING},
        {"libtorch", TINYDET_TORCH_VERSION},
        {"google_benchmark", TINYDET_BENCHMARK_VERSION},
        {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_PATCH)}}},
      {"date", utc_now_iso8601()},
      {"seeds", seeds}};
}

}  // namespace tinydet::suite
