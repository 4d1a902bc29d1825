// Activation functions in float and in the int8 domain (internal to the engine).
#pragma once

#include <algorithm>

#include "tinydet/graph.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace tinydet::act {

inline float apply_float(float v, Act a, float leaky_alpha) {
  switch (a) {
    case Act::None: return v;
    case Act::ReLU: return std::max(v, 0.f);
    case Act::ReLU6: return std::min(std::max(v, 0.f), 6.f);
    case Act::LeakyReLU: return v >= 0.f ? v : leaky_alpha * v;
  }
  return v;
}

#if defined(__AVX512F__)
/// apply_float on 16 lanes (same results: max/min and a masked multiply).
inline __m512 apply_avx512(__m512 v, Act a, float leaky_alpha) {
  switch (a) {
    case Act::None: return v;
    case Act::ReLU: return _mm512_max_ps(v, _mm512_setzero_ps());
    case Act::ReLU6:
      return _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(6.f));
    case Act::LeakyReLU: {
      const __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
      return _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(leaky_alpha));
    }
  }
  return v;
}
#endif

}  // namespace tinydet::act
