#include "cli/key_value_options.h"

#include <CLI/CLI.hpp>

namespace tinydet::cli {

std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& items,
                                                    const std::string& option_name) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CLI::ValidationError(option_name, "expected KEY=VALUE, got '" + item + "'");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

}  // namespace tinydet::cli
