// GraphModule: the graph IR run with libtorch ops (see graph_module.h for the semantics).
#include "train/graph_module.h"

#include <limits>
#include <sstream>
#include <stdexcept>

#include "train/detail/torch_graph.h"

namespace tinydet {

namespace detail {

namespace {

[[noreturn]] void fail(const Op& op, const std::string& what) {
  throw std::runtime_error("trainer: op '" + op.name + "' (" + op_type_name(op.type) +
                           "): " + what);
}

torch::Tensor from_vector(const std::vector<float>& v, std::vector<int64_t> sizes) {
  return torch::from_blob(const_cast<float*>(v.data()), sizes, torch::kFloat32).clone();
}

void copy_to_vector(const torch::Tensor& t, std::vector<float>& out) {
  const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  out.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

torch::Tensor apply_act(const torch::Tensor& x, Act act, float alpha) {
  switch (act) {
    case Act::None: return x;
    case Act::ReLU: return torch::relu(x);
    case Act::ReLU6: return torch::hardtanh(x, 0.0, 6.0);
    case Act::LeakyReLU: return torch::leaky_relu(x, alpha);
  }
  return x;
}

bool symmetric(const Padding& p) { return p.top == p.bottom && p.left == p.right; }
bool zero(const Padding& p) { return p.top == 0 && p.bottom == 0 && p.left == 0 && p.right == 0; }

torch::Tensor pad(const torch::Tensor& x, const Padding& p, double value) {
  return torch::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom}, value);
}

OpTensors make_tensors(const Graph& g, const Op& op) {
  OpTensors t;
  switch (op.type) {
    case OpType::Conv2D: {
      const int in_c = g.shape(op.inputs.at(0)).c;
      const int per_group = in_c / op.groups;
      const size_t expected = size_t(op.out_channels) * op.kernel_h * op.kernel_w * per_group;
      if (op.weights.size() != expected)
        fail(op, "has " + std::to_string(op.weights.size()) + " weights, expected " +
                     std::to_string(expected));
      t.weight = from_vector(op.weights, {op.out_channels, op.kernel_h, op.kernel_w, per_group})
                     .permute({0, 3, 1, 2})
                     .contiguous();
      t.weight.set_requires_grad(true);
      if (!op.bias.empty()) {
        if (op.bias.size() != size_t(op.out_channels)) fail(op, "bias size mismatch");
        t.bias = from_vector(op.bias, {op.out_channels});
        t.bias.set_requires_grad(true);
      }
      break;
    }
    case OpType::FullyConnected: {
      const int64_t n_in = g.shape(op.inputs.at(0)).elements();
      if (int64_t(op.weights.size()) != n_in * op.out_channels)
        fail(op, "has " + std::to_string(op.weights.size()) + " weights, expected " +
                     std::to_string(n_in * op.out_channels));
      t.weight = from_vector(op.weights, {op.out_channels, n_in});
      t.weight.set_requires_grad(true);
      if (!op.bias.empty()) {
        if (op.bias.size() != size_t(op.out_channels)) fail(op, "bias size mismatch");
        t.bias = from_vector(op.bias, {op.out_channels});
        t.bias.set_requires_grad(true);
      }
      break;
    }
    case OpType::BatchNorm: {
      const int c = g.shape(op.inputs.at(0)).c;
      auto param = [&](const std::vector<float>& v, float dflt, const char* what) {
        if (v.empty()) return torch::full({c}, dflt, torch::kFloat32);
        if (v.size() != size_t(c)) fail(op, std::string(what) + " size mismatch");
        return from_vector(v, {c});
      };
      t.gamma = param(op.bn_gamma, 1.f, "gamma");
      t.beta = param(op.bn_beta, 0.f, "beta");
      t.running_mean = param(op.bn_mean, 0.f, "running mean");
      t.running_var = param(op.bn_var, 1.f, "running variance");
      t.gamma.set_requires_grad(true);
      t.beta.set_requires_grad(true);
      break;
    }
    default: break;
  }
  return t;
}

}  // namespace

std::vector<torch::Tensor> TorchGraph::forward(const torch::Tensor& input_nhwc) {
  const Shape& in_shape = graph.input_shape();
  if (input_nhwc.dim() != 4 || input_nhwc.size(1) != in_shape.h ||
      input_nhwc.size(2) != in_shape.w || input_nhwc.size(3) != in_shape.c)
    throw std::invalid_argument("trainer: input tensor does not match the graph input " +
                                std::to_string(in_shape.h) + "x" + std::to_string(in_shape.w) +
                                "x" + std::to_string(in_shape.c));
  const int64_t batch = input_nhwc.size(0);
  std::vector<torch::Tensor> values(graph.tensors.size());
  values[graph.input] = input_nhwc.permute({0, 3, 1, 2});
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    const OpTensors& p = params[i];
    auto in = [&](size_t k) -> const torch::Tensor& { return values[op.inputs.at(k)]; };
    torch::Tensor y;
    switch (op.type) {
      case OpType::Conv2D: {
        torch::Tensor x = in(0);
        std::vector<int64_t> padding = {0, 0};
        if (symmetric(op.pad)) padding = {op.pad.top, op.pad.left};
        else x = pad(x, op.pad, 0.0);
        y = torch::conv2d(x, p.weight, p.bias, {op.stride_h, op.stride_w}, padding, {1, 1},
                          op.groups);
        y = apply_act(y, op.act, op.leaky_alpha);
        break;
      }
      case OpType::BatchNorm:
        y = torch::batch_norm(in(0), p.gamma, p.beta, p.running_mean, p.running_var, training,
                              bn_momentum, op.bn_eps, false);
        y = apply_act(y, op.act, op.leaky_alpha);
        break;
      case OpType::Activation: y = apply_act(in(0), op.act, op.leaky_alpha); break;
      case OpType::Add: y = apply_act(in(0) + in(1), op.act, op.leaky_alpha); break;
      case OpType::Concat: {
        std::vector<torch::Tensor> xs;
        for (size_t k = 0; k < op.inputs.size(); ++k) xs.push_back(in(k));
        y = torch::cat(xs, 1);
        break;
      }
      case OpType::MaxPool: {
        torch::Tensor x = in(0);
        if (!zero(op.pad)) x = pad(x, op.pad, -std::numeric_limits<double>::infinity());
        y = torch::max_pool2d(x, {op.kernel_h, op.kernel_w}, {op.stride_h, op.stride_w});
        break;
      }
      case OpType::AvgPool: {
        if (zero(op.pad)) {
          y = torch::avg_pool2d(in(0), {op.kernel_h, op.kernel_w}, {op.stride_h, op.stride_w});
        } else {
          // Sum over the window of the zero-padded input, divided by the number of valid
          // (unpadded) elements in that window.
          const auto& s = graph.shape(op.inputs[0]);
          const torch::Tensor ones = pad(torch::ones({1, 1, s.h, s.w}), op.pad, 0.0);
          const torch::Tensor count =
              torch::avg_pool2d(ones, {op.kernel_h, op.kernel_w}, {op.stride_h, op.stride_w});
          const torch::Tensor mean_with_zeros = torch::avg_pool2d(
              pad(in(0), op.pad, 0.0), {op.kernel_h, op.kernel_w}, {op.stride_h, op.stride_w});
          y = mean_with_zeros / count.clamp_min(1e-12);
        }
        break;
      }
      case OpType::GlobalAvgPool: y = in(0).mean({2, 3}, true); break;
      case OpType::FullyConnected: {
        const torch::Tensor flat = in(0).permute({0, 2, 3, 1}).reshape({batch, -1});
        y = torch::linear(flat, p.weight, p.bias);
        y = apply_act(y, op.act, op.leaky_alpha).view({batch, op.out_channels, 1, 1});
        break;
      }
      case OpType::Reshape: {
        const Shape& to = op.reshape_to;
        y = in(0).permute({0, 2, 3, 1}).reshape({batch, to.h, to.w, to.c}).permute({0, 3, 1, 2});
        break;
      }
      case OpType::Resize: {
        const int s = op.resize_scale;
        y = in(0).repeat_interleave(s, 2).repeat_interleave(s, 3);
        break;
      }
      case OpType::Dropout: y = torch::dropout(in(0), op.dropout_p, training); break;
    }
    values[op.output] = y;
  }
  std::vector<torch::Tensor> outs;
  for (const auto& o : graph.outputs) outs.push_back(values[o.tensor].permute({0, 2, 3, 1}));
  return outs;
}

std::vector<torch::Tensor> TorchGraph::decay_parameters() const {
  std::vector<torch::Tensor> v;
  for (const auto& p : params)
    if (p.weight.defined()) v.push_back(p.weight);
  return v;
}

std::vector<torch::Tensor> TorchGraph::no_decay_parameters() const {
  std::vector<torch::Tensor> v;
  for (const auto& p : params) {
    if (p.bias.defined()) v.push_back(p.bias);
    if (p.gamma.defined()) v.push_back(p.gamma);
    if (p.beta.defined()) v.push_back(p.beta);
  }
  return v;
}

std::vector<std::pair<std::string, torch::Tensor>> TorchGraph::named_state() const {
  std::vector<std::pair<std::string, torch::Tensor>> v;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const std::string k = std::to_string(i) + "/";
    if (p.weight.defined()) v.emplace_back(k + "weight", p.weight);
    if (p.bias.defined()) v.emplace_back(k + "bias", p.bias);
    if (p.gamma.defined()) v.emplace_back(k + "gamma", p.gamma);
    if (p.beta.defined()) v.emplace_back(k + "beta", p.beta);
    if (p.running_mean.defined()) v.emplace_back(k + "running_mean", p.running_mean);
    if (p.running_var.defined()) v.emplace_back(k + "running_var", p.running_var);
  }
  return v;
}

}  // namespace detail

GraphModule::GraphModule(const Graph& g, double bn_momentum)
    : state_(std::make_unique<detail::TorchGraph>()) {
  g.validate();
  state_->graph = g;
  state_->bn_momentum = bn_momentum;
  for (const Op& op : g.ops) state_->params.push_back(detail::make_tensors(g, op));
  // Drop the weight copies kept in the structure: the tensors are the truth from here on.
  for (Op& op : state_->graph.ops) {
    op.weights.clear();
    op.bias.clear();
    op.bn_gamma.clear();
    op.bn_beta.clear();
    op.bn_mean.clear();
    op.bn_var.clear();
  }
}

GraphModule::~GraphModule() = default;
GraphModule::GraphModule(GraphModule&&) noexcept = default;
GraphModule& GraphModule::operator=(GraphModule&&) noexcept = default;

void GraphModule::set_training(bool training) { state_->training = training; }
bool GraphModule::training() const { return state_->training; }

std::vector<std::vector<float>> GraphModule::forward(const float* input, int batch) {
  torch::NoGradGuard no_grad;
  const Shape& s = state_->graph.input_shape();
  const torch::Tensor x = torch::from_blob(const_cast<float*>(input), {batch, s.h, s.w, s.c},
                                           torch::kFloat32);
  std::vector<std::vector<float>> out;
  for (const auto& t : state_->forward(x)) {
    out.emplace_back();
    detail::copy_to_vector(t, out.back());
  }
  return out;
}

void GraphModule::export_weights(Graph& g) const {
  if (g.ops.size() != state_->params.size())
    throw std::invalid_argument("trainer: export_weights to a graph of a different structure");
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Op& op = g.ops[i];
    const auto& p = state_->params[i];
    if (op.type != state_->graph.ops[i].type)
      throw std::invalid_argument("trainer: export_weights: op '" + op.name + "' differs");
    if (op.type == OpType::Conv2D) {
      detail::copy_to_vector(p.weight.detach().permute({0, 2, 3, 1}), op.weights);
      if (p.bias.defined()) detail::copy_to_vector(p.bias, op.bias);
    } else if (op.type == OpType::FullyConnected) {
      detail::copy_to_vector(p.weight, op.weights);
      if (p.bias.defined()) detail::copy_to_vector(p.bias, op.bias);
    } else if (op.type == OpType::BatchNorm) {
      detail::copy_to_vector(p.gamma, op.bn_gamma);
      detail::copy_to_vector(p.beta, op.bn_beta);
      detail::copy_to_vector(p.running_mean, op.bn_mean);
      detail::copy_to_vector(p.running_var, op.bn_var);
    }
  }
}

void GraphModule::import_weights(const Graph& g) {
  if (g.ops.size() != state_->params.size())
    throw std::invalid_argument("trainer: import_weights from a graph of a different structure");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const detail::OpTensors fresh = detail::make_tensors(g, g.ops[i]);
    auto& p = state_->params[i];
    // Copy in place so optimizer references to the parameters stay valid.
    auto assign = [](torch::Tensor& dst, const torch::Tensor& src) {
      if (dst.defined() && src.defined()) dst.copy_(src);
    };
    assign(p.weight, fresh.weight);
    assign(p.bias, fresh.bias);
    assign(p.gamma, fresh.gamma);
    assign(p.beta, fresh.beta);
    assign(p.running_mean, fresh.running_mean);
    assign(p.running_var, fresh.running_var);
  }
}

int64_t GraphModule::parameter_count() const {
  int64_t n = 0;
  for (const auto& t : state_->decay_parameters()) n += t.numel();
  for (const auto& t : state_->no_decay_parameters()) n += t.numel();
  return n;
}

const Graph& GraphModule::graph() const { return state_->graph; }
detail::TorchGraph& GraphModule::torch_state() { return *state_; }

std::string graph_structure_signature(const Graph& g) {
  std::ostringstream s;
  auto shp = [&](const Shape& x) { s << x.h << 'x' << x.w << 'x' << x.c; };
  s << "in:";
  shp(g.input_shape());
  for (const Op& op : g.ops) {
    s << ';' << op.name << ':' << int(op.type) << '(';
    for (int t : op.inputs) s << t << ',';
    s << ")->" << op.output << ':';
    shp(g.shape(op.output));
    s << ":k" << op.kernel_h << 'x' << op.kernel_w << ":s" << op.stride_h << 'x' << op.stride_w
      << ":p" << op.pad.top << ',' << op.pad.left << ',' << op.pad.bottom << ',' << op.pad.right
      << ":g" << op.groups << ":o" << op.out_channels << ":a" << int(op.act) << ','
      << op.leaky_alpha << ":r" << op.resize_scale << ":d" << op.dropout_p << ":e" << op.bn_eps
      << ":b" << (op.bias.empty() ? 0 : 1);
  }
  s << ";out:";
  for (const auto& o : g.outputs) s << o.name << '=' << o.tensor << ',';
  return s.str();
}

}  // namespace tinydet
