// Graph IR: lookup, validation, shape inference and size figures.
#include "tinydet/graph.h"

#include <stdexcept>
#include <string>

namespace tinydet {

const char* dtype_name(DType t) { return t == DType::Float32 ? "float32" : "int8"; }

const char* op_type_name(OpType t) {
  switch (t) {
    case OpType::Conv2D: return "Conv2D";
    case OpType::BatchNorm: return "BatchNorm";
    case OpType::Activation: return "Activation";
    case OpType::Add: return "Add";
    case OpType::Concat: return "Concat";
    case OpType::MaxPool: return "MaxPool";
    case OpType::AvgPool: return "AvgPool";
    case OpType::GlobalAvgPool: return "GlobalAvgPool";
    case OpType::FullyConnected: return "FullyConnected";
    case OpType::Reshape: return "Reshape";
    case OpType::Resize: return "Resize";
    case OpType::Dropout: return "Dropout";
  }
  return "?";
}

const char* act_name(Act a) {
  switch (a) {
    case Act::None: return "none";
    case Act::ReLU: return "relu";
    case Act::ReLU6: return "relu6";
    case Act::LeakyReLU: return "leaky_relu";
  }
  return "?";
}

int Graph::find_tensor(const std::string& name) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == name) return int(i);
  return -1;
}

int Graph::find_op(const std::string& name) const {
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].name == name) return int(i);
  return -1;
}

std::vector<int> Graph::consumers(int id) const {
  std::vector<int> out;
  for (size_t i = 0; i < ops.size(); ++i)
    for (int in : ops[i].inputs)
      if (in == id) {
        out.push_back(int(i));
        break;
      }
  return out;
}

namespace {

[[noreturn]] void fail(const Op& op, const std::string& what) {
  throw std::runtime_error("graph op '" + op.name + "' (" + op_type_name(op.type) + "): " + what);
}

std::string shape_str(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

Shape infer_op_shape(const Graph& g, const Op& op) {
  auto in = [&](size_t i) -> const Shape& {
    if (i >= op.inputs.size()) fail(op, "missing input " + std::to_string(i));
    return g.tensors.at(op.inputs[i]).shape;
  };
  switch (op.type) {
    case OpType::Conv2D: {
      const Shape& x = in(0);
      if (op.groups < 1 || x.c % op.groups != 0 || op.out_channels % op.groups != 0)
        fail(op, "groups " + std::to_string(op.groups) + " do not divide channels " +
                     std::to_string(x.c) + " -> " + std::to_string(op.out_channels));
      Shape out{window_output_size(x.h, op.kernel_h, op.stride_h, op.pad.top, op.pad.bottom),
                window_output_size(x.w, op.kernel_w, op.stride_w, op.pad.left, op.pad.right),
                op.out_channels};
      const size_t wsize = size_t(op.out_channels) * op.kernel_h * op.kernel_w * (x.c / op.groups);
      if (!op.weights.empty() && op.weights.size() != wsize)
        fail(op, "weights have " + std::to_string(op.weights.size()) + " values, expected " +
                     std::to_string(wsize));
      if (!op.bias.empty() && op.bias.size() != size_t(op.out_channels))
        fail(op, "bias size mismatch");
      return out;
    }
    case OpType::MaxPool:
    case OpType::AvgPool: {
      const Shape& x = in(0);
      return Shape{window_output_size(x.h, op.kernel_h, op.stride_h, op.pad.top, op.pad.bottom),
                   window_output_size(x.w, op.kernel_w, op.stride_w, op.pad.left, op.pad.right),
                   x.c};
    }
    case OpType::BatchNorm:
    case OpType::Activation:
    case OpType::Dropout: {
      const Shape& x = in(0);
      if (op.type == OpType::BatchNorm && !op.bn_gamma.empty() && op.bn_gamma.size() != size_t(x.c))
        fail(op, "BatchNorm parameters do not match " + std::to_string(x.c) + " channels");
      return x;
    }
    case OpType::Add: {
      if (!(in(0) == in(1)))
        fail(op, "Add of different shapes " + shape_str(in(0)) + " and " + shape_str(in(1)));
      return in(0);
    }
    case OpType::Concat: {
      Shape out = in(0);
      out.c = 0;
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        const Shape& s = in(i);
        if (s.h != out.h || s.w != out.w)
          fail(op, "Concat of different spatial sizes (" + shape_str(s) + ")");
        out.c += s.c;
      }
      return out;
    }
    case OpType::GlobalAvgPool: return Shape{1, 1, in(0).c};
    case OpType::FullyConnected: {
      const int64_t n_in = in(0).elements();
      if (!op.weights.empty() && int64_t(op.weights.size()) != n_in * op.out_channels)
        fail(op, "weights size mismatch");
      return Shape{1, 1, op.out_channels};
    }
    case OpType::Reshape:
      if (op.reshape_to.elements() != in(0).elements())
        fail(op, "reshape " + shape_str(in(0)) + " -> " + shape_str(op.reshape_to) +
                     " changes the element count");
      return op.reshape_to;
    case OpType::Resize:
      if (op.resize_scale < 1) fail(op, "resize scale must be >= 1");
      return Shape{in(0).h * op.resize_scale, in(0).w * op.resize_scale, in(0).c};
  }
  fail(op, "unknown op type");
}

}  // namespace

void Graph::infer_shapes() {
  validate();
  for (auto& op : ops) {
    Shape s = infer_op_shape(*this, op);
    if (s.h <= 0 || s.w <= 0 || s.c <= 0)
      fail(op, "empty output " + shape_str(s) + " (input too small for this network?)");
    tensors[op.output].shape = s;
  }
}

void Graph::validate() const {
  if (input < 0 || input >= int(tensors.size())) throw std::runtime_error("graph has no input");
  std::vector<char> ready(tensors.size(), 0);
  ready[input] = 1;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    for (int t : op.inputs) {
      if (t < 0 || t >= int(tensors.size())) fail(op, "input tensor id out of range");
      if (!ready[t]) fail(op, "reads tensor '" + tensors[t].name + "' before it is produced");
    }
    if (op.output < 0 || op.output >= int(tensors.size())) fail(op, "output id out of range");
    if (ready[op.output]) fail(op, "writes tensor '" + tensors[op.output].name + "' twice");
    ready[op.output] = 1;
  }
  if (outputs.empty()) throw std::runtime_error("graph has no outputs");
  for (const auto& o : outputs)
    if (o.tensor < 0 || o.tensor >= int(tensors.size()) || !ready[o.tensor])
      throw std::runtime_error("graph output '" + o.name + "' is not produced");
}

OpStats Graph::op_stats(int id) const {
  const Op& op = ops.at(id);
  OpStats s;
  const Shape& out = shape(op.output);
  switch (op.type) {
    case OpType::Conv2D: {
      const int in_c = shape(op.inputs[0]).c;
      const int64_t w = int64_t(op.out_channels) * op.kernel_h * op.kernel_w * (in_c / op.groups);
      const bool has_bias = !op.bias.empty() || !op.qbias.empty();
      s.params = w + (has_bias ? op.out_channels : 0);
      s.macs = int64_t(out.h) * out.w * op.out_channels * op.kernel_h * op.kernel_w *
               (in_c / op.groups);
      // Deployed int8: weights, an int32 bias per channel (folded BN always gives one),
      // and a float scale per channel.
      s.weight_bytes = w + 4 * int64_t(op.out_channels) + 4 * int64_t(op.out_channels);
      break;
    }
    case OpType::FullyConnected: {
      const int64_t n_in = shape(op.inputs[0]).elements();
      const bool has_bias = !op.bias.empty() || !op.qbias.empty();
      s.params = n_in * op.out_channels + (has_bias ? op.out_channels : 0);
      s.macs = n_in * op.out_channels;
      s.weight_bytes = n_in * op.out_channels + 8 * int64_t(op.out_channels);
      break;
    }
    case OpType::BatchNorm:
      s.params = 2 * int64_t(out.c);  // gamma and beta; folded away for deployment
      break;
    default: break;
  }
  return s;
}

OpStats Graph::total_stats() const {
  OpStats t;
  for (size_t i = 0; i < ops.size(); ++i) {
    OpStats s = op_stats(int(i));
    t.params += s.params;
    t.macs += s.macs;
    t.weight_bytes += s.weight_bytes;
  }
  return t;
}

}  // namespace tinydet
