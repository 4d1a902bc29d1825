// Fast depthwise Conv2D, one output row at a time (so the in-place driver can use it too).
// Channels are the vector lanes: for each output pixel, blocks of 16 channels accumulate
// the valid window taps in registers, then (int8) requantise in registers. Weights are
// read transposed, [tap][channel]: prepared once by prepare_int8 for int8
// (packed_weights), copied into the row scratch per call for float. int8 windows fully
// inside the input fold the zero point into the bias; 3x3 kernels have an unrolled path
// that keeps the nine weight vectors in registers and runs two pixels at a time.
#include <algorithm>
#include <cstring>

#include "activation.h"
#include "kernel_internal.h"
#include "simd_requant.h"

namespace tinydet::kernels {

namespace {

constexpr int kLanes = 16;

// The taps of output pixel (oy, ox) inside the input: [ky0, ky1) x [kx0, kx1).
struct Window {
  int ky0, ky1, kx0, kx1, iy0, ix0;
};

inline Window window(const Op& op, const OpGeometry& geo, int oy, int ox) {
  const Shape& x = geo.inputs[0];
  Window w;
  w.iy0 = oy * op.stride_h - geo.pad.top;
  w.ix0 = ox * op.stride_w - geo.pad.left;
  w.ky0 = std::max(0, -w.iy0);
  w.ky1 = std::min(op.kernel_h, x.h - w.iy0);
  w.kx0 = std::max(0, -w.ix0);
  w.kx1 = std::min(op.kernel_w, x.w - w.ix0);
  return w;
}

// Output columns [lo, hi) whose windows lie inside the input horizontally.
struct Columns {
  int lo, hi;
};

inline Columns interior_columns(const Op& op, const OpGeometry& geo) {
  const int out_w = geo.output.w, in_w = geo.inputs[0].w;
  Columns c;
  c.lo = std::min(out_w, (geo.pad.left + op.stride_w - 1) / op.stride_w);
  c.hi = c.lo;
  while (c.hi < out_w && c.hi * op.stride_w - geo.pad.left + op.kernel_w <= in_w) ++c.hi;
  return c;
}

// True when output row oy's windows lie inside the input vertically.
inline bool interior_row(const Op& op, const OpGeometry& geo, int oy) {
  const int iy0 = oy * op.stride_h - geo.pad.top;
  return iy0 >= 0 && iy0 + op.kernel_h <= geo.inputs[0].h;
}

// Visits the pixels of output row oy: pair(ox, first_input_element) for two adjacent
// pixels whose 3x3 windows are inside the input (the specialised path), any(ox) for the
// others (and every pixel of other kernel sizes).
template <typename Any, typename Pair>
void visit_row(const Op& op, const OpGeometry& geo, int oy, Any&& any, Pair&& pair) {
  int ox = 0;
  if (op.kernel_h == 3 && op.kernel_w == 3 && interior_row(op, geo, oy)) {
    const Columns cols = interior_columns(op, geo);
    const int64_t row = int64_t(oy * op.stride_h - geo.pad.top) * geo.inputs[0].w;
    for (; ox < cols.lo; ++ox) any(ox);
    for (; ox + 2 <= cols.hi; ox += 2)
      pair(ox, (row + ox * op.stride_w - geo.pad.left) * geo.inputs[0].c);
  }
  for (; ox < geo.output.w; ++ox) any(ox);
}

}  // namespace

size_t fast_depthwise_row_scratch_bytes(const Op& op, const OpGeometry& geo, DType dtype) {
  if (dtype == DType::Int8) return 0;
  return size_t(op.kernel_h) * op.kernel_w * geo.output.c * sizeof(float);
}

void pack_int8_depthwise_weights(const Op& op, Int8OpParams& q) {
  const int taps = op.kernel_h * op.kernel_w, c = op.out_channels;
  if (op.qweights.size() != size_t(taps) * c) return;
  q.packed_weights.resize(op.qweights.size());
  for (int ch = 0; ch < c; ++ch)
    for (int t = 0; t < taps; ++t) q.packed_weights[size_t(t) * c + ch] = op.qweights[size_t(ch) * taps + t];
  q.packed_bias.assign(size_t(c), 0);
  if (!op.qbias.empty()) std::copy(op.qbias.begin(), op.qbias.end(), q.packed_bias.begin());
}

#ifdef TINYDET_HAVE_AVX512
namespace {

// One output row, 16 channels at a time; multiply then add (no FMA), in the reference's
// tap order, so every output equals the reference's.
void depthwise_row_float_avx512(const Op& op, const OpGeometry& geo, const float* in, int oy,
                                float* out_row, const float* wt) {
  const Shape& x = geo.inputs[0];
  const Shape& y = geo.output;
  const int C = y.c, taps = op.kernel_h * op.kernel_w;
  __m512 wv[49];
  for (int c0 = 0; c0 < C; c0 += kLanes) {
    const int n = std::min(kLanes, C - c0);
    const __mmask16 m = __mmask16((1u << n) - 1u);
    for (int t = 0; t < taps; ++t) wv[t] = _mm512_maskz_loadu_ps(m, wt + size_t(t) * C + c0);
    const __m512 bias =
        op.bias.empty() ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, op.bias.data() + c0);
    const auto any_pixel = [&](int ox) {
      const Window w = window(op, geo, oy, ox);
      __m512 acc = bias;
      for (int ky = w.ky0; ky < w.ky1; ++ky) {
        const float* row = in + (int64_t(w.iy0 + ky) * x.w + w.ix0) * C + c0;
        for (int kx = w.kx0; kx < w.kx1; ++kx)
          acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + int64_t(kx) * C),
                                                 wv[ky * op.kernel_w + kx]));
      }
      _mm512_mask_storeu_ps(out_row + int64_t(ox) * C + c0, m,
                            act::apply_avx512(acc, op.act, op.leaky_alpha));
    };
    // Specialised 3x3 (as for int8): unrolled, two interior pixels at a time.
    const int64_t step = int64_t(op.stride_w) * C;
    visit_row(op, geo, oy, any_pixel, [&](int ox, int64_t first) {
      const float* base = in + first + c0;
      __m512 a0 = bias, a1 = bias;
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx) {
          const float* p0 = base + (int64_t(ky) * x.w + kx) * C;
          a0 = _mm512_add_ps(a0, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, p0), wv[ky * 3 + kx]));
          a1 = _mm512_add_ps(a1, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, p0 + step), wv[ky * 3 + kx]));
        }
      float* o = out_row + int64_t(ox) * C + c0;
      _mm512_mask_storeu_ps(o, m, act::apply_avx512(a0, op.act, op.leaky_alpha));
      _mm512_mask_storeu_ps(o + C, m, act::apply_avx512(a1, op.act, op.leaky_alpha));
    });
  }
}

}  // namespace
#endif

void fast_depthwise_rows_float(const Op& op, const OpGeometry& geo, const float* in, int oy_begin,
                               int oy_end, float* out, uint8_t* row_scratch) {
  const Shape& x = geo.inputs[0];
  const Shape& y = geo.output;
  const int C = y.c, taps = op.kernel_h * op.kernel_w;
  float* wt = reinterpret_cast<float*>(row_scratch);  // [tap][channel]
  for (int ch = 0; ch < C; ++ch)
    for (int t = 0; t < taps; ++t) wt[size_t(t) * C + ch] = op.weights[size_t(ch) * taps + t];
#ifdef TINYDET_HAVE_AVX512
  if (taps <= 49) {
    for (int oy = oy_begin; oy < oy_end; ++oy)
      depthwise_row_float_avx512(op, geo, in, oy, out + int64_t(oy - oy_begin) * y.w * C, wt);
    return;
  }
#endif
  for (int oy = oy_begin; oy < oy_end; ++oy) {
    float* out_row = out + int64_t(oy - oy_begin) * y.w * C;
    for (int ox = 0; ox < y.w; ++ox) {
      const Window w = window(op, geo, oy, ox);
      for (int c = 0; c < C; ++c) {
        float acc = op.bias.empty() ? 0.f : op.bias[c];
        for (int ky = w.ky0; ky < w.ky1; ++ky)
          for (int kx = w.kx0; kx < w.kx1; ++kx)
            acc += in[(int64_t(w.iy0 + ky) * x.w + (w.ix0 + kx)) * C + c] *
                   wt[size_t(ky * op.kernel_w + kx) * C + c];
        out_row[int64_t(ox) * C + c] = act::apply_float(acc, op.act, op.leaky_alpha);
      }
    }
  }
}

#ifdef TINYDET_HAVE_AVX512
namespace {

// One output row, 16 channels at a time (masked tail): the block's tap weights stay in
// registers (widened to int32) across the whole row.
template <bool kLeftShift>
void depthwise_row_int8_avx512(const Op& op, const OpGeometry& geo, const int8_t* in, int oy,
                               int8_t* out_row, const Int8OpParams& q, const int8::Requant& r,
                               const int32_t* shift) {
  const Shape& x = geo.inputs[0];
  const Shape& y = geo.output;
  const int C = y.c, taps = op.kernel_h * op.kernel_w;
  const __m512i zp = _mm512_set1_epi32(q.inputs[0].zero_point);
  const simd::RequantLanes alpha = simd::alpha_lanes(r);
  const simd::OutputLanes outl = simd::output_lanes(r);
  __m512i wv[49];  // up to 7x7 taps
  for (int c0 = 0; c0 < C; c0 += kLanes) {
    const int n = std::min(kLanes, C - c0);
    const __mmask16 m = __mmask16((1u << n) - 1u);
    for (int t = 0; t < taps; ++t)
      wv[t] = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, q.packed_weights.data() + size_t(t) * C + c0));
    const __m512i bias = _mm512_maskz_loadu_epi32(m, q.packed_bias.data() + c0);
    const simd::RequantLanes lanes = simd::make_lanes(
        _mm512_maskz_loadu_epi32(m, q.multiplier.data() + c0), _mm512_maskz_loadu_epi32(m, shift + c0));
    // Windows entirely inside the input: the zero point's share, zp * sum(w), is folded
    // into the bias so the taps need no subtraction.
    __m512i wsum = _mm512_setzero_si512();
    for (int t = 0; t < taps; ++t) wsum = _mm512_add_epi32(wsum, wv[t]);
    const __m512i interior_bias = _mm512_sub_epi32(bias, _mm512_mullo_epi32(zp, wsum));
    // Any pixel: interior windows skip the zero-point subtraction, border windows clip.
    const auto any_pixel = [&](int ox) {
      const Window w = window(op, geo, oy, ox);
      if (w.ky0 == 0 && w.kx0 == 0 && w.ky1 == op.kernel_h && w.kx1 == op.kernel_w) {
        __m512i acc = interior_bias;
        for (int ky = 0; ky < op.kernel_h; ++ky) {
          const int8_t* row = in + (int64_t(w.iy0 + ky) * x.w + w.ix0) * C + c0;
          for (int kx = 0; kx < op.kernel_w; ++kx)
            acc = _mm512_add_epi32(
                acc, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, row + int64_t(kx) * C)),
                                        wv[ky * op.kernel_w + kx]));
        }
        _mm_mask_storeu_epi8(out_row + int64_t(ox) * C + c0, m,
                             simd::requantize16<kLeftShift>(acc, lanes, outl, alpha));
        return;
      }
      __m512i acc = bias;
      for (int ky = w.ky0; ky < w.ky1; ++ky) {
        const int8_t* row = in + (int64_t(w.iy0 + ky) * x.w + w.ix0) * C + c0;
        for (int kx = w.kx0; kx < w.kx1; ++kx) {
          const __m512i v = _mm512_sub_epi32(
              _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, row + int64_t(kx) * C)), zp);
          acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(v, wv[ky * op.kernel_w + kx]));
        }
      }
      _mm_mask_storeu_epi8(out_row + int64_t(ox) * C + c0, m,
                           simd::requantize16<kLeftShift>(acc, lanes, outl, alpha));
    };
    // Specialised 3x3 on rows whose windows are inside the input vertically: fully
    // unrolled with the nine weight vectors in registers, two horizontally interior
    // pixels at a time (independent accumulator chains).
    const int64_t step = int64_t(op.stride_w) * C, row_stride = int64_t(x.w) * C;
    visit_row(op, geo, oy, any_pixel, [&](int ox, int64_t first) {
      const int8_t* base = in + first + c0;
      __m512i a0 = interior_bias, a1 = interior_bias;
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx) {
          const __m512i wk = wv[ky * 3 + kx];
          const int8_t* p0 = base + int64_t(ky) * row_stride + int64_t(kx) * C;
          a0 = _mm512_add_epi32(a0, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p0)), wk));
          a1 = _mm512_add_epi32(a1, _mm512_mullo_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p0 + step)), wk));
        }
      int8_t* o = out_row + int64_t(ox) * C + c0;
      _mm_mask_storeu_epi8(o, m, simd::requantize16<kLeftShift>(a0, lanes, outl, alpha));
      _mm_mask_storeu_epi8(o + C, m, simd::requantize16<kLeftShift>(a1, lanes, outl, alpha));
    });
  }
}

}  // namespace
#endif

void fast_depthwise_rows_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int oy_begin,
                              int oy_end, int8_t* out, uint8_t* row_scratch,
                              const Int8OpParams& q) {
  const Shape& x = geo.inputs[0];
  const Shape& y = geo.output;
  const int C = y.c;
  if (q.packed_weights.size() != op.qweights.size() || q.packed_bias.size() != size_t(C)) {
    for (int oy = oy_begin; oy < oy_end; ++oy)  // not prepared: the reference rows
      reference_depthwise_row_int8(op, geo, in, oy, out + int64_t(oy - oy_begin) * y.w * C, q);
    return;
  }
  const int8::Requant r = make_requant(op, q);
#ifdef TINYDET_HAVE_AVX512
  if (op.kernel_h * op.kernel_w <= 49) {
    // Multipliers above 1 (left shifts) need the saturating shift; most layers have none.
    const bool left_shift = (r.leaky && r.alpha_shift > 0) ||
                            std::any_of(q.shift.begin(), q.shift.begin() + C, [](int32_t s) { return s > 0; });
    const auto row = left_shift ? depthwise_row_int8_avx512<true> : depthwise_row_int8_avx512<false>;
    for (int oy = oy_begin; oy < oy_end; ++oy)
      row(op, geo, in, oy, out + int64_t(oy - oy_begin) * y.w * C, q, r, q.shift.data());
    return;
  }
#endif
  // Portable path: the same integers, scalar requantisation.
  const int32_t zp = q.inputs[0].zero_point;
  const int8_t* wt = q.packed_weights.data();
  for (int oy = oy_begin; oy < oy_end; ++oy) {
    int8_t* out_row = out + int64_t(oy - oy_begin) * y.w * C;
    for (int ox = 0; ox < y.w; ++ox) {
      const Window w = window(op, geo, oy, ox);
      for (int c = 0; c < C; ++c) {
        int32_t acc = q.packed_bias[c];
        for (int ky = w.ky0; ky < w.ky1; ++ky)
          for (int kx = w.kx0; kx < w.kx1; ++kx)
            acc += (int32_t(in[(int64_t(w.iy0 + ky) * x.w + (w.ix0 + kx)) * C + c]) - zp) *
                   int32_t(wt[size_t(ky * op.kernel_w + kx) * C + c]);
        out_row[int64_t(ox) * C + c] = int8::requantize(acc, q.multiplier[c], q.shift[c], r);
      }
    }
  }
}

}  // namespace tinydet::kernels
