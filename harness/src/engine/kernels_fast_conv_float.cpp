// Fast float Conv2D (dense and grouped), direct: for each block of 16 output channels the
// block's weights are transposed once into scratch ([tap][in channel][16 lanes]), then
// every output pixel accumulates its valid window taps with a broadcast input value times
// the 16-lane weight vector, four pixels at a time where the whole window is inside the
// input. Multiply then add (no FMA) in the reference's order (bias, then (ky, kx, c) over
// the valid taps), so each output equals the reference's bit for bit.
// FullyConnected keeps the reference (one pixel: nothing to tile, no scratch).
#include <algorithm>
#include <cstring>

#include "activation.h"
#include "conv_dims.h"
#include "kernel_internal.h"
#include "parallel.h"
#include "simd_requant.h"

namespace tinydet::kernels {

namespace {

constexpr int kLanes = 16;

// The 16-lane block's weights, [k][lane], zero in lanes past the block's channels.
void pack_block(const Op& op, const ConvDims& d, int oc0, int n, float* wt) {
  for (int k = 0; k < d.k; ++k)
    for (int l = 0; l < kLanes; ++l)
      wt[size_t(k) * kLanes + l] = l < n ? op.weights[size_t(oc0 + l) * d.k + k] : 0.f;
}

#ifdef TINYDET_HAVE_AVX512
// N adjacent output pixels of row oy starting at ox, whose windows are all inside the
// input when N > 1; a single pixel (N == 1) may touch padding (those taps are skipped).
template <int N>
void pixels_avx512(const Op& op, const ConvDims& d, const float* in, int g, int oy, int ox,
                   const float* wt, __m512 bias, __mmask16 mask, int oc0, float* out) {
  __m512 acc[N];
  for (int j = 0; j < N; ++j) acc[j] = bias;
  const int iy0 = oy * d.stride_h - d.pad.top, ix0 = ox * d.stride_w - d.pad.left;
  for (int ky = 0; ky < d.kernel_h; ++ky) {
    const int iy = iy0 + ky;
    if (iy < 0 || iy >= d.in.h) continue;
    for (int kx = 0; kx < d.kernel_w; ++kx) {
      const int ix = ix0 + kx;
      if (N == 1 && (ix < 0 || ix >= d.in.w)) continue;
      const float* px = in + (int64_t(iy) * d.in.w + ix) * d.in.c + int64_t(g) * d.cin_g;
      const float* w = wt + size_t((ky * d.kernel_w + kx) * d.cin_g) * kLanes;
      const int64_t pixel_step = int64_t(d.stride_w) * d.in.c;
      for (int c = 0; c < d.cin_g; ++c) {
        const __m512 wv = _mm512_loadu_ps(w + size_t(c) * kLanes);
        for (int j = 0; j < N; ++j)
          acc[j] = _mm512_add_ps(acc[j], _mm512_mul_ps(_mm512_set1_ps(px[j * pixel_step + c]), wv));
      }
    }
  }
  for (int j = 0; j < N; ++j)
    _mm512_mask_storeu_ps(out + (int64_t(oy) * d.out.w + ox + j) * d.out.c + oc0, mask,
                          act::apply_avx512(acc[j], op.act, op.leaky_alpha));
}
#endif

// Portable: one pixel, one block, scalar lanes (same order of operations).
[[maybe_unused]] void pixel_scalar(const Op& op, const ConvDims& d, const float* in, int g, int oy, int ox,
                  const float* wt, int n, int oc0, float* out) {
  float acc[kLanes];
  for (int l = 0; l < n; ++l) acc[l] = op.bias.empty() ? 0.f : op.bias[oc0 + l];
  const int iy0 = oy * d.stride_h - d.pad.top, ix0 = ox * d.stride_w - d.pad.left;
  for (int ky = 0; ky < d.kernel_h; ++ky)
    for (int kx = 0; kx < d.kernel_w; ++kx) {
      const int iy = iy0 + ky, ix = ix0 + kx;
      if (iy < 0 || iy >= d.in.h || ix < 0 || ix >= d.in.w) continue;
      const float* px = in + (int64_t(iy) * d.in.w + ix) * d.in.c + int64_t(g) * d.cin_g;
      const float* w = wt + size_t((ky * d.kernel_w + kx) * d.cin_g) * kLanes;
      for (int c = 0; c < d.cin_g; ++c)
        for (int l = 0; l < n; ++l) acc[l] += px[c] * w[size_t(c) * kLanes + l];
    }
  for (int l = 0; l < n; ++l)
    out[(int64_t(oy) * d.out.w + ox) * d.out.c + oc0 + l] =
        act::apply_float(acc[l], op.act, op.leaky_alpha);
}

// Output rows [y0, y1) of one 16-channel block.
void block_rows(const Op& op, const ConvDims& d, const float* in, int g, int oc0, int n,
                const float* wt, int y0, int y1, float* out) {
#ifdef TINYDET_HAVE_AVX512
  const __mmask16 mask = __mmask16((1u << n) - 1u);
  const __m512 bias =
      op.bias.empty() ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask, op.bias.data() + oc0);
  // Output columns whose windows lie inside the input horizontally.
  const int ox_lo = std::min(d.out.w, (d.pad.left + d.stride_w - 1) / d.stride_w);
  int ox_hi = ox_lo;
  while (ox_hi < d.out.w && ox_hi * d.stride_w - d.pad.left + d.kernel_w <= d.in.w) ++ox_hi;
  for (int oy = y0; oy < y1; ++oy) {
    int ox = 0;
    for (; ox < ox_lo; ++ox) pixels_avx512<1>(op, d, in, g, oy, ox, wt, bias, mask, oc0, out);
    for (; ox + 4 <= ox_hi; ox += 4)
      pixels_avx512<4>(op, d, in, g, oy, ox, wt, bias, mask, oc0, out);
    for (; ox < d.out.w; ++ox) pixels_avx512<1>(op, d, in, g, oy, ox, wt, bias, mask, oc0, out);
  }
#else
  for (int oy = y0; oy < y1; ++oy)
    for (int ox = 0; ox < d.out.w; ++ox) pixel_scalar(op, d, in, g, oy, ox, wt, n, oc0, out);
#endif
}

}  // namespace

size_t fast_conv_float_scratch_bytes(const Op& op, const OpGeometry& geo, int slots) {
  if (op.type == OpType::FullyConnected) return 0;
  const ConvDims d = conv_dims(op, geo);
  return size_t(slots) * d.k * kLanes * sizeof(float);
}

bool fast_conv_float(const Op& op, const OpGeometry& geo, const float* in, float* out,
                     const KernelContext& ctx) {
  if (op.type == OpType::FullyConnected) return false;
  const ConvDims d = conv_dims(op, geo);
  const size_t slot_floats = size_t(d.k) * kLanes;
  const int64_t macs = d.pixels() * op.out_channels * d.k;
  parallel_ranges(ctx, d.out.h, macs, [&](int64_t y0, int64_t y1, int slot) {
    float* wt = reinterpret_cast<float*>(ctx.scratch) + size_t(slot) * slot_floats;
    for (int g = 0; g < d.groups; ++g)
      for (int ob = 0; ob < d.blocks; ++ob) {
        const int oc0 = g * d.cout_g + ob * kLanes;
        const int n = std::min(kLanes, d.cout_g - ob * kLanes);
        pack_block(op, d, oc0, n, wt);
        block_rows(op, d, in, g, oc0, n, wt, int(y0), int(y1), out);
      }
  });
  return true;
}

}  // namespace tinydet::kernels
