// `tinydet train ARCH --dataset SPEC --res N`: trains an architecture with libtorch and
// writes the model file (.tdm).
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/dataset_options.h"

namespace tinydet::cli {
namespace {

struct TrainOptions {
  std::string architecture;
  std::string dataset_spec;
  DatasetOptions dataset;
  int resolution = 0;
  int epochs = 0;  // 0: the trainer's default
  std::string out;
  bool retrain = false;
};

}  // namespace

Command train_command() {
  return {"train", "Train an architecture on a dataset and write a model file",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<TrainOptions>();
            sub.add_option("ARCH", opt->architecture, "Architecture plugin name")->required();
            sub.add_option("--dataset", opt->dataset_spec, "Dataset spec")->required();
            sub.add_option("--res", opt->resolution, "Square input resolution in pixels")
                ->required()
                ->check(CLI::PositiveNumber);
            sub.add_option("--epochs", opt->epochs, "Maximum epochs (default: the trainer's)")
                ->check(CLI::PositiveNumber);
            sub.add_option("--out", opt->out, "Model file to write (.tdm)");
            sub.add_flag("--retrain", opt->retrain,
                         "Train again even when a matching model file exists");
            add_dataset_options(sub, opt->dataset);
            return [opt] {  // opt owns the parsed values
              return not_built_yet("train", "the trainer (libtorch) and the datasets library "
                                            "(trainer issue)");
            };
          }};
}

}  // namespace tinydet::cli
