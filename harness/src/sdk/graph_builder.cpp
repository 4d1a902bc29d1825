// GraphBuilder: appends ops in execution order and keeps shapes current.
#include "tinydet/graph_builder.h"

#include <stdexcept>

namespace tinydet {

GraphBuilder::GraphBuilder(Shape input_shape, const std::string& input_name) {
  if (input_shape.h <= 0 || input_shape.w <= 0 || input_shape.c <= 0)
    throw std::invalid_argument("graph input shape must be positive");
  graph_.tensors.push_back(Tensor{input_name, input_shape, -1, {}});
  graph_.input = 0;
}

int GraphBuilder::add_op(Op op, Shape out_shape) {
  for (const auto& existing : graph_.ops)
    if (existing.name == op.name) throw std::invalid_argument("duplicate op name '" + op.name + "'");
  const int tensor_id = int(graph_.tensors.size());
  graph_.tensors.push_back(Tensor{op.name, out_shape, int(graph_.ops.size()), {}});
  op.output = tensor_id;
  graph_.ops.push_back(std::move(op));
  return tensor_id;
}

namespace {
Op make_op(OpType t, const std::string& name, std::vector<int> inputs) {
  Op op;
  op.type = t;
  op.name = name;
  op.inputs = std::move(inputs);
  return op;
}
}  // namespace

int GraphBuilder::conv2d(int x, int out_channels, int kernel, int stride, Act act,
                         const std::string& name, ConvOptions opt) {
  const Shape in = shape(x);
  Op op = make_op(OpType::Conv2D, name, {x});
  op.kernel_h = op.kernel_w = kernel;
  op.stride_h = op.stride_w = stride;
  const int p = opt.pad < 0 ? kernel / 2 : opt.pad;
  op.pad = Padding{p, p, p, p};
  op.groups = opt.groups;
  op.out_channels = out_channels;
  op.leaky_alpha = opt.leaky_alpha;
  if (opt.groups < 1 || in.c % opt.groups != 0 || out_channels % opt.groups != 0)
    throw std::invalid_argument("conv '" + name + "': groups do not divide the channels");
  if (!opt.bn) {
    op.act = act;
    if (opt.bias) op.bias.assign(out_channels, 0.f);
  }
  op.weights.assign(size_t(out_channels) * kernel * kernel * (in.c / opt.groups), 0.f);
  Shape out{window_output_size(in.h, kernel, stride, p, p),
            window_output_size(in.w, kernel, stride, p, p), out_channels};
  if (out.h <= 0 || out.w <= 0)
    throw std::invalid_argument("conv '" + name + "': input too small");
  int y = add_op(std::move(op), out);
  if (opt.bn) y = batch_norm(y, act, name + "/bn");
  graph_.ops.back().leaky_alpha = opt.leaky_alpha;
  return y;
}

int GraphBuilder::depthwise(int x, int kernel, int stride, Act act, const std::string& name,
                            ConvOptions opt) {
  opt.groups = shape(x).c;
  return conv2d(x, shape(x).c, kernel, stride, act, name, opt);
}

int GraphBuilder::batch_norm(int x, Act act, const std::string& name) {
  const int c = shape(x).c;
  Op op = make_op(OpType::BatchNorm, name, {x});
  op.act = act;
  op.bn_gamma.assign(c, 1.f);
  op.bn_beta.assign(c, 0.f);
  op.bn_mean.assign(c, 0.f);
  op.bn_var.assign(c, 1.f);
  return add_op(std::move(op), shape(x));
}

int GraphBuilder::activation(int x, Act act, const std::string& name, float leaky_alpha) {
  // Fuse into the producer when it can carry an activation and has none yet.
  const int producer = graph_.tensors.at(x).producer;
  if (producer >= 0) {
    Op& p = graph_.ops[producer];
    const bool fusable = p.type == OpType::Conv2D || p.type == OpType::BatchNorm ||
                         p.type == OpType::Add || p.type == OpType::FullyConnected;
    if (fusable && p.act == Act::None && graph_.consumers(x).empty()) {
      p.act = act;
      p.leaky_alpha = leaky_alpha;
      return x;
    }
  }
  Op op = make_op(OpType::Activation, name, {x});
  op.act = act;
  op.leaky_alpha = leaky_alpha;
  return add_op(std::move(op), shape(x));
}

int GraphBuilder::add(int a, int b, const std::string& name, Act act) {
  if (!(shape(a) == shape(b))) throw std::invalid_argument("add '" + name + "': shapes differ");
  Op op = make_op(OpType::Add, name, {a, b});
  op.act = act;
  return add_op(std::move(op), shape(a));
}

int GraphBuilder::concat(const std::vector<int>& xs, const std::string& name) {
  if (xs.empty()) throw std::invalid_argument("concat '" + name + "': no inputs");
  Shape out = shape(xs[0]);
  out.c = 0;
  for (int x : xs) {
    if (shape(x).h != out.h || shape(x).w != out.w)
      throw std::invalid_argument("concat '" + name + "': spatial sizes differ");
    out.c += shape(x).c;
  }
  return add_op(make_op(OpType::Concat, name, xs), out);
}

int GraphBuilder::max_pool(int x, int kernel, int stride, const std::string& name, int pad) {
  Op op = make_op(OpType::MaxPool, name, {x});
  op.kernel_h = op.kernel_w = kernel;
  op.stride_h = op.stride_w = stride;
  op.pad = Padding{pad, pad, pad, pad};
  const Shape in = shape(x);
  return add_op(std::move(op), Shape{window_output_size(in.h, kernel, stride, pad, pad),
                                     window_output_size(in.w, kernel, stride, pad, pad), in.c});
}

int GraphBuilder::avg_pool(int x, int kernel, int stride, const std::string& name, int pad) {
  Op op = make_op(OpType::AvgPool, name, {x});
  op.kernel_h = op.kernel_w = kernel;
  op.stride_h = op.stride_w = stride;
  op.pad = Padding{pad, pad, pad, pad};
  const Shape in = shape(x);
  return add_op(std::move(op), Shape{window_output_size(in.h, kernel, stride, pad, pad),
                                     window_output_size(in.w, kernel, stride, pad, pad), in.c});
}

int GraphBuilder::global_avg_pool(int x, const std::string& name) {
  return add_op(make_op(OpType::GlobalAvgPool, name, {x}), Shape{1, 1, shape(x).c});
}

int GraphBuilder::fully_connected(int x, int out_features, Act act, const std::string& name,
                                  bool bias) {
  Op op = make_op(OpType::FullyConnected, name, {x});
  op.out_channels = out_features;
  op.act = act;
  op.weights.assign(size_t(shape(x).elements()) * out_features, 0.f);
  if (bias) op.bias.assign(out_features, 0.f);
  return add_op(std::move(op), Shape{1, 1, out_features});
}

int GraphBuilder::reshape(int x, Shape to, const std::string& name) {
  if (to.elements() != shape(x).elements())
    throw std::invalid_argument("reshape '" + name + "': element count changes");
  Op op = make_op(OpType::Reshape, name, {x});
  op.reshape_to = to;
  return add_op(std::move(op), to);
}

int GraphBuilder::resize_nearest(int x, int scale, const std::string& name) {
  Op op = make_op(OpType::Resize, name, {x});
  op.resize_scale = scale;
  const Shape in = shape(x);
  return add_op(std::move(op), Shape{in.h * scale, in.w * scale, in.c});
}

int GraphBuilder::dropout(int x, float p, const std::string& name) {
  Op op = make_op(OpType::Dropout, name, {x});
  op.dropout_p = p;
  return add_op(std::move(op), shape(x));
}

void GraphBuilder::mark_output(int x, const std::string& name) {
  graph_.outputs.push_back(GraphOutput{name, x});
}

void GraphBuilder::set_meta(const std::string& key, const std::string& value) {
  graph_.meta[key] = value;
}

Graph GraphBuilder::finish() {
  graph_.infer_shapes();
  return graph_;
}

}  // namespace tinydet
