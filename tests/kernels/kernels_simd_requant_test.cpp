// White-box: the AVX-512 requantisation must equal the scalar TFLite arithmetic for every
// input, including extreme accumulators, negative ties, all right shifts and left shifts
// (multipliers above 1) that saturate.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "../../harness/src/engine/simd_requant.h"

namespace tinydet {
namespace {

#ifdef TINYDET_HAVE_AVX512
TEST(SimdRequant, MatchesScalarMultiplyByQuantizedMultiplier) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(),
                                             std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> small(-70000, 70000);
  std::uniform_int_distribution<int32_t> mult(1 << 30, std::numeric_limits<int32_t>::max());
  std::uniform_int_distribution<int32_t> right(-31, 0);
  std::uniform_int_distribution<int32_t> left(1, 31);
  alignas(64) int32_t x[16], m[16], e[16], got[16];
  for (int round = 0; round < 20000; ++round) {
    for (int l = 0; l < 16; ++l) {
      x[l] = (round % 3 == 0) ? any(rng) : small(rng);
      // Exact ties after the high-mul: multiplier 2^30 (0.5) with even/odd x.
      m[l] = (round % 5 == 0) ? (1 << 30) : mult(rng);
      // e = TFLite shift: rounds mixing right and left shifts across lanes, some all-right
      // (the left step skipped) and small left shifts that rarely saturate.
      if (round % 7 == 0) e[l] = -(l % 4);
      else if (round % 4 == 1) e[l] = right(rng);
      else if (round % 4 == 2) e[l] = (l % 3 == 0) ? left(rng) : right(rng);
      else e[l] = (l % 2 == 0) ? int32_t(l % 5) : right(rng);
    }
    if (round == 0) {
      x[0] = std::numeric_limits<int32_t>::min();
      x[1] = std::numeric_limits<int32_t>::max();
      x[2] = -1;
      x[3] = 0;
    }
    const simd::RequantLanes lanes = simd::load_requant(m, e);
    _mm512_store_si512(got, simd::multiply_by_quantized_multiplier(_mm512_load_si512(x), lanes));
    for (int l = 0; l < 16; ++l)
      ASSERT_EQ(got[l], int8::multiply_by_quantized_multiplier(x[l], m[l], e[l]))
          << "x " << x[l] << " m " << m[l] << " e " << e[l];
  }
}
#else
TEST(SimdRequant, MatchesScalarMultiplyByQuantizedMultiplier) {
  GTEST_SKIP() << "built without AVX-512: the vector requantisation is not compiled";
}
#endif

}  // namespace
}  // namespace tinydet
