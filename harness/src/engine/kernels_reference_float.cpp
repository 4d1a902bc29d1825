// Reference float32 kernels: naive loops that state what every op computes. NHWC, batch 1.
// The fast paths are tested against these.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "activation.h"
#include "kernel_internal.h"

namespace tinydet::kernels {

namespace {

using act::apply_float;

// out[oy][ox][oc] = act(bias[oc] + sum_{ky,kx,i} in[iy][ix][g*cin_g + i] * w[oc][ky][kx][i])
// with iy = oy*stride_h - pad.top + ky (zero outside the input), g = oc / cout_g.
float conv_output(const Op& op, const OpGeometry& geo, const float* in, int oy, int ox, int oc) {
  const Shape& x = geo.inputs[0];
  const int cin_g = x.c / op.groups;
  const int cout_g = op.out_channels / op.groups;
  const int g = oc / cout_g;
  float accf = op.bias.empty() ? 0.f : op.bias[oc];
  for (int ky = 0; ky < op.kernel_h; ++ky) {
    const int iy = oy * op.stride_h - geo.pad.top + ky;
    if (iy < 0 || iy >= x.h) continue;
    for (int kx = 0; kx < op.kernel_w; ++kx) {
      const int ix = ox * op.stride_w - geo.pad.left + kx;
      if (ix < 0 || ix >= x.w) continue;
      const float* px = in + (int64_t(iy) * x.w + ix) * x.c + int64_t(g) * cin_g;
      const float* pw = op.weights.data() + ((int64_t(oc) * op.kernel_h + ky) * op.kernel_w + kx) * cin_g;
      for (int i = 0; i < cin_g; ++i) accf += px[i] * pw[i];
    }
  }
  return apply_float(accf, op.act, op.leaky_alpha);
}

void conv2d(const Op& op, const OpGeometry& geo, const float* in, float* out) {
  const Shape& y = geo.output;
  for (int oy = 0; oy < y.h; ++oy)
    for (int ox = 0; ox < y.w; ++ox)
      for (int oc = 0; oc < y.c; ++oc)
        out[(int64_t(oy) * y.w + ox) * y.c + oc] = conv_output(op, geo, in, oy, ox, oc);
}

void batch_norm(const Op& op, const OpGeometry& geo, const float* in, float* out) {
  const Shape& x = geo.inputs[0];
  for (int64_t p = 0; p < int64_t(x.h) * x.w; ++p)
    for (int c = 0; c < x.c; ++c) {
      const float gamma = op.bn_gamma.empty() ? 1.f : op.bn_gamma[c];
      const float beta = op.bn_beta.empty() ? 0.f : op.bn_beta[c];
      const float mean = op.bn_mean.empty() ? 0.f : op.bn_mean[c];
      const float var = op.bn_var.empty() ? 1.f : op.bn_var[c];
      const float v = gamma * (in[p * x.c + c] - mean) / std::sqrt(var + op.bn_eps) + beta;
      out[p * x.c + c] = apply_float(v, op.act, op.leaky_alpha);
    }
}

// Max / average over the window cells inside the input (padding cells are ignored).
void pool(const Op& op, const OpGeometry& geo, const float* in, float* out, bool is_max) {
  const Shape& y = geo.output;
  for (int oy = 0; oy < y.h; ++oy)
    for (int ox = 0; ox < y.w; ++ox)
      for (int c = 0; c < y.c; ++c) {
        const auto s =
            pool_window(op, geo, in, oy, ox, c, -std::numeric_limits<float>::infinity());
        float r = 0.f;
        if (s.count > 0) r = is_max ? s.best : s.sum / float(s.count);
        out[(int64_t(oy) * y.w + ox) * y.c + c] = r;
      }
}

void global_avg_pool(const OpGeometry& geo, const float* in, float* out) {
  const Shape& x = geo.inputs[0];
  const int64_t n = int64_t(x.h) * x.w;
  for (int c = 0; c < x.c; ++c) {
    float sum = 0.f;
    for (int64_t p = 0; p < n; ++p) sum += in[p * x.c + c];
    out[c] = sum / float(n);
  }
}

void fully_connected(const Op& op, const OpGeometry& geo, const float* in, float* out) {
  const int64_t n_in = geo.inputs[0].elements();
  for (int oc = 0; oc < op.out_channels; ++oc) {
    float acc = op.bias.empty() ? 0.f : op.bias[oc];
    const float* w = op.weights.data() + int64_t(oc) * n_in;
    for (int64_t i = 0; i < n_in; ++i) acc += in[i] * w[i];
    out[oc] = apply_float(acc, op.act, op.leaky_alpha);
  }
}

void resize_nearest(const Op& op, const OpGeometry& geo, const float* in, float* out) {
  const Shape& x = geo.inputs[0];
  const Shape& y = geo.output;
  const int s = op.resize_scale;
  for (int oy = 0; oy < y.h; ++oy)
    for (int ox = 0; ox < y.w; ++ox)
      for (int c = 0; c < y.c; ++c)
        out[(int64_t(oy) * y.w + ox) * y.c + c] =
            in[(int64_t(oy / s) * x.w + ox / s) * x.c + c];
}

}  // namespace

void reference_depthwise_row_float(const Op& op, const OpGeometry& geo, const float* in, int oy,
                                   float* out_row) {
  const Shape& y = geo.output;
  for (int ox = 0; ox < y.w; ++ox)
    for (int oc = 0; oc < y.c; ++oc)
      out_row[int64_t(ox) * y.c + oc] = conv_output(op, geo, in, oy, ox, oc);
}

void reference_float(const Op& op, const OpGeometry& geo, const float* const* in, float* out) {
  const Shape& y = geo.output;
  switch (op.type) {
    case OpType::Conv2D: conv2d(op, geo, in[0], out); return;
    case OpType::BatchNorm: batch_norm(op, geo, in[0], out); return;
    case OpType::Activation:
      for (int64_t i = 0; i < y.elements(); ++i) out[i] = apply_float(in[0][i], op.act, op.leaky_alpha);
      return;
    case OpType::Add:
      for (int64_t i = 0; i < y.elements(); ++i)
        out[i] = apply_float(in[0][i] + in[1][i], op.act, op.leaky_alpha);
      return;
    case OpType::Concat: {
      int c0 = 0;
      for (size_t k = 0; k < geo.inputs.size(); ++k) {
        const int ck = geo.inputs[k].c;
        for (int64_t p = 0; p < int64_t(y.h) * y.w; ++p)
          for (int c = 0; c < ck; ++c) out[p * y.c + c0 + c] = in[k][p * ck + c];
        c0 += ck;
      }
      return;
    }
    case OpType::MaxPool: pool(op, geo, in[0], out, true); return;
    case OpType::AvgPool: pool(op, geo, in[0], out, false); return;
    case OpType::GlobalAvgPool: global_avg_pool(geo, in[0], out); return;
    case OpType::FullyConnected: fully_connected(op, geo, in[0], out); return;
    case OpType::Reshape:
    case OpType::Dropout:
      if (out != in[0]) std::memmove(out, in[0], size_t(y.elements()) * sizeof(float));
      return;
    case OpType::Resize: resize_nearest(op, geo, in[0], out); return;
  }
  fail(op, "unknown op type");
}

}  // namespace tinydet::kernels
