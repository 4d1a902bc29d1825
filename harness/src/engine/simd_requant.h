// Vectorised int8 requantisation of 16 int32 lanes (AVX-512), bit-exact with
// int8::requantize. Lanes are output channels; each lane has its own multiplier and a
// right shift (shift <= 0). Callers use the scalar int8::requantize when an op has a
// positive (left) shift anywhere, or when AVX-512 is unavailable.
#pragma once

#include <cstdint>

#include "int8_math.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define TINYDET_HAVE_AVX512 1
// GCC 12 reports its own intrinsics' _mm512_undefined_* placeholders as "maybe
// uninitialized" once inlined; the warning is a false positive for every use here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif

namespace tinydet::simd {

#ifdef TINYDET_HAVE_AVX512

/// SaturatingRoundingDoublingHighMul per lane (multiplier lanes >= 0, so no saturation).
inline __m512i rounding_doubling_high_mul(__m512i x, __m512i m) {
  const __m512i even = _mm512_mul_epi32(x, m);
  const __m512i odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32));
  const __m512i pos_nudge = _mm512_set1_epi64(int64_t(1) << 30);
  const __m512i neg_nudge = _mm512_set1_epi64(1 - (int64_t(1) << 30));
  const __m512i zero = _mm512_setzero_si512();
  const __m512i round_toward_zero = _mm512_set1_epi64((int64_t(1) << 31) - 1);
  auto high = [&](__m512i ab) {
    const __mmask8 neg = _mm512_cmplt_epi64_mask(ab, zero);
    __m512i v = _mm512_add_epi64(ab, _mm512_mask_blend_epi64(neg, pos_nudge, neg_nudge));
    // (v / 2^31) truncating toward zero, as the C++ division does.
    const __mmask8 vneg = _mm512_cmplt_epi64_mask(v, zero);
    v = _mm512_mask_add_epi64(v, vneg, v, round_toward_zero);
    return _mm512_srai_epi64(v, 31);
  };
  const __m512i he = high(even), ho = high(odd);
  return _mm512_mask_blend_epi32(0xAAAA, he, _mm512_slli_epi64(ho, 32));
}

/// RoundingDivideByPOT per lane, exponent lanes in [0, 31].
inline __m512i rounding_divide_by_pot(__m512i x, __m512i exponent) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, exponent), one);
  const __m512i remainder = _mm512_and_si512(x, mask);
  const __mmask16 neg = _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512());
  const __m512i threshold = _mm512_mask_add_epi32(_mm512_srli_epi32(mask, 1), neg,
                                                  _mm512_srli_epi32(mask, 1), one);
  const __m512i shifted = _mm512_srav_epi32(x, exponent);
  const __mmask16 up = _mm512_cmpgt_epi32_mask(remainder, threshold);
  return _mm512_mask_add_epi32(shifted, up, shifted, one);
}

/// Per-lane requantisation parameters (right shifts stored as positive exponents).
struct RequantLanes {
  __m512i multiplier, exponent;
};

inline RequantLanes load_requant(const int32_t* multiplier, const int32_t* right_exponent) {
  return {_mm512_loadu_si512(multiplier), _mm512_loadu_si512(right_exponent)};
}

/// The int8::requantize epilogue on 16 accumulators; returns 16 int8 in an xmm.
inline __m128i requantize16(__m512i acc, const RequantLanes& lanes, const int8::Requant& r,
                            __m512i alpha_multiplier, __m512i alpha_exponent) {
  __m512i y = rounding_divide_by_pot(rounding_doubling_high_mul(acc, lanes.multiplier),
                                     lanes.exponent);
  if (r.leaky) {
    const __mmask16 neg = _mm512_cmplt_epi32_mask(y, _mm512_setzero_si512());
    if (neg) {
      const __m512i scaled = rounding_divide_by_pot(
          rounding_doubling_high_mul(y, alpha_multiplier), alpha_exponent);
      y = _mm512_mask_blend_epi32(neg, y, scaled);
    }
  }
  y = _mm512_add_epi32(y, _mm512_set1_epi32(r.output_zero_point));
  y = _mm512_max_epi32(y, _mm512_set1_epi32(r.act_min));
  y = _mm512_min_epi32(y, _mm512_set1_epi32(r.act_max));
  return _mm512_cvtepi32_epi8(y);
}

#endif  // TINYDET_HAVE_AVX512

}  // namespace tinydet::simd
