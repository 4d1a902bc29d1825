#include "cli/memory_text.h"

#include <cstdio>

namespace tinydet::cli {

std::string bytes_text(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f B (%.1f KiB)", bytes, bytes / 1024.0);
  return buf;
}

std::string memory_text(const nlohmann::json& memory) {
  const auto number = [&](const char* key) { return memory.value(key, 0.0); };
  const double arena = number("arena_bytes"), bound = number("arena_lower_bound_bytes");
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "  arena (planned):       %s\n", bytes_text(arena).c_str());
  text += line;
  std::snprintf(line, sizeof line, "  lower bound:           %s, arena %+.1f%% above it\n",
                bytes_text(bound).c_str(), bound > 0 ? 100.0 * (arena / bound - 1.0) : 0.0);
  text += line;
  std::snprintf(line, sizeof line, "  scratch (in arena):    %s\n", bytes_text(number("scratch_bytes")).c_str());
  text += line;
  std::snprintf(line, sizeof line, "  flash (int8 weights):  %s\n", bytes_text(number("flash_bytes")).c_str());
  text += line;
  std::snprintf(line, sizeof line, "  measured high water:   %s\n", bytes_text(number("high_water_bytes")).c_str());
  text += line;
  std::snprintf(line, sizeof line, "  heap growth (invoke): %.0f B\n", number("heap_growth_bytes"));
  text += line;
  std::snprintf(line, sizeof line, "  MACs per inference:    %.0f (recomputation included)\n", number("macs"));
  text += line;
  if (memory.contains("executor"))
    for (const auto& [name, value] : memory["executor"].items()) {
      std::snprintf(line, sizeof line, "  %-22s %g\n", (name + ":").c_str(), value.get<double>());
      text += line;
    }
  return text;
}

}  // namespace tinydet::cli
