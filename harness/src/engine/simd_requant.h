// Vectorised int8 requantisation of 16 int32 lanes (AVX-512), bit-exact with
// int8::requantize. Lanes are output channels; each lane has its own multiplier and
// TFLite shift (> 0: a saturating left shift before the high multiply, as a multiplier
// above 1 needs; < 0: a rounding right shift after it). Callers use the scalar
// int8::requantize when AVX-512 is unavailable.
#pragma once

#include <cstdint>
#include <limits>

#include "int8_math.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define TINYDET_HAVE_AVX512 1
// GCC 12 reports its own intrinsics' _mm512_undefined_* placeholders as "maybe
// uninitialized" once inlined; the warning is a false positive for every use here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#endif

namespace tinydet::simd {

#ifdef TINYDET_HAVE_AVX512

/// Per-lane requantisation parameters: multiplier (>= 0), right-shift exponent in [0, 31]
/// and left shift in [0, 31] (at most one of the two non-zero per lane), with the
/// constants the steps need precomputed.
struct RequantLanes {
  __m512i multiplier, multiplier_odd;  // odd lanes' multipliers moved to the low dwords
  __m512i exponent, mask, half_mask;   // max(-shift, 0), 2^e - 1 and (2^e - 1) >> 1
  __m512i left;                        // max(shift, 0): read by the kLeftShift variants only
  bool any_left;                       // some lane shifts left: use a kLeftShift variant
};

/// From TFLite (multiplier, shift) pairs, shift in [-31, 31].
inline RequantLanes make_lanes(__m512i multiplier, __m512i shift) {
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i exponent = _mm512_max_epi32(_mm512_sub_epi32(zero, shift), zero);
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, exponent), one);
  return {multiplier, _mm512_srli_epi64(multiplier, 32), exponent, mask,
          _mm512_srli_epi32(mask, 1), _mm512_max_epi32(shift, zero),
          _mm512_cmpgt_epi32_mask(shift, zero) != 0};
}

inline RequantLanes load_requant(const int32_t* multiplier, const int32_t* shift) {
  return make_lanes(_mm512_loadu_si512(multiplier), _mm512_loadu_si512(shift));
}

/// x * 2^left per lane, saturated to int32 (the scalar code clamps the int64 product).
/// A lane overflowed when shifting back does not give x again.
inline __m512i saturating_left_shift(__m512i x, __m512i left) {
  const __m512i shifted = _mm512_sllv_epi32(x, left);
  const __mmask16 overflow = _mm512_cmpneq_epi32_mask(_mm512_srav_epi32(shifted, left), x);
  const __mmask16 negative = _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512());
  const __m512i saturated = _mm512_mask_blend_epi32(
      negative, _mm512_set1_epi32(std::numeric_limits<int32_t>::max()),
      _mm512_set1_epi32(std::numeric_limits<int32_t>::min()));
  return _mm512_mask_blend_epi32(overflow, shifted, saturated);
}

/// SaturatingRoundingDoublingHighMul per lane for multipliers >= 0 (never saturates).
/// TFLite's nudge-then-truncate equals (a*b + 2^30) >> 31 with an arithmetic shift for
/// either sign: for a*b < 0, trunc((a*b + 1 - 2^30) / 2^31) = floor((a*b + 2^30) / 2^31).
inline __m512i rounding_doubling_high_mul(__m512i x, const RequantLanes& l) {
  const __m512i nudge = _mm512_set1_epi64(int64_t(1) << 30);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, l.multiplier), nudge);
  const __m512i odd =
      _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), l.multiplier_odd), nudge);
  // Bits 31..62 of each 64-bit sum: low dword of even >> 31, high dword of odd << 1.
  return _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
}

/// RoundingDivideByPOT per lane (ties away from zero), exactly TFLite's formulation.
inline __m512i rounding_divide_by_pot(__m512i x, const RequantLanes& l) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i remainder = _mm512_and_si512(x, l.mask);
  const __mmask16 neg = _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512());
  const __m512i threshold = _mm512_mask_add_epi32(l.half_mask, neg, l.half_mask, one);
  const __m512i shifted = _mm512_srav_epi32(x, l.exponent);
  const __mmask16 up = _mm512_cmpgt_epi32_mask(remainder, threshold);
  return _mm512_mask_add_epi32(shifted, up, shifted, one);
}

/// MultiplyByQuantizedMultiplier per lane. kLeftShift = false is for lanes known to
/// have no left shift (!any_left): it skips that step, and hot loops instantiated with it
/// keep the left-shift vector out of their registers.
template <bool kLeftShift = true>
inline __m512i multiply_by_quantized_multiplier(__m512i x, const RequantLanes& l) {
  if constexpr (kLeftShift) x = saturating_left_shift(x, l.left);
  return rounding_divide_by_pot(rounding_doubling_high_mul(x, l), l);
}

/// The output side of int8::Requant as vectors, built once per block of work.
struct OutputLanes {
  __m512i zero_point, act_min, act_max;
  bool leaky;
};

inline OutputLanes output_lanes(const int8::Requant& r) {
  return {_mm512_set1_epi32(r.output_zero_point), _mm512_set1_epi32(r.act_min),
          _mm512_set1_epi32(r.act_max), r.leaky};
}

/// The int8::requantize epilogue on 16 accumulators; returns 16 int8 in an xmm.
/// kLeftShift = false needs !lanes.any_left && !alpha.any_left.
template <bool kLeftShift = true>
inline __m128i requantize16(__m512i acc, const RequantLanes& lanes, const OutputLanes& o,
                            const RequantLanes& alpha) {
  __m512i y = multiply_by_quantized_multiplier<kLeftShift>(acc, lanes);
  if (o.leaky) {
    const __mmask16 neg = _mm512_cmplt_epi32_mask(y, _mm512_setzero_si512());
    if (neg)
      y = _mm512_mask_blend_epi32(neg, y, multiply_by_quantized_multiplier<kLeftShift>(y, alpha));
  }
  y = _mm512_add_epi32(y, o.zero_point);
  y = _mm512_min_epi32(_mm512_max_epi32(y, o.act_min), o.act_max);
  return _mm512_cvtepi32_epi8(y);
}

template <bool kLeftShift = true>
inline __m128i requantize16(__m512i acc, const RequantLanes& lanes, const int8::Requant& r,
                            const RequantLanes& alpha) {
  return requantize16<kLeftShift>(acc, lanes, output_lanes(r), alpha);
}

/// The alpha multiplier of a fused LeakyReLU as uniform lanes.
inline RequantLanes alpha_lanes(const int8::Requant& r) {
  return make_lanes(_mm512_set1_epi32(r.alpha_multiplier), _mm512_set1_epi32(r.alpha_shift));
}

#endif  // TINYDET_HAVE_AVX512

}  // namespace tinydet::simd
