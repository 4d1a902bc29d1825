// `tinydet eval MODEL --dataset SPEC`: accuracy of a model file with an executor, float or
// int8.
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/dataset_options.h"

namespace tinydet::cli {
namespace {

struct EvalOptions {
  std::string model;
  std::string dataset_spec;
  DatasetOptions dataset;
  std::string executor;
  std::string precision = "int8";
  bool json = false;
};

}  // namespace

Command eval_command() {
  return {"eval", "Measure a model's accuracy on a dataset with an executor",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<EvalOptions>();
            sub.add_option("MODEL", opt->model, "Model file (.tdm)")->required();
            sub.add_option("--dataset", opt->dataset_spec, "Dataset spec")->required();
            sub.add_option("--executor", opt->executor,
                           "Executor plugin (default: the layer-by-layer one)");
            sub.add_option("--precision", opt->precision, "int8 or float")
                ->check(CLI::IsMember({"int8", "float"}))
                ->capture_default_str();
            sub.add_flag("--json", opt->json, "Print JSON");
            add_dataset_options(sub, opt->dataset);
            return [opt] {  // opt owns the parsed values
              return not_built_yet("eval", "the engine (quantiser, executors) and the metrics "
                                           "(engine and metrics issues)");
            };
          }};
}

}  // namespace tinydet::cli
