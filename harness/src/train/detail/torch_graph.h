// PRIVATE to harness/src/train/*.cpp: includes libtorch. Never include it from anything
// outside harness/src/train (the rest of the project must build without torch headers).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "tinydet/graph.h"

namespace tinydet::detail {

/// Parameters of one op, as torch tensors (undefined when the op has none).
struct OpTensors {
  torch::Tensor weight;        // Conv2D: OIHW; FullyConnected: [out][in] (NHWC flatten)
  torch::Tensor bias;          // [out]
  torch::Tensor gamma, beta;   // BatchNorm
  torch::Tensor running_mean, running_var;  // BatchNorm buffers (no gradient)
};

struct TorchGraph {
  Graph graph;  // structure (weights inside are not kept current; see export_weights)
  std::vector<OpTensors> params;  // per op
  double bn_momentum = 0.1;
  bool training = true;

  /// Forward on an NCHW-free NHWC float tensor [B, H, W, C]. Returns graph outputs as
  /// NHWC tensors [B, h, w, c] (attached to autograd when grad mode is on).
  std::vector<torch::Tensor> forward(const torch::Tensor& input_nhwc);

  /// Parameters that weight decay applies to (conv / FC weights) and the rest.
  std::vector<torch::Tensor> decay_parameters() const;
  std::vector<torch::Tensor> no_decay_parameters() const;

  /// Every tensor that makes up the model state, with stable names ("<op index>/weight",
  /// ...), including BatchNorm running statistics. Used by checkpoints.
  std::vector<std::pair<std::string, torch::Tensor>> named_state() const;
};

}  // namespace tinydet::detail
