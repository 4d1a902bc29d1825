// Fast float Conv2D (dense and grouped) and FullyConnected: im2col tiles stored transposed
// ([k][16 pixels]) so that the inner loops run over 16 pixels with a broadcast weight
// (the compiler vectorises them to one FMA-free multiply-add per 16 lanes), four output
// channels at a time. Each output is summed in the reference's order (bias, then the
// window in (ky, kx, c) order), so results match the reference to rounding of +0 terms.
#include <algorithm>
#include <cstring>

#include "activation.h"
#include "conv_dims.h"
#include "kernel_internal.h"
#include "parallel.h"

namespace tinydet::kernels {

namespace {

constexpr int kTile = 16;

void build_tile(const ConvDims& d, const float* in, int g, int64_t p0, int n, float* tile) {
  for (int i = 0; i < kTile; ++i) {
    if (i >= n) {
      for (int k = 0; k < d.k; ++k) tile[size_t(k) * kTile + i] = 0.f;
      continue;
    }
    const int64_t p = p0 + i;
    const int oy = int(p / d.out.w), ox = int(p % d.out.w);
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      const int iy = oy * d.stride_h - d.pad.top + ky;
      for (int kx = 0; kx < d.kernel_w; ++kx) {
        const int ix = ox * d.stride_w - d.pad.left + kx;
        float* dst = tile + size_t((ky * d.kernel_w + kx) * d.cin_g) * kTile + i;
        if (iy < 0 || iy >= d.in.h || ix < 0 || ix >= d.in.w) {
          for (int c = 0; c < d.cin_g; ++c) dst[size_t(c) * kTile] = 0.f;
          continue;
        }
        const float* src = in + (int64_t(iy) * d.in.w + ix) * d.in.c + int64_t(g) * d.cin_g;
        for (int c = 0; c < d.cin_g; ++c) dst[size_t(c) * kTile] = src[c];
      }
    }
  }
}

template <int J>
void channels(const Op& op, const ConvDims& d, const float* tile, int n, int oc, float* out_tile) {
  float acc[J][kTile];
  const float* w[J];
  for (int j = 0; j < J; ++j) {
    const float b = op.bias.empty() ? 0.f : op.bias[oc + j];
    for (int l = 0; l < kTile; ++l) acc[j][l] = b;
    w[j] = op.weights.data() + size_t(oc + j) * d.k;
  }
  for (int k = 0; k < d.k; ++k) {
    const float* a = tile + size_t(k) * kTile;
    for (int j = 0; j < J; ++j) {
      const float wk = w[j][k];
      for (int l = 0; l < kTile; ++l) acc[j][l] += a[l] * wk;
    }
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < J; ++j)
      out_tile[int64_t(i) * d.out.c + oc + j] = act::apply_float(acc[j][i], op.act, op.leaky_alpha);
}

}  // namespace

size_t fast_conv_float_scratch_bytes(const Op& op, const OpGeometry& geo) {
  const ConvDims d = conv_dims(op, geo);
  return size_t(kScratchSlots) * kTile * d.k * sizeof(float);
}

bool fast_conv_float(const Op& op, const OpGeometry& geo, const float* in, float* out,
                     const KernelContext& ctx) {
  const ConvDims d = conv_dims(op, geo);
  const int64_t tiles = (d.pixels() + kTile - 1) / kTile;
  const size_t slot_floats = size_t(kTile) * d.k;
  parallel_ranges(ctx, tiles, [&](int64_t t0, int64_t t1, int slot) {
    float* tile = reinterpret_cast<float*>(ctx.scratch) + size_t(slot) * slot_floats;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t p0 = t * kTile;
      const int n = int(std::min<int64_t>(kTile, d.pixels() - p0));
      float* out_tile = out + p0 * d.out.c;
      for (int g = 0; g < d.groups; ++g) {
        build_tile(d, in, g, p0, n, tile);
        const int oc_end = (g + 1) * d.cout_g;
        int oc = g * d.cout_g;
        for (; oc + 4 <= oc_end; oc += 4) channels<4>(op, d, tile, n, oc, out_tile);
        for (; oc < oc_end; ++oc) channels<1>(op, d, tile, n, oc, out_tile);
      }
    }
  });
  return true;
}

}  // namespace tinydet::kernels
