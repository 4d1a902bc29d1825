// `tinydet detect MODEL IMAGE --out out.png`: runs a model on one image and draws the
// detections.
#include <memory>
#include <string>

#include "cli/command.h"

namespace tinydet::cli {
namespace {

struct DetectOptions {
  std::string model;
  std::string image;
  std::string out;
  bool json = false;
};

}  // namespace

Command detect_command() {
  return {"detect", "Run a model on one image and draw its detections",
          [](CLI::App& sub, const GlobalOptions&) -> Action {
            auto opt = std::make_shared<DetectOptions>();
            sub.add_option("MODEL", opt->model, "Model file (.tdm)")->required();
            sub.add_option("IMAGE", opt->image, "Input image")->required()->check(
                CLI::ExistingFile);
            sub.add_option("--out", opt->out, "Output image with the detections drawn (PNG)")
                ->required();
            sub.add_flag("--json", opt->json, "Also print the detections as JSON");
            return [opt] {  // opt owns the parsed values
              return not_built_yet("detect", "the engine (executors) and the architecture "
                                             "plugins' decoders (engine issue)");
            };
          }};
}

}  // namespace tinydet::cli
