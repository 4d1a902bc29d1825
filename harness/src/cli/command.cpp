#include "cli/command.h"

#include <iostream>

namespace tinydet::cli {

int not_built_yet(const std::string& command, const std::string& needs) {
  std::cerr << command << ": not built yet: needs " << needs << "\n";
  return exit_code::failed;
}

}  // namespace tinydet::cli
