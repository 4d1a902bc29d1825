// Fast MaxPool (float and int8): channels are the vector lanes (AVX-512: 16 floats or 64
// int8 per step, masked tails), windows clipped to the input once per pixel.
// Max is exact, so the results equal the reference's; an int8 output with other quant
// params than the input is rescaled afterwards exactly as the reference does.
#include <algorithm>
#include <limits>
#include <type_traits>

#include "kernel_internal.h"
#include "parallel.h"
#include "simd_requant.h"

namespace tinydet::kernels {

namespace {

// Lane-wise max of a block of channels, with masked loads for the channel tail.
#ifdef TINYDET_HAVE_AVX512
struct FloatLanes {
  static constexpr int kWidth = 16;
  using Vec = __m512;
  static Vec lowest() { return _mm512_set1_ps(std::numeric_limits<float>::lowest()); }
  static Vec load(const float* p, uint64_t m) { return _mm512_maskz_loadu_ps(__mmask16(m), p); }
  static Vec max(Vec a, Vec b) { return _mm512_max_ps(a, b); }
  static void store(float* p, uint64_t m, Vec v) { _mm512_mask_storeu_ps(p, __mmask16(m), v); }
};
struct Int8Lanes {
  static constexpr int kWidth = 64;
  using Vec = __m512i;
  static Vec lowest() { return _mm512_set1_epi8(-128); }
  static Vec load(const int8_t* p, uint64_t m) { return _mm512_maskz_loadu_epi8(__mmask64(m), p); }
  static Vec max(Vec a, Vec b) { return _mm512_max_epi8(a, b); }
  static void store(int8_t* p, uint64_t m, Vec v) { _mm512_mask_storeu_epi8(p, __mmask64(m), v); }
};
#endif

template <typename T>
void max_pool_rows(const Op& op, const OpGeometry& geo, const T* in, T* out, int y0, int y1,
                   T empty_value) {
  const Shape& x = geo.inputs[0];
  const Shape& y = geo.output;
  const int C = y.c;
  for (int oy = y0; oy < y1; ++oy) {
    const int iy0 = oy * op.stride_h - geo.pad.top;
    const int ky0 = std::max(0, -iy0), ky1 = std::min(op.kernel_h, x.h - iy0);
    for (int ox = 0; ox < y.w; ++ox) {
      const int ix0 = ox * op.stride_w - geo.pad.left;
      const int kx0 = std::max(0, -ix0), kx1 = std::min(op.kernel_w, x.w - ix0);
      T* o = out + (int64_t(oy) * y.w + ox) * C;
      if (ky0 >= ky1 || kx0 >= kx1) {  // window entirely in padding: as the reference
        for (int c = 0; c < C; ++c) o[c] = empty_value;
        continue;
      }
#ifdef TINYDET_HAVE_AVX512
      using L = std::conditional_t<std::is_same_v<T, float>, FloatLanes, Int8Lanes>;
      for (int c0 = 0; c0 < C; c0 += L::kWidth) {
        const int n = std::min(L::kWidth, C - c0);
        const uint64_t m = n == 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1;
        typename L::Vec best = L::lowest();
        for (int ky = ky0; ky < ky1; ++ky)
          for (int kx = kx0; kx < kx1; ++kx)
            best = L::max(best, L::load(in + (int64_t(iy0 + ky) * x.w + ix0 + kx) * C + c0, m));
        L::store(o + c0, m, best);
      }
#else
      for (int c = 0; c < C; ++c) {
        T best = std::numeric_limits<T>::lowest();
        for (int ky = ky0; ky < ky1; ++ky)
          for (int kx = kx0; kx < kx1; ++kx)
            best = std::max(best, in[(int64_t(iy0 + ky) * x.w + ix0 + kx) * C + c]);
        o[c] = best;
      }
#endif
    }
  }
}

}  // namespace

bool fast_max_pool_float(const Op& op, const OpGeometry& geo, const float* in, float* out,
                         const KernelContext& ctx) {
  parallel_ranges(ctx, geo.output.h, window_work(op, geo), [&](int64_t y0, int64_t y1, int) {
    max_pool_rows(op, geo, in, out, int(y0), int(y1), 0.f);
  });
  return true;
}

bool fast_max_pool_int8(const Op& op, const OpGeometry& geo, const int8_t* in, int8_t* out,
                        const KernelContext& ctx, const Int8OpParams& q) {
  const bool rescale = !int8::same_quant(q.inputs[0], q.output);
  parallel_ranges(ctx, geo.output.h, window_work(op, geo), [&](int64_t y0, int64_t y1, int) {
    max_pool_rows(op, geo, in, out, int(y0), int(y1), int8_t(q.inputs[0].zero_point));
    if (!rescale) return;
    const int64_t row = int64_t(geo.output.w) * geo.output.c;
    // The reference pads an all-padding window with the input zero point; rescaled too.
    for (int64_t i = y0 * row; i < y1 * row; ++i)
      out[i] = int8::rescale(out[i], q.inputs[0].zero_point, q.output.zero_point,
                             q.multiplier[0], q.shift[0]);
  });
  return true;
}

}  // namespace tinydet::kernels
