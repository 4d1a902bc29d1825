// prepare_int8: the fixed-point requantisation parameters of one op, from the graph's
// per-tensor quant params and the op's per-channel weight scales.
//
// Multiplier layout per op type (Int8OpParams::multiplier / shift):
//   Conv2D, FullyConnected: [oc] = in_scale * w_scale[oc] / out_scale; with a fused
//     LeakyReLU one more entry [out_channels] = alpha (applied to the requantised value
//     when it is negative, before the output zero point: our documented int8 leaky).
//   Add: [0], [1] input rescalers s_i / (2 max(s0, s1)); [2] output rescaler
//     2 max(s0, s1) / (2^20 out_scale) (TFLite's left_shift = 20 scheme).
//   Activation: [0] identity rescaler in_scale / out_scale; LeakyReLU adds [1] =
//     alpha * in_scale / out_scale (TFLite's two-multiplier leaky ReLU).
//   Concat, MaxPool, AvgPool, GlobalAvgPool, Resize, Reshape, Dropout: [i] = in_scale_i /
//     out_scale (kernels skip the rescale when input and output quant are equal).
//   BatchNorm: not supported in int8 (fold it into the conv first).
#include <stdexcept>

#include "kernel_internal.h"

namespace tinydet {

namespace {

void push(Int8OpParams& q, double real) {
  int32_t m = 0, s = 0;
  quantize_multiplier(real, &m, &s);
  q.multiplier.push_back(m);
  q.shift.push_back(s);
}

}  // namespace

Int8OpParams prepare_int8(const Graph& g, int op_id) {
  const Op& op = g.ops.at(op_id);
  if (!g.quantized)
    kernels::fail(op, "prepare_int8 needs a quantized graph (run quantize first)");
  Int8OpParams q;
  for (int t : op.inputs) {
    q.inputs.push_back(g.tensor(t).quant);
    if (!q.inputs.back().valid())
      kernels::fail(op, "input tensor '" + g.tensor(t).name + "' has no quant params");
  }
  q.output = g.tensor(op.output).quant;
  if (!q.output.valid())
    kernels::fail(op, "output tensor '" + g.tensor(op.output).name + "' has no quant params");
  int8::activation_range(op.act, q.output, &q.act_min, &q.act_max);
  const double in_scale = q.inputs.empty() ? 0.0 : double(q.inputs[0].scale);
  const double out_scale = double(q.output.scale);

  switch (op.type) {
    case OpType::Conv2D:
    case OpType::FullyConnected: {
      if (op.weight_scales.size() != size_t(op.out_channels))
        kernels::fail(op, "has " + std::to_string(op.weight_scales.size()) +
                              " weight scales, expected " + std::to_string(op.out_channels));
      for (float ws : op.weight_scales) push(q, in_scale * double(ws) / out_scale);
      if (op.act == Act::LeakyReLU) push(q, double(op.leaky_alpha));
      {
        const Shape& in = g.shape(op.inputs[0]);
        const bool depthwise = op.type == OpType::Conv2D && op.groups == in.c &&
                               op.out_channels == op.groups;
        if (depthwise) kernels::pack_int8_depthwise_weights(op, q);
        else kernels::pack_int8_conv_weights(op, in, q.inputs[0].zero_point, q);
      }
      break;
    }
    case OpType::Add: {
      if (q.inputs.size() != 2) kernels::fail(op, "Add needs two inputs");
      const double twice_max =
          2.0 * std::max(double(q.inputs[0].scale), double(q.inputs[1].scale));
      push(q, double(q.inputs[0].scale) / twice_max);
      push(q, double(q.inputs[1].scale) / twice_max);
      push(q, twice_max / (double(1 << 20) * out_scale));
      break;
    }
    case OpType::Activation:
      push(q, in_scale / out_scale);
      if (op.act == Act::LeakyReLU) push(q, double(op.leaky_alpha) * in_scale / out_scale);
      break;
    case OpType::BatchNorm:
      kernels::fail(op, "BatchNorm has no int8 kernel: fold it into the preceding conv "
                        "(fold_for_inference) before quantizing");
    default:
      for (const QuantParams& in : q.inputs) push(q, double(in.scale) / out_scale);
      break;
  }
  return q;
}

}  // namespace tinydet
