// Faster R-CNN box coder with SSD scale factors (10, 10, 5, 5).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "box_coder.h"

namespace tinydet::ssdlite {
namespace {

TEST(SsdliteBoxCoder, AnchorEncodesToZero) {
  const Anchor a{50, 40, 20, 10};
  const BoxDeltas d = encode_box({35, 40, 45, 60}, a);
  for (float v : d) EXPECT_NEAR(v, 0.f, 1e-5f);
}

TEST(SsdliteBoxCoder, KnownValues) {
  const Anchor a{50, 40, 20, 10};  // cy, cx, h, w
  // Centre (cy 60, cx 45), height 40, width 10.
  const BoxDeltas d = encode_box({40, 40, 50, 80}, a);
  EXPECT_NEAR(d[0], 10.f * 10.f / 20.f, 1e-4f);  // ty
  EXPECT_NEAR(d[1], 10.f * 5.f / 10.f, 1e-4f);   // tx
  EXPECT_NEAR(d[2], 5.f * std::log(2.f), 1e-4f); // th
  EXPECT_NEAR(d[3], 0.f, 1e-4f);                 // tw
}

TEST(SsdliteBoxCoder, RoundTrip) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> pos(0.f, 300.f), size(2.f, 200.f);
  for (int i = 0; i < 200; ++i) {
    const Anchor a{pos(rng), pos(rng), size(rng), size(rng)};
    const CornerBox b{pos(rng), pos(rng), 0, 0};
    const CornerBox box{b.x0, b.y0, b.x0 + size(rng), b.y0 + size(rng)};
    const CornerBox back = decode_box(encode_box(box, a), a);
    EXPECT_NEAR(back.x0, box.x0, 2e-3f);
    EXPECT_NEAR(back.y0, box.y0, 2e-3f);
    EXPECT_NEAR(back.x1, box.x1, 2e-3f);
    EXPECT_NEAR(back.y1, box.y1, 2e-3f);
  }
}

TEST(SsdliteBoxCoder, ExtremeDeltasStayFinite) {
  const Anchor a{50, 50, 20, 20};
  for (float v : {1e4f, -1e4f, 1e30f}) {
    const CornerBox b = decode_box({v, v, v, v}, a);
    EXPECT_TRUE(std::isfinite(b.x0) && std::isfinite(b.x1) && std::isfinite(b.y0) &&
                std::isfinite(b.y1));
    EXPECT_LE(b.x1 - b.x0, 20.f * 1000.f / 16.f * 1.001f);  // size ratio clamped at 1000/16
  }
}

}  // namespace
}  // namespace tinydet::ssdlite
