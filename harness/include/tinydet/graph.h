// The graph IR: a static-shape DAG of ops on NHWC tensors, batch 1.
//
// Ownership: a Graph owns its tensors' metadata and every op's parameters (float and,
// once quantized, int8). Tensor ids and op ids are indices into `tensors` and `ops`.
// Ops are stored in execution order (a topological order); executors run them in it.
//
// Units: shapes in elements; byte figures in bytes; MACs are multiply-accumulates.
//
// Input convention (shared by every architecture, so plugins never see pixels):
//   float graph: input = pixel / 255, in [0, 1], RGB order, NHWC;
//   int8 graph:  input = pixel - 128, i.e. scale 1/255 and zero point -128.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tinydet {

/// Shape of one image-sized tensor, NHWC with batch 1 implied. A flat vector is 1×1×C.
struct Shape {
  int h = 1, w = 1, c = 1;
  int64_t elements() const { return int64_t(h) * w * c; }
  bool operator==(const Shape&) const = default;
};

enum class DType : uint8_t { Float32 = 0, Int8 = 1 };
inline int dtype_bytes(DType t) { return t == DType::Float32 ? 4 : 1; }
const char* dtype_name(DType t);

enum class OpType : uint8_t {
  Conv2D = 0,          // groups: 1 dense, == in_channels depthwise, else grouped
  BatchNorm = 1,       // training form; folded into the preceding Conv2D for inference
  Activation = 2,      // standalone; the builder fuses into the producer where possible
  Add = 3,             // elementwise, two inputs of equal shape
  Concat = 4,          // along channels
  MaxPool = 5,
  AvgPool = 6,         // average over the valid (unpadded) window elements
  GlobalAvgPool = 7,   // H×W×C -> 1×1×C
  FullyConnected = 8,  // flattens its NHWC input
  Reshape = 9,         // same element count, NHWC order kept (so a no-op on memory)
  Resize = 10,         // nearest neighbour, integer scale
  Dropout = 11,        // training only: identity at inference
};
const char* op_type_name(OpType t);

enum class Act : uint8_t { None = 0, ReLU = 1, ReLU6 = 2, LeakyReLU = 3 };
const char* act_name(Act a);

/// Explicit per-side padding in pixels (zero padding for convolutions, ignored cells
/// for pooling). Patch executors change it per patch; the builder makes it symmetric.
struct Padding {
  int top = 0, left = 0, bottom = 0, right = 0;
  bool operator==(const Padding&) const = default;
};

/// Per-tensor asymmetric int8 quantization: real = scale * (q - zero_point).
struct QuantParams {
  float scale = 0.f;
  int32_t zero_point = 0;
  bool valid() const { return scale > 0.f; }
};

struct Tensor {
  std::string name;
  Shape shape;
  int producer = -1;  // op id, or -1 for the graph input
  QuantParams quant;  // set by the quantizer
};

struct Op {
  OpType type = OpType::Conv2D;
  std::string name;
  std::vector<int> inputs;  // tensor ids
  int output = -1;          // tensor id

  // Conv2D, MaxPool, AvgPool geometry.
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  Padding pad;
  int groups = 1;
  int out_channels = 0;  // Conv2D and FullyConnected

  // Activation applied to this op's result (fused), or the function of an Activation op.
  Act act = Act::None;
  float leaky_alpha = 0.1f;

  int resize_scale = 1;    // Resize
  Shape reshape_to;        // Reshape
  float dropout_p = 0.f;   // Dropout
  float bn_eps = 1e-5f;    // BatchNorm

  // Float parameters.
  //   Conv2D weights: OHWI, [out_channels][kernel_h][kernel_w][in_channels / groups].
  //   FullyConnected weights: [out_channels][in_elements], input flattened in NHWC order.
  //   bias: [out_channels] (may be empty: no bias).
  //   BatchNorm: gamma, beta, running mean and running variance, each [channels].
  std::vector<float> weights, bias;
  std::vector<float> bn_gamma, bn_beta, bn_mean, bn_var;

  // int8 parameters, filled by the quantizer for Conv2D and FullyConnected.
  std::vector<int8_t> qweights;      // layout of `weights`; symmetric per output channel
  std::vector<int32_t> qbias;        // round(bias / (input_scale * weight_scales[oc]))
  std::vector<float> weight_scales;  // [out_channels]
};

struct GraphOutput {
  std::string name;
  int tensor = -1;
};

/// Per-op and whole-graph size figures.
struct OpStats {
  int64_t params = 0;        // trainable: weights, bias, BN gamma and beta
  int64_t macs = 0;          // multiply-accumulates for one inference
  int64_t weight_bytes = 0;  // int8 deployment: int8 weights + int32 bias + float scales
};

class Graph {
 public:
  std::vector<Tensor> tensors;
  std::vector<Op> ops;  // execution order
  int input = -1;
  std::vector<GraphOutput> outputs;
  bool quantized = false;  // every tensor has quant params and weighted ops have qweights
  // Free-form metadata kept with the graph in model files: architecture plugin name,
  // its version and configuration, class names, training seed, and so on.
  std::map<std::string, std::string> meta;

  const Tensor& tensor(int id) const { return tensors.at(id); }
  const Shape& shape(int id) const { return tensors.at(id).shape; }
  const Shape& input_shape() const { return tensors.at(input).shape; }
  /// Tensor id by name, or -1.
  int find_tensor(const std::string& name) const;
  /// Op id by name, or -1.
  int find_op(const std::string& name) const;
  /// Ops that read tensor `id`.
  std::vector<int> consumers(int id) const;

  /// Recomputes every op's output shape from the input shape and the op attributes.
  /// Throws std::runtime_error naming the op on any inconsistency (channel mismatch,
  /// empty output, bad weight size).
  void infer_shapes();
  /// Structural checks: ids in range, execution order is topological, outputs exist.
  void validate() const;

  OpStats op_stats(int op) const;
  OpStats total_stats() const;
};

/// Output spatial size of a window op along one axis.
inline int window_output_size(int in, int kernel, int stride, int pad_before, int pad_after) {
  return (in + pad_before + pad_after - kernel) / stride + 1;
}

/// Folds every BatchNorm into the Conv2D that produces its input (giving the conv a bias
/// and the BN's fused activation), removes Dropout, and fuses standalone activations into
/// producers that can carry them. The result is the inference graph. Pure function.
Graph fold_for_inference(const Graph& g);

/// Deterministic He-normal initialisation of all weights (biases 0, BN identity).
void init_weights(Graph& g, uint64_t seed);

}  // namespace tinydet
