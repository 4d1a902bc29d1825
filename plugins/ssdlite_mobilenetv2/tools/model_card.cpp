// ssdlite_model_card: prints, for one configuration, the size figures and the layer table
// of the inference graph (BatchNorm folded) as Markdown, for the plugin's README.
//
//   ssdlite_model_card [alpha] [input_size] [num_classes] [--summary]
//   defaults: 0.35 160 3
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "ssdlite_architecture.h"

int main(int argc, char** argv) {
  try {
    tinydet::ArchConfig cfg;
    cfg.options["alpha"] = argc > 1 ? argv[1] : "0.35";
    cfg.input_h = cfg.input_w = argc > 2 ? std::stoi(argv[2]) : 160;
    cfg.num_classes = argc > 3 ? std::stoi(argv[3]) : 3;
    const bool summary_only = argc > 4 && std::strcmp(argv[4], "--summary") == 0;

    tinydet::ssdlite::SsdliteMobileNetV2 arch;
    arch.configure(cfg);
    const tinydet::Graph train = arch.build_graph();
    const tinydet::Graph deployed = tinydet::fold_for_inference(train);
    const tinydet::OpStats t = train.total_stats(), d = deployed.total_stats();
    std::printf("alpha %s, input %dx%d, %d classes: %lld params (training graph), %lld MACs, "
                "%lld flash bytes (int8 weights of the folded graph), %zu anchors, %zu feature maps\n",
                cfg.options["alpha"].c_str(), cfg.input_h, cfg.input_w, cfg.num_classes,
                (long long)t.params, (long long)d.macs, (long long)d.weight_bytes,
                arch.anchor_set().anchors.size(), arch.anchor_set().maps.size());
    if (summary_only) return 0;

    std::printf("\n| # | layer | type | output (HxWxC) | params | MACs |\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < deployed.ops.size(); ++i) {
      const tinydet::Op& op = deployed.ops[i];
      const tinydet::Shape& s = deployed.shape(op.output);
      std::string type = tinydet::op_type_name(op.type);
      if (op.type == tinydet::OpType::Conv2D) {
        type += " " + std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w);
        if (op.groups > 1) type += " dw";
        if (op.stride_h > 1) type += " /" + std::to_string(op.stride_h);
      }
      if (op.act != tinydet::Act::None) type += std::string(" + ") + tinydet::act_name(op.act);
      const tinydet::OpStats st = deployed.op_stats(int(i));
      std::printf("| %zu | %s | %s | %dx%dx%d | %lld | %lld |\n", i, op.name.c_str(), type.c_str(),
                  s.h, s.w, s.c, (long long)st.params, (long long)st.macs);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ssdlite_model_card: %s\n", e.what());
    return 1;
  }
}
