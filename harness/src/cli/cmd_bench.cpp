// `tinydet bench MODEL`: latency and memory of a model file with an executor.
#include <memory>
#include <string>

#include "cli/command.h"

namespace tinydet::cli {
namespace {

struct BenchOptions {
  std::string model;
  std::string executor;
  int threads = 1;
  bool json = false;
};

}  // namespace

Command bench_command() {
  return {"bench", "Measure a model's latency and memory with an executor",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<BenchOptions>();
            sub.add_option("MODEL", opt->model, "Model file (.tdm)")->required();
            sub.add_option("--executor", opt->executor,
                           "Executor plugin (default: the layer-by-layer one)");
            sub.add_option("--threads", opt->threads, "Threads (1 models an MCU core)")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            sub.add_flag("--json", opt->json, "Print JSON");
            return [opt] {  // opt owns the parsed values
              return not_built_yet("bench", "the engine: executors and kernels (engine issue)");
            };
          }};
}

}  // namespace tinydet::cli
