// Graph transforms: the inference form (BN folding, Dropout removal, activation fusion)
// and deterministic weight initialisation.
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>

#include "tinydet/graph.h"

namespace tinydet {

namespace {

/// Replaces every read of tensor `from` (op inputs and graph outputs) by `to`.
void redirect(Graph& g, int from, int to) {
  for (auto& op : g.ops)
    for (int& in : op.inputs)
      if (in == from) in = to;
  for (auto& o : g.outputs)
    if (o.tensor == from) o.tensor = to;
}

bool is_graph_output(const Graph& g, int t) {
  for (const auto& o : g.outputs)
    if (o.tensor == t) return true;
  return false;
}

/// Drops ops marked dead and tensors nothing refers to; renumbers ids.
Graph compact(const Graph& g, const std::vector<char>& dead_op) {
  Graph out;
  out.quantized = g.quantized;
  out.meta = g.meta;
  std::vector<int> used(g.tensors.size(), 0);
  used[g.input] = 1;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (dead_op[i]) continue;
    used[g.ops[i].output] = 1;
    for (int t : g.ops[i].inputs) used[t] = 1;
  }
  for (const auto& o : g.outputs) used[o.tensor] = 1;
  std::vector<int> remap(g.tensors.size(), -1);
  for (size_t t = 0; t < g.tensors.size(); ++t)
    if (used[t]) {
      remap[t] = int(out.tensors.size());
      out.tensors.push_back(g.tensors[t]);
    }
  out.input = remap[g.input];
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (dead_op[i]) continue;
    Op op = g.ops[i];
    for (int& t : op.inputs) t = remap[t];
    op.output = remap[op.output];
    out.tensors[op.output].producer = int(out.ops.size());
    out.ops.push_back(std::move(op));
  }
  out.tensors[out.input].producer = -1;
  for (auto o : g.outputs) {
    o.tensor = remap[o.tensor];
    out.outputs.push_back(o);
  }
  return out;
}

}  // namespace

Graph fold_for_inference(const Graph& src) {
  Graph g = src;
  std::vector<char> dead(g.ops.size(), 0);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Op& op = g.ops[i];
    if (op.type == OpType::Dropout) {
      redirect(g, op.output, op.inputs[0]);
      dead[i] = 1;
      continue;
    }
    if (op.type == OpType::BatchNorm) {
      const int in = op.inputs[0];
      const int producer = g.tensors[in].producer;
      const int c = g.tensors[in].shape.c;
      std::vector<float> scale(c), shift(c);
      for (int k = 0; k < c; ++k) {
        scale[k] = op.bn_gamma[k] / std::sqrt(op.bn_var[k] + op.bn_eps);
        shift[k] = op.bn_beta[k] - op.bn_mean[k] * scale[k];
      }
      const bool foldable = producer >= 0 && !dead[producer] &&
                            g.ops[producer].type == OpType::Conv2D &&
                            g.ops[producer].act == Act::None && g.consumers(in).size() == 1 &&
                            !is_graph_output(g, in);
      if (foldable) {
        Op& conv = g.ops[producer];
        const size_t per_oc = conv.weights.size() / size_t(conv.out_channels);
        if (conv.bias.empty()) conv.bias.assign(conv.out_channels, 0.f);
        for (int k = 0; k < conv.out_channels; ++k) {
          for (size_t j = 0; j < per_oc; ++j) conv.weights[k * per_oc + j] *= scale[k];
          conv.bias[k] = conv.bias[k] * scale[k] + shift[k];
        }
        conv.act = op.act;
        conv.leaky_alpha = op.leaky_alpha;
        redirect(g, op.output, in);
        // The folded conv now produces what the BN produced: keep the BN tensor's name so
        // graph outputs and split points stay addressable by name.
        g.tensors[in].name = g.tensors[op.output].name;
        dead[i] = 1;
      } else {
        // A BN that cannot be folded becomes a depthwise 1×1 conv with bias.
        Op dw;
        dw.type = OpType::Conv2D;
        dw.name = op.name;
        dw.inputs = op.inputs;
        dw.output = op.output;
        dw.groups = c;
        dw.out_channels = c;
        dw.act = op.act;
        dw.leaky_alpha = op.leaky_alpha;
        dw.weights = scale;
        dw.bias = shift;
        op = std::move(dw);
      }
      continue;
    }
    if (op.type == OpType::Activation) {
      const int in = op.inputs[0];
      const int producer = g.tensors[in].producer;
      if (producer >= 0 && !dead[producer]) {
        Op& p = g.ops[producer];
        const bool fusable = (p.type == OpType::Conv2D || p.type == OpType::Add ||
                              p.type == OpType::FullyConnected) &&
                             p.act == Act::None && g.consumers(in).size() == 1 &&
                             !is_graph_output(g, in);
        if (fusable) {
          p.act = op.act;
          p.leaky_alpha = op.leaky_alpha;
          redirect(g, op.output, in);
          g.tensors[in].name = g.tensors[op.output].name;
          dead[i] = 1;
        }
      }
    }
  }
  Graph out = compact(g, dead);
  out.infer_shapes();
  return out;
}

void init_weights(Graph& g, uint64_t seed) {
  // splitmix64 + Box-Muller: the same numbers on every platform and standard library.
  uint64_t state = seed;
  auto next_u64 = [&state]() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  auto uniform = [&]() { return (double(next_u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0); };
  auto normal = [&]() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * std::numbers::pi * uniform());
  };
  for (auto& op : g.ops) {
    if (op.type == OpType::Conv2D || op.type == OpType::FullyConnected) {
      const size_t fan_in = op.weights.size() / size_t(std::max(1, op.out_channels));
      const double stddev = std::sqrt(2.0 / double(std::max<size_t>(1, fan_in)));
      for (float& w : op.weights) w = float(normal() * stddev);
      for (float& b : op.bias) b = 0.f;
    } else if (op.type == OpType::BatchNorm) {
      std::fill(op.bn_gamma.begin(), op.bn_gamma.end(), 1.f);
      std::fill(op.bn_beta.begin(), op.bn_beta.end(), 0.f);
      std::fill(op.bn_mean.begin(), op.bn_mean.end(), 0.f);
      std::fill(op.bn_var.begin(), op.bn_var.end(), 1.f);
    }
  }
}

}  // namespace tinydet
