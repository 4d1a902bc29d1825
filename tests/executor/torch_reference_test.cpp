// The float engine (LayerRunner on the folded graph) against a libtorch forward pass of
// the training graph (BN in eval mode) with the same weights: max |diff| <= 1e-4.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "../support/test_models.h"
#include "tinydet/layer_runner.h"

namespace tinydet {
namespace {

namespace F = torch::nn::functional;

torch::Tensor vec(const std::vector<float>& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {int64_t(v.size())}, torch::kFloat32).clone();
}

torch::Tensor activate(torch::Tensor x, const Op& op) {
  switch (op.act) {
    case Act::None: return x;
    case Act::ReLU: return torch::relu(x);
    case Act::ReLU6: return torch::clamp(x, 0.0, 6.0);
    case Act::LeakyReLU: return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(op.leaky_alpha));
  }
  return x;
}

// Forward pass of the graph's ops in NCHW, built by hand from the op list.
std::vector<torch::Tensor> torch_forward(const Graph& g, const std::vector<float>& input) {
  torch::NoGradGuard no_grad;
  std::map<int, torch::Tensor> t;
  const Shape& s = g.input_shape();
  t[g.input] = torch::from_blob(const_cast<float*>(input.data()), {1, s.h, s.w, s.c}, torch::kFloat32)
                   .permute({0, 3, 1, 2})
                   .contiguous();
  for (const Op& op : g.ops) {
    const torch::Tensor x = t.at(op.inputs[0]);
    torch::Tensor y;
    switch (op.type) {
      case OpType::Conv2D: {
        const int in_c = int(x.size(1));
        // OHWI -> OIHW.
        auto w = vec(op.weights).view({op.out_channels, op.kernel_h, op.kernel_w, in_c / op.groups}).permute({0, 3, 1, 2});
        auto padded = F::pad(x, F::PadFuncOptions({op.pad.left, op.pad.right, op.pad.top, op.pad.bottom}));
        auto opts = F::Conv2dFuncOptions().stride({op.stride_h, op.stride_w}).groups(op.groups);
        if (!op.bias.empty()) opts = opts.bias(vec(op.bias));
        y = F::conv2d(padded, w.contiguous(), opts);
        break;
      }
      case OpType::BatchNorm:
        y = F::batch_norm(x, vec(op.bn_mean), vec(op.bn_var),
                          F::BatchNormFuncOptions().weight(vec(op.bn_gamma)).bias(vec(op.bn_beta)).eps(op.bn_eps).training(false));
        break;
      case OpType::Add: y = x + t.at(op.inputs[1]); break;
      case OpType::Activation: y = x; break;
      case OpType::Dropout: y = x; break;  // eval
      case OpType::MaxPool:
        y = F::max_pool2d(x, F::MaxPool2dFuncOptions({op.kernel_h, op.kernel_w}).stride({op.stride_h, op.stride_w}));
        break;
      case OpType::Concat: {
        std::vector<torch::Tensor> xs;
        for (int i : op.inputs) xs.push_back(t.at(i));
        y = torch::cat(xs, 1);
        break;
      }
      case OpType::GlobalAvgPool: y = x.mean({2, 3}, true); break;
      case OpType::FullyConnected: {
        // The engine flattens in NHWC order.
        auto flat = x.permute({0, 2, 3, 1}).reshape({1, -1});
        y = F::linear(flat, vec(op.weights).view({op.out_channels, flat.size(1)}),
                      op.bias.empty() ? torch::Tensor() : vec(op.bias));
        y = y.view({1, op.out_channels, 1, 1});
        break;
      }
      default: ADD_FAILURE() << "op type " << op_type_name(op.type) << " not mirrored in the torch test";
    }
    t[op.output] = activate(y, op);
  }
  std::vector<torch::Tensor> outs;
  for (const auto& o : g.outputs) outs.push_back(t.at(o.tensor).permute({0, 2, 3, 1}).contiguous());  // NHWC
  return outs;
}

TEST(TorchReference, FloatEngineEqualsLibtorchForward) {
  torch::set_num_threads(1);
  const Graph training = test::small_mobilenet(24, 13);
  const Graph inference = fold_for_inference(training);
  const auto images = test::smooth_images(training.input_shape(), 3, 77);
  float worst = 0.f;
  for (KernelImpl impl : {KernelImpl::Reference, KernelImpl::Fast}) {
    LayerRunner runner;
    runner.prepare(inference, DType::Float32, impl);
    for (const auto& img : images) {
      runner.invoke(img.data());
      const auto expected = torch_forward(training, img);
      ASSERT_EQ(expected.size(), inference.outputs.size());
      for (size_t o = 0; o < expected.size(); ++o) {
        const auto* got = static_cast<const float*>(runner.output(int(o)));
        const auto want = expected[o].reshape({-1});
        ASSERT_EQ(want.numel(), inference.tensor(inference.outputs[o].tensor).shape.elements());
        const auto engine = torch::from_blob(const_cast<float*>(got), {want.numel()}, torch::kFloat32);
        const float max_diff = (engine - want).abs().max().item<float>();
        EXPECT_LE(max_diff, 1e-4f) << "output " << inference.outputs[o].name;
        worst = std::max(worst, max_diff);
        EXPECT_GT(want.abs().max().item<float>(), 1e-2f);  // a non-trivial signal
      }
    }
  }
  std::printf("engine float vs libtorch: max |diff| %.3g over both kernel implementations\n", double(worst));
}

}  // namespace
}  // namespace tinydet
