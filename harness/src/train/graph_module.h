// A trainable libtorch model of a tinydet::Graph (training form), behind a torch-free API.
//
// The module holds one libtorch tensor per Graph parameter (Conv2D/FullyConnected weights
// and bias, BatchNorm gamma/beta and running statistics) and runs the ops in graph order
// on NCHW tensors. Layout conversions at the edges: inputs and outputs are NHWC float as in
// the IR; conv weights are OHWI in the IR and OIHW in torch; FullyConnected flattens in
// NHWC order as in the IR; Reshape keeps NHWC element order.
//
// Semantics follow the engine: 4-side padding (zero for Conv2D, ignored cells for pools),
// AvgPool averages over valid elements only, Resize is nearest with integer scale,
// Dropout is active only in training mode, BatchNorm uses batch statistics and updates
// its running statistics (momentum as in PyTorch) in training mode.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tinydet/graph.h"

namespace tinydet {

namespace detail {
struct TorchGraph;  // libtorch state; defined in train/detail/torch_graph.h (torch inside)
}

class GraphModule {
 public:
  /// Copies the structure and weights of `g` (a training-form graph; call init_weights
  /// first for a fresh model). Throws std::runtime_error naming the op for unsupported
  /// ops or weights of the wrong size.
  explicit GraphModule(const Graph& g, double bn_momentum = 0.1);
  ~GraphModule();
  GraphModule(GraphModule&&) noexcept;
  GraphModule& operator=(GraphModule&&) noexcept;

  /// Training mode (BatchNorm batch statistics, Dropout active) or evaluation mode.
  void set_training(bool training);
  bool training() const;

  /// Runs `batch` NHWC float images (batch * H * W * C values, pixel / 255) without
  /// gradients. Returns one NHWC buffer per graph output (batch-major), in output order.
  std::vector<std::vector<float>> forward(const float* input, int batch);

  /// Writes the current weights and BatchNorm statistics into `g` (same structure).
  void export_weights(Graph& g) const;
  /// Loads weights and BatchNorm statistics from `g` (same structure).
  void import_weights(const Graph& g);

  /// Number of trainable scalars.
  int64_t parameter_count() const;

  const Graph& graph() const;
  detail::TorchGraph& torch_state();

 private:
  std::unique_ptr<detail::TorchGraph> state_;
};

/// A string that identifies a graph's structure (ops, attributes, shapes; not weights).
/// Checkpoints carry it so a resume refuses a different network.
std::string graph_structure_signature(const Graph& g);

}  // namespace tinydet
