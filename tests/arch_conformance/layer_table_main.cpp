// tinydet_arch_layer_table <plugin> [resolution] [classes] [key=value ...]
// Prints the plugin's training graph as a markdown layer table (name, type, output shape,
// params, MACs) and the totals of the training and folded (inference) graphs.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "arch_plugins.h"
#include "tinydet/graph.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <plugin> [resolution] [classes] [key=value ...]\n", argv[0]);
    return 2;
  }
  try {
    auto arch = tinydet::testing::create_architecture(argv[1]);
    tinydet::ArchConfig cfg;
    cfg.num_classes = argc > 3 ? std::atoi(argv[3]) : 3;
    const int res = argc > 2 ? std::atoi(argv[2]) : arch->default_resolution(cfg);
    cfg.input_h = cfg.input_w = res;
    for (int i = 4; i < argc; ++i) {
      const std::string kv = argv[i];
      const auto eq = kv.find('=');
      if (eq == std::string::npos) throw std::invalid_argument("expected key=value: " + kv);
      cfg.options[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    arch->configure(cfg);
    const tinydet::Graph g = arch->build_graph();
    std::printf("| # | layer | type | output (HxWxC) | params | MACs |\n");
    std::printf("|---|---|---|---|---:|---:|\n");
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const auto& op = g.ops[i];
      const auto s = g.shape(op.output);
      const auto st = g.op_stats(int(i));
      std::string type = tinydet::op_type_name(op.type);
      if (op.type == tinydet::OpType::Conv2D)
        type += " " + std::to_string(op.kernel_h) + "x" + std::to_string(op.kernel_w) +
                (op.stride_h > 1 ? " s" + std::to_string(op.stride_h) : "") +
                (op.groups > 1 ? " dw" : "");
      if (op.act != tinydet::Act::None) type += std::string(" + ") + tinydet::act_name(op.act);
      std::printf("| %zu | %s | %s | %dx%dx%d | %lld | %lld |\n", i, op.name.c_str(),
                  type.c_str(), s.h, s.w, s.c, (long long)st.params, (long long)st.macs);
    }
    const auto t = g.total_stats();
    const auto f = tinydet::fold_for_inference(g).total_stats();
    std::printf("\nTraining graph: %lld params, %lld MACs. Folded (inference) graph: %lld params, "
                "%lld MACs, %lld int8 weight bytes (flash).\n",
                (long long)t.params, (long long)t.macs, (long long)f.params, (long long)f.macs,
                (long long)f.weight_bytes);
    for (const auto& o : g.outputs) {
      const auto s = g.shape(o.tensor);
      std::printf("Output '%s': %dx%dx%d\n", o.name.c_str(), s.h, s.w, s.c);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
