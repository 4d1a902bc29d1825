// `tinydet info ARCH`: an architecture's graph at a resolution: layers, parameters, MACs,
// and with --executor its memory plan (and with --profile per-layer timings).
#include <memory>
#include <string>

#include "cli/command.h"

namespace tinydet::cli {
namespace {

struct InfoOptions {
  std::string architecture;
  int resolution = 0;  // 0: the architecture's default
  int num_classes = 1;
  std::string executor;
  bool profile = false;
  bool json = false;
};

}  // namespace

Command info_command() {
  return {"info", "Describe an architecture: layers, parameters, MACs, memory plan",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<InfoOptions>();
            sub.add_option("ARCH", opt->architecture, "Architecture plugin name (see `list`)")
                ->required();
            sub.add_option("--res", opt->resolution,
                           "Square input resolution in pixels (default: the plugin's)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--classes", opt->num_classes, "Number of object classes")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_option("--executor", opt->executor,
                           "Also plan memory with this executor plugin");
            sub.add_flag("--profile", opt->profile, "Time each layer (needs --executor)");
            sub.add_flag("--json", opt->json, "Print JSON");
            return [opt] {  // opt owns the parsed values
              return not_built_yet("info", "the engine: graph statistics and the executor "
                                           "plugins (engine issue)");
            };
          }};
}

}  // namespace tinydet::cli
