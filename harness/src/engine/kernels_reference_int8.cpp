// Reference int8 kernels (TFLite int8 semantics): naive loops, the specification the fast
// paths must match bit for bit. Multiplier layouts: see int8_params.cpp.
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernel_internal.h"

namespace tinydet::kernels {

namespace {

using int8::multiply_by_quantized_multiplier;
using int8::rescale;
using int8::same_quant;

// acc = qbias[oc] + sum (x - in_zp) * w over the window; padding contributes 0 (it holds
// the input zero point). Then requantised by the per-channel multiplier.
int8_t conv_output(const Op& op, const OpGeometry& geo, const int8_t* in, int oy, int ox, int oc,
                   const Int8OpParams& q, const int8::Requant& r) {
  const Shape& x = geo.inputs[0];
  const int cin_g = x.c / op.groups;
  const int cout_g = op.out_channels / op.groups;
  const int g = oc / cout_g;
  const int32_t in_zp = q.inputs[0].zero_point;
  int32_t acc = op.qbias.empty() ? 0 : op.qbias[oc];
  for (int ky = 0; ky < op.kernel_h; ++ky) {
    const int iy = oy * op.stride_h - geo.pad.top + ky;
    if (iy < 0 || iy >= x.h) continue;
    for (int kx = 0; kx < op.kernel_w; ++kx) {
      const int ix = ox * op.stride_w - geo.pad.left + kx;
      if (ix < 0 || ix >= x.w) continue;
      const int8_t* px = in + (int64_t(iy) * x.w + ix) * x.c + int64_t(g) * cin_g;
      const int8_t* pw =
          op.qweights.data() + ((int64_t(oc) * op.kernel_h + ky) * op.kernel_w + kx) * cin_g;
      for (int i = 0; i < cin_g; ++i) acc += (int32_t(px[i]) - in_zp) * int32_t(pw[i]);
    }
  }
  return int8::requantize(acc, q.multiplier[oc], q.shift[oc], r);
}

void conv2d(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
            const Int8OpParams& q) {
  const Shape& y = geo.output;
  const int8::Requant r = make_requant(op, q);
  for (int oy = 0; oy < y.h; ++oy)
    for (int ox = 0; ox < y.w; ++ox)
      for (int oc = 0; oc < y.c; ++oc)
        out[(int64_t(oy) * y.w + ox) * y.c + oc] = conv_output(op, geo, in, oy, ox, oc, q, r);
}

// TFLite int8 activation: out = out_zp + rescale(x - in_zp), LeakyReLU with a second
// multiplier (alpha * in_scale / out_scale) for negative inputs; clamp to the act range.
void activation(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
                const Int8OpParams& q) {
  const int32_t in_zp = q.inputs[0].zero_point, out_zp = q.output.zero_point;
  for (int64_t i = 0; i < geo.output.elements(); ++i) {
    const int32_t v = int32_t(in[i]) - in_zp;
    const bool negative_leaky = op.act == Act::LeakyReLU && v < 0;
    const int32_t m = negative_leaky ? q.multiplier[1] : q.multiplier[0];
    const int32_t s = negative_leaky ? q.shift[1] : q.shift[0];
    const int32_t y = out_zp + multiply_by_quantized_multiplier(v, m, s);
    out[i] = int8_t(std::clamp(y, q.act_min, q.act_max));
  }
}

// TFLite int8 Add: both inputs shifted left by 20 bits, rescaled to 2*max(scale), summed,
// rescaled to the output.
void add(const OpGeometry& geo, const int8_t* a, const int8_t* b, int8_t* out,
         const Int8OpParams& q) {
  constexpr int left_shift = 20;
  for (int64_t i = 0; i < geo.output.elements(); ++i) {
    const int32_t sa = (int32_t(a[i]) - q.inputs[0].zero_point) * (1 << left_shift);
    const int32_t sb = (int32_t(b[i]) - q.inputs[1].zero_point) * (1 << left_shift);
    const int32_t ra = multiply_by_quantized_multiplier(sa, q.multiplier[0], q.shift[0]);
    const int32_t rb = multiply_by_quantized_multiplier(sb, q.multiplier[1], q.shift[1]);
    const int32_t y =
        q.output.zero_point + multiply_by_quantized_multiplier(ra + rb, q.multiplier[2], q.shift[2]);
    out[i] = int8_t(std::clamp(y, q.act_min, q.act_max));
  }
}

/// Rescales input k's value to the output quant unless the two are equal.
int8_t to_output(int8_t v, size_t k, const Int8OpParams& q) {
  if (same_quant(q.inputs[k], q.output)) return v;
  return rescale(v, q.inputs[k].zero_point, q.output.zero_point, q.multiplier[k], q.shift[k]);
}

// Max pool: max of the valid cells (exact), then rescaled if the quant differs.
// Avg pool (TFLite): sum of the valid raw values, divided by the count with rounding half
// away from zero ((sum +- count/2) / count), then rescaled if the quant differs.
void pool(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
          const Int8OpParams& q, bool is_max) {
  const Shape& y = geo.output;
  for (int oy = 0; oy < y.h; ++oy)
    for (int ox = 0; ox < y.w; ++ox)
      for (int c = 0; c < y.c; ++c) {
        const auto s = pool_window(op, geo, in, oy, ox, c, int32_t(-128));
        const int32_t best = s.best, sum = s.sum, count = s.count;
        int32_t r = q.inputs[0].zero_point;
        if (count > 0) {
          if (is_max) r = best;
          else r = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
        }
        out[(int64_t(oy) * y.w + ox) * y.c + c] = to_output(int8::saturate_int8(r), 0, q);
      }
}

// Global average: sum of (x - in_zp) over H*W, requantised in one step by
// in_scale / (out_scale * H*W) (computed here because H*W belongs to the geometry).
void global_avg_pool(const OpGeometry& geo, const int8_t* in, int8_t* out, const Int8OpParams& q) {
  const Shape& x = geo.inputs[0];
  const int64_t n = int64_t(x.h) * x.w;
  int32_t m = 0, s = 0;
  quantize_multiplier(double(q.inputs[0].scale) / (double(q.output.scale) * double(n)), &m, &s);
  for (int c = 0; c < x.c; ++c) {
    int32_t sum = 0;
    for (int64_t p = 0; p < n; ++p) sum += int32_t(in[p * x.c + c]) - q.inputs[0].zero_point;
    out[c] = int8::saturate_int8(q.output.zero_point + multiply_by_quantized_multiplier(sum, m, s));
  }
}

void fully_connected(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
                     const Int8OpParams& q) {
  const int64_t n_in = geo.inputs[0].elements();
  const int8::Requant r = make_requant(op, q);
  const int32_t in_zp = q.inputs[0].zero_point;
  for (int oc = 0; oc < op.out_channels; ++oc) {
    int32_t acc = op.qbias.empty() ? 0 : op.qbias[oc];
    const int8_t* w = op.qweights.data() + int64_t(oc) * n_in;
    for (int64_t i = 0; i < n_in; ++i) acc += (int32_t(in[i]) - in_zp) * int32_t(w[i]);
    out[oc] = int8::requantize(acc, q.multiplier[oc], q.shift[oc], r);
  }
}

}  // namespace

void reference_depthwise_row_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int oy,
                                  int8_t* out_row, const Int8OpParams& q) {
  const Shape& y = geo.output;
  const int8::Requant r = make_requant(op, q);
  for (int ox = 0; ox < y.w; ++ox)
    for (int oc = 0; oc < y.c; ++oc)
      out_row[int64_t(ox) * y.c + oc] = conv_output(op, geo, in, oy, ox, oc, q, r);
}

void reference_int8(const Op& op, const OpGeometry& geo, const int8_t* const* in, int8_t* out,
                    const Int8OpParams& q) {
  const Shape& y = geo.output;
  switch (op.type) {
    case OpType::Conv2D: conv2d(op, geo, in[0], out, q); return;
    case OpType::BatchNorm:
      fail(op, "BatchNorm has no int8 kernel: fold it into the preceding conv first");
    case OpType::Activation: activation(op, geo, in[0], out, q); return;
    case OpType::Add: add(geo, in[0], in[1], out, q); return;
    case OpType::Concat: {
      int c0 = 0;
      for (size_t k = 0; k < geo.inputs.size(); ++k) {
        const int ck = geo.inputs[k].c;
        for (int64_t p = 0; p < int64_t(y.h) * y.w; ++p)
          for (int c = 0; c < ck; ++c) out[p * y.c + c0 + c] = to_output(in[k][p * ck + c], k, q);
        c0 += ck;
      }
      return;
    }
    case OpType::MaxPool: pool(op, geo, in[0], out, q, true); return;
    case OpType::AvgPool: pool(op, geo, in[0], out, q, false); return;
    case OpType::GlobalAvgPool: global_avg_pool(geo, in[0], out, q); return;
    case OpType::FullyConnected: fully_connected(op, geo, in[0], out, q); return;
    case OpType::Reshape:
    case OpType::Dropout:
      if (same_quant(q.inputs[0], q.output)) {
        if (out != in[0]) std::memmove(out, in[0], size_t(y.elements()));
      } else {
        for (int64_t i = 0; i < y.elements(); ++i) out[i] = to_output(in[0][i], 0, q);
      }
      return;
    case OpType::Resize: {
      const Shape& x = geo.inputs[0];
      const int s = op.resize_scale;
      for (int oy = 0; oy < y.h; ++oy)
        for (int ox = 0; ox < y.w; ++ox)
          for (int c = 0; c < y.c; ++c)
            out[(int64_t(oy) * y.w + ox) * y.c + c] =
                to_output(in[0][(int64_t(oy / s) * x.w + ox / s) * x.c + c], 0, q);
      return;
    }
  }
  fail(op, "unknown op type");
}

}  // namespace tinydet::kernels
