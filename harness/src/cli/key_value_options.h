// Repeatable KEY=VALUE command-line options (--option, --executor-option).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tinydet::cli {

/// Parses KEY=VALUE items into a map (a later item overrides an earlier one with the same
/// key). Throws CLI::ValidationError naming `option_name` and the bad item when an item
/// has no '=' or an empty key.
std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& items,
                                                    const std::string& option_name);

}  // namespace tinydet::cli
