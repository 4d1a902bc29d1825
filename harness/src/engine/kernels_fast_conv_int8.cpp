// Fast int8 Conv2D (dense and grouped) and FullyConnected: im2col tiles of unsigned bytes
// times pre-packed weights, with AVX-512 VNNI 4-byte dot products (vpdpbusd) into int32
// accumulators held in registers (lanes = 16 output channels), requantised in registers
// and stored as int8. A portable scalar path computes the same integers without VNNI.
//
// Unsigned input trick: vpdpbusd multiplies unsigned by signed bytes, so the tile holds
// u = x + 128 (padding: in_zp + 128, i.e. zero after the zero point), and
//   sum (x - in_zp) w = sum u w - (in_zp + 128) sum w,
// the second term being folded into packed_bias once by prepare_int8.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "conv_dims.h"
#include "kernel_internal.h"
#include "parallel.h"
#include "simd_requant.h"

#if defined(TINYDET_HAVE_AVX512) && defined(__AVX512VNNI__)
#define TINYDET_HAVE_VNNI 1
#endif

namespace tinydet::kernels {

namespace {

constexpr int kTilePixels = 16;  // output pixels per im2col tile

// dst = src + 128 as unsigned bytes (x ^ 0x80), 64 bytes per masked AVX-512 step.
inline void to_unsigned(uint8_t* dst, const int8_t* src, size_t bytes) {
#ifdef TINYDET_HAVE_AVX512
  const __m512i flip = _mm512_set1_epi8(char(0x80));
  for (size_t b = 0; b < bytes; b += 64) {
    const size_t n = std::min<size_t>(64, bytes - b);
    const __mmask64 m = n == 64 ? ~__mmask64(0) : (__mmask64(1) << n) - 1;
    _mm512_mask_storeu_epi8(dst + b, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + b), flip));
  }
#else
  for (size_t b = 0; b < bytes; ++b) dst[b] = uint8_t(src[b]) ^ 0x80u;
#endif
}

// Fills the tile rows (kpad bytes each) for output pixels [p0, p0 + n) of group g.
void build_tile(const ConvDims& d, const int8_t* in, int g, int64_t p0, int n, int32_t in_zp,
                uint8_t* tile) {
  const bool pointwise = d.kernel_h == 1 && d.kernel_w == 1 && d.stride_h == 1 &&
                         d.stride_w == 1 && d.pad == Padding{} && d.groups == 1 && d.k == d.kpad;
  if (pointwise) {  // the tile's pixels are contiguous in the input: one flat copy
    const int8_t* src = in + p0 * d.in.c;
    const size_t bytes = size_t(n) * d.kpad;
    to_unsigned(tile, src, bytes);
    return;
  }
  const uint8_t pad_value = uint8_t(in_zp + 128);
  int oy = int(p0 / d.out.w), ox = int(p0 % d.out.w);
  for (int i = 0; i < n; ++i, ++ox) {
    if (ox == d.out.w) {
      ox = 0;
      ++oy;
    }
    uint8_t* row = tile + size_t(i) * d.kpad;
    const int ix0 = ox * d.stride_w - d.pad.left;
    const bool full_width = d.groups == 1 && ix0 >= 0 && ix0 + d.kernel_w <= d.in.w;
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      const int iy = oy * d.stride_h - d.pad.top + ky;
      if (full_width && iy >= 0 && iy < d.in.h) {  // the window row is contiguous in memory
        const int8_t* src = in + (int64_t(iy) * d.in.w + ix0) * d.in.c;
        uint8_t* dst = row + ky * d.kernel_w * d.cin_g;
        to_unsigned(dst, src, size_t(d.kernel_w) * d.cin_g);
        continue;
      }
      for (int kx = 0; kx < d.kernel_w; ++kx) {
        const int ix = ox * d.stride_w - d.pad.left + kx;
        uint8_t* dst = row + (ky * d.kernel_w + kx) * d.cin_g;
        if (iy < 0 || iy >= d.in.h || ix < 0 || ix >= d.in.w) {
          std::memset(dst, pad_value, size_t(d.cin_g));
          continue;
        }
        const int8_t* src = in + (int64_t(iy) * d.in.w + ix) * d.in.c + int64_t(g) * d.cin_g;
        to_unsigned(dst, src, size_t(d.cin_g));
      }
    }
    std::memset(row + d.k, 0, size_t(d.kpad - d.k));
  }
}

struct Epilogue {
  const Int8OpParams* q;
  int8::Requant r;
};

// Portable: accumulators for `n` pixels x one block of 16 channels, scalar requantisation.
[[maybe_unused]] void block_scalar(const ConvDims& d, const uint8_t* tile, int n, const int8_t* wblock,
                  const int32_t* bias, int oc0, int valid, const Epilogue& e, int8_t* out,
                  int64_t out_stride) {
  for (int i = 0; i < n; ++i) {
    int32_t acc[16];
    for (int l = 0; l < 16; ++l) acc[l] = bias[l];
    const uint8_t* a = tile + size_t(i) * d.kpad;
    for (int k4 = 0; k4 < d.kpad / 4; ++k4) {
      const int8_t* w = wblock + size_t(k4) * 64;
      for (int l = 0; l < 16; ++l)
        for (int j = 0; j < 4; ++j) acc[l] += int32_t(a[4 * k4 + j]) * int32_t(w[4 * l + j]);
    }
    for (int l = 0; l < valid; ++l)
      out[i * out_stride + l] =
          int8::requantize(acc[l], e.q->multiplier[oc0 + l], e.q->shift[oc0 + l], e.r);
  }
}

#ifdef TINYDET_HAVE_VNNI
// The requantisation constants of one 16-channel block, built once per tile and block.
struct BlockEpilogue {
  simd::RequantLanes lanes, alpha;
  simd::OutputLanes output;
  __m512i bias;
  __mmask16 store_mask;
};

BlockEpilogue block_epilogue(const Epilogue& e, const int32_t* bias, int oc0, int valid) {
  int32_t mult[16] = {}, shift[16] = {};
  for (int l = 0; l < valid; ++l) {
    mult[l] = e.q->multiplier[oc0 + l];
    shift[l] = e.q->shift[oc0 + l];
  }
  return {simd::load_requant(mult, shift), simd::alpha_lanes(e.r), simd::output_lanes(e.r),
          _mm512_loadu_si512(bias), __mmask16((1u << valid) - 1u)};
}

template <int N, bool kLeftShift>
void block_vnni(const ConvDims& d, const uint8_t* tile, const int8_t* wblock, const BlockEpilogue& be,
                int8_t* out, int64_t out_stride) {
  __m512i acc[N];
  for (int i = 0; i < N; ++i) acc[i] = be.bias;
  const int k4n = d.kpad / 4;
  for (int k4 = 0; k4 < k4n; ++k4) {
    const __m512i w = _mm512_loadu_si512(wblock + size_t(k4) * 64);
    for (int i = 0; i < N; ++i) {
      int32_t a;
      std::memcpy(&a, tile + size_t(i) * d.kpad + 4 * k4, 4);
      acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_set1_epi32(a), w);
    }
  }
  for (int i = 0; i < N; ++i)
    _mm_mask_storeu_epi8(out + i * out_stride, be.store_mask,
                         simd::requantize16<kLeftShift>(acc[i], be.lanes, be.output, be.alpha));
}
#endif

// One tile (n pixels) of one group through every channel block.
void tile_gemm(const ConvDims& d, const uint8_t* tile, int n, int g, const Int8OpParams& q,
               const Epilogue& e, int8_t* out_tile) {
  const int64_t out_stride = d.out.c;
  const int8_t* wg = q.packed_weights.data() + size_t(g) * d.packed_group_bytes();
  for (int ob = 0; ob < d.blocks; ++ob) {
    const int oc0 = g * d.cout_g + ob * 16;
    const int valid = std::min(16, d.cout_g - ob * 16);
    const int8_t* wblock = wg + size_t(ob) * d.kpad * 16;
    const int32_t* bias = q.packed_bias.data() + size_t(g) * d.blocks * 16 + size_t(ob) * 16;
    int8_t* o = out_tile + oc0;
#ifdef TINYDET_HAVE_VNNI
    const BlockEpilogue be = block_epilogue(e, bias, oc0, valid);
    auto blocks = [&](auto left_shift) {
      auto run = [&](auto pixels, int i) {
        block_vnni<decltype(pixels)::value, decltype(left_shift)::value>(
            d, tile + size_t(i) * d.kpad, wblock, be, o + i * out_stride, out_stride);
      };
      int i = 0;
      for (; i + 4 <= n; i += 4) run(std::integral_constant<int, 4>{}, i);
      switch (n - i) {
        case 3: run(std::integral_constant<int, 3>{}, i); break;
        case 2: run(std::integral_constant<int, 2>{}, i); break;
        case 1: run(std::integral_constant<int, 1>{}, i); break;
        default: break;
      }
    };
    if (be.lanes.any_left || be.alpha.any_left) blocks(std::true_type{});
    else blocks(std::false_type{});
#else
    block_scalar(d, tile, n, wblock, bias, oc0, valid, e, o, out_stride);
#endif
  }
}

}  // namespace

void pack_int8_conv_weights(const Op& op, const Shape& in, int32_t in_zp, Int8OpParams& q) {
  const ConvDims d = conv_dims(op, in, Shape{1, 1, op.out_channels}, op.pad);
  if (op.qweights.size() != size_t(op.out_channels) * d.k) return;  // not quantized: no fast path
  q.packed_weights.assign(size_t(d.groups) * d.packed_group_bytes(), 0);
  q.packed_bias.assign(size_t(d.groups) * d.blocks * 16, 0);
  for (int g = 0; g < d.groups; ++g)
    for (int oc_g = 0; oc_g < d.cout_g; ++oc_g) {
      const int oc = g * d.cout_g + oc_g;
      const int ob = oc_g / 16, lane = oc_g % 16;
      const int8_t* w = op.qweights.data() + size_t(oc) * d.k;
      int8_t* block = q.packed_weights.data() + size_t(g) * d.packed_group_bytes() +
                      size_t(ob) * d.kpad * 16;
      int32_t sum = 0;
      for (int k = 0; k < d.k; ++k) {
        block[size_t(k / 4) * 64 + lane * 4 + k % 4] = w[k];
        sum += w[k];
      }
      const int32_t bias = op.qbias.empty() ? 0 : op.qbias[oc];
      q.packed_bias[size_t(g) * d.blocks * 16 + size_t(ob) * 16 + lane] = bias - (in_zp + 128) * sum;
    }
}

namespace {
// Pixels per tile: a FullyConnected (one pixel) needs a one-row tile.
int tile_pixels(const ConvDims& d) { return int(std::min<int64_t>(kTilePixels, d.pixels())); }
}  // namespace

size_t fast_conv_int8_scratch_bytes(const Op& op, const OpGeometry& geo, int slots) {
  const ConvDims d = conv_dims(op, geo);
  return size_t(slots) * tile_pixels(d) * d.kpad;
}

bool fast_conv_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
                    const KernelContext& ctx, const Int8OpParams& q) {
  const ConvDims d = conv_dims(op, geo);
  if (q.packed_weights.size() != size_t(d.groups) * d.packed_group_bytes() ||
      q.packed_bias.size() != size_t(d.groups) * d.blocks * 16)
    return false;  // not prepared by prepare_int8 for these weights: use the reference
  const Epilogue e{&q, make_requant(op, q)};
  const int tile_px = tile_pixels(d);
  const int64_t tiles = (d.pixels() + tile_px - 1) / tile_px;
  const size_t slot_bytes = size_t(tile_px) * d.kpad;
  const int32_t in_zp = q.inputs[0].zero_point;
  const int64_t macs = d.pixels() * op.out_channels * d.k;
  parallel_ranges(ctx, tiles, macs, [&](int64_t t0, int64_t t1, int slot) {
    uint8_t* tile = ctx.scratch + size_t(slot) * slot_bytes;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t p0 = t * tile_px;
      const int n = int(std::min<int64_t>(tile_px, d.pixels() - p0));
      for (int g = 0; g < d.groups; ++g) {
        build_tile(d, in, g, p0, n, in_zp, tile);
        tile_gemm(d, tile, n, g, q, e, out + p0 * d.out.c);
      }
    }
  });
  return true;
}

}  // namespace tinydet::kernels
