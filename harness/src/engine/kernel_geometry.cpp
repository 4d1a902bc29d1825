// Op geometry (shapes and padding an op runs with) and the in-place capability of ops.
#include <stdexcept>

#include "kernel_internal.h"

namespace tinydet {

OpGeometry geometry_of(const Graph& g, int op_id) {
  const Op& op = g.ops.at(op_id);
  OpGeometry geo;
  for (int t : op.inputs) geo.inputs.push_back(g.shape(t));
  geo.output = g.shape(op.output);
  geo.pad = op.pad;
  return geo;
}

bool op_can_run_in_place(const Op& op) {
  switch (op.type) {
    case OpType::Reshape:
    case OpType::Dropout:
    case OpType::Activation: return true;
    case OpType::Conv2D: {
      // Depthwise: one input channel per group and one output channel per group. The Op
      // does not store its input channel count, so the weight size decides when present.
      if (op.groups != op.out_channels) return false;
      const size_t per_group = size_t(op.out_channels) * op.kernel_h * op.kernel_w;
      if (!op.weights.empty()) return op.weights.size() == per_group;
      if (!op.qweights.empty()) return op.qweights.size() == per_group;
      return op.groups > 1;
    }
    default: return false;
  }
}

namespace kernels {

void fail(const Op& op, const std::string& what) {
  throw std::invalid_argument("kernel for op '" + op.name + "' (" + op_type_name(op.type) +
                              "): " + what);
}

bool is_depthwise(const Op& op, const OpGeometry& geo) {
  return op.type == OpType::Conv2D && !geo.inputs.empty() && op.groups == geo.inputs[0].c &&
         op.out_channels == op.groups;
}

int8::Requant make_requant(const Op& op, const Int8OpParams& q) {
  int8::Requant r;
  r.output_zero_point = q.output.zero_point;
  r.act_min = q.act_min;
  r.act_max = q.act_max;
  if (op.act == Act::LeakyReLU) {
    const size_t oc = size_t(op.out_channels);
    if (q.multiplier.size() <= oc || q.shift.size() <= oc)
      fail(op, "int8 params lack the LeakyReLU alpha multiplier (call prepare_int8)");
    r.leaky = true;
    r.alpha_multiplier = q.multiplier[oc];
    r.alpha_shift = q.shift[oc];
  }
  return r;
}

}  // namespace kernels
}  // namespace tinydet
