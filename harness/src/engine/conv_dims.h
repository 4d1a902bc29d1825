// The dimensions a convolution-like fast kernel works with (internal). A FullyConnected op
// is a 1x1 convolution over a 1x1 image whose channels are the flattened input.
#pragma once

#include "tinydet/kernels.h"

namespace tinydet::kernels {

struct ConvDims {
  Shape in, out;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  Padding pad;
  int groups = 1, cin_g = 1, cout_g = 1;
  int k = 1;     // kernel_h * kernel_w * cin_g: the dot-product length
  int kpad = 4;  // k rounded up to a multiple of 4 (the int8 dot-product step)
  int blocks = 1;  // output-channel blocks of 16 per group
  size_t packed_group_bytes() const { return size_t(blocks) * kpad * 16; }
  int64_t pixels() const { return int64_t(out.h) * out.w; }
};

inline ConvDims conv_dims(const Op& op, const Shape& in, const Shape& out, const Padding& pad) {
  ConvDims d;
  if (op.type == OpType::FullyConnected) {
    d.in = {1, 1, int(in.elements())};
    d.out = {1, 1, op.out_channels};
  } else {
    d.in = in;
    d.out = out;
    d.kernel_h = op.kernel_h;
    d.kernel_w = op.kernel_w;
    d.stride_h = op.stride_h;
    d.stride_w = op.stride_w;
    d.pad = pad;
    d.groups = op.groups;
  }
  d.cin_g = d.in.c / d.groups;
  d.cout_g = op.out_channels / d.groups;
  d.k = d.kernel_h * d.kernel_w * d.cin_g;
  d.kpad = (d.k + 3) / 4 * 4;
  d.blocks = (d.cout_g + 15) / 16;
  return d;
}

inline ConvDims conv_dims(const Op& op, const OpGeometry& geo) {
  return conv_dims(op, geo.inputs[0], geo.output, geo.pad);
}

}  // namespace tinydet::kernels
