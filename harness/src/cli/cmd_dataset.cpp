// `tinydet dataset stats SPEC [--json]` and
// `tinydet dataset show SPEC (--index I | --id NAME) --out x.png`:
// inspect a dataset as the harness reads it (datasets library, tinydet::data).
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/dataset_options.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/stats.h"

namespace tinydet::cli {
namespace {

struct DatasetCommandOptions {
  std::string spec;
  DatasetOptions dataset;
  double test_fraction = 0.2;
  std::string cache_dir;
  bool verify = false;
  bool json = false;
  int index = -1;
  std::string id;
  std::string out;
  size_t max_problems = 20;
};

void add_local_options(CLI::App& sub, DatasetCommandOptions& opt) {
  sub.add_option("--test-fraction", opt.test_fraction,
                 "Fraction held out for test when the dataset has no test split")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str()
      ->group("Dataset");
  sub.add_option("--cache-dir", opt.cache_dir,
                 "Where generated (synthetic) datasets are cached (default $TINYDET_CACHE_DIR "
                 "or results/cache)")
      ->group("Dataset");
  sub.add_flag("--verify", opt.verify, "Decode every image fully while loading (slower)")
      ->group("Dataset");
}

data::LoadOptions command_load_options(const DatasetCommandOptions& o, const GlobalOptions& g) {
  data::LoadOptions l = load_options(o.dataset, g);
  l.test_fraction = o.test_fraction;
  l.cache_dir = o.cache_dir;
  l.verify_pixels = o.verify;
  l.print_warnings = g.verbosity > 0;
  return l;
}

}  // namespace

Command dataset_command() {
  return {"dataset", "Inspect a dataset: statistics, or one image with its boxes",
          [](CLI::App& sub, const GlobalOptions& global) -> Action {
            auto opt = std::make_shared<DatasetCommandOptions>();
            auto mode = std::make_shared<std::string>();
            sub.require_subcommand(1);
            const std::string spec_help =
                "Dataset spec: synthetic[:N[@SEED]], voc:DIR, coco:ANN.json[@IMAGES], yolo:DIR, "
                "or fruit | coco128 | tiny-coco | coco-val2017";

            CLI::App* stats = sub.add_subcommand("stats", "Images, boxes per class, box sizes, problems");
            stats->fallthrough();
            stats->add_option("SPEC", opt->spec, spec_help)->required();
            stats->add_flag("--json", opt->json, "Print JSON");
            stats->add_option("--max-problems", opt->max_problems,
                              "Problems listed in the text report (all counts are always shown)")
                ->capture_default_str();
            add_dataset_options(*stats, opt->dataset);
            add_local_options(*stats, *opt);
            stats->callback([mode] { *mode = "stats"; });

            CLI::App* show = sub.add_subcommand("show", "Draw one image with its boxes to a PNG");
            show->fallthrough();
            show->add_option("SPEC", opt->spec, spec_help)->required();
            auto* index = show->add_option("--index", opt->index,
                                           "Image index in the dataset's sample order")
                              ->check(CLI::NonNegativeNumber);
            auto* id = show->add_option("--id", opt->id, "Image id or file name (e.g. apple_1.jpg)");
            index->excludes(id);
            show->add_option("--out", opt->out, "Output image (PNG)")->required();
            add_dataset_options(*show, opt->dataset);
            add_local_options(*show, *opt);
            show->callback([mode] { *mode = "show"; });

            return [opt, mode, &global]() -> int {
              const data::Dataset ds = data::load_dataset(opt->spec, command_load_options(*opt, global));
              if (*mode == "stats") {
                const data::DatasetStats s = data::compute_stats(ds);
                if (opt->json) std::cout << data::stats_to_json(s, ds).dump(2) << "\n";
                else std::cout << data::stats_to_text(s, ds, opt->max_problems);
                return exit_code::ok;
              }
              long sample = -1;
              if (!opt->id.empty()) {
                sample = data::find_sample(ds, opt->id);
                if (sample < 0)
                  throw CLI::ValidationError("--id", "no image '" + opt->id + "' in " + opt->spec);
              } else if (opt->index >= 0) {
                if (size_t(opt->index) >= ds.samples.size())
                  throw CLI::ValidationError("--index", std::to_string(opt->index) +
                                                            " is out of range: the dataset has " +
                                                            std::to_string(ds.samples.size()) +
                                                            " images");
                sample = opt->index;
              } else {
                throw CLI::ValidationError("show", "give --index or --id");
              }
              data::write_sample_png(ds, size_t(sample), opt->out);
              const data::Sample& s = ds.samples[size_t(sample)];
              std::cout << "wrote " << opt->out << ": " << s.image_path << " (" << s.width << "x"
                        << s.height << ", " << s.boxes.size() << " boxes, split "
                        << data::split_name(s.split) << ")\n";
              return exit_code::ok;
            };
          }};
}

}  // namespace tinydet::cli
