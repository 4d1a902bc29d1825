// `tinydet dataset stats SPEC` and `tinydet dataset show SPEC --index I --out x.png`:
// inspect a dataset as the harness reads it.
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/dataset_options.h"

namespace tinydet::cli {
namespace {

struct DatasetCommandOptions {
  std::string spec;
  DatasetOptions dataset;
  bool json = false;
  int index = 0;
  std::string out;
};

}  // namespace

Command dataset_command() {
  return {"dataset", "Inspect a dataset: statistics, or one image with its boxes",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<DatasetCommandOptions>();
            sub.require_subcommand(1);

            CLI::App* stats = sub.add_subcommand("stats", "Images, boxes per class, box sizes");
            stats->fallthrough();
            stats->add_option("SPEC", opt->spec, "Dataset spec (see docs)")->required();
            stats->add_flag("--json", opt->json, "Print JSON");
            add_dataset_options(*stats, opt->dataset);

            CLI::App* show = sub.add_subcommand("show", "Draw one image with its boxes");
            show->fallthrough();
            show->add_option("SPEC", opt->spec, "Dataset spec (see docs)")->required();
            show->add_option("--index", opt->index, "Image index in the dataset")
                ->required()
                ->check(CLI::NonNegativeNumber);
            show->add_option("--out", opt->out, "Output image (PNG)")->required();
            add_dataset_options(*show, opt->dataset);

            return [opt] {  // opt owns the parsed values
              return not_built_yet("dataset",
                                   "the datasets library: readers and catalogue "
                                   "(datasets issue)");
            };
          }};
}

}  // namespace tinydet::cli
