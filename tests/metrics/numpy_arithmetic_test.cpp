// The numpy re-implementations: linspace values and pairwise-sum order.
#include <gtest/gtest.h>

#include "metrics/numpy_arithmetic.h"

using namespace tinydet::metrics;

TEST(NumpyArithmetic, LinspaceIouThresholdsAreNumpysDoubles) {
  const auto t = numpy::linspace(0.5, 0.95, 10);
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[0], 0.5);
  EXPECT_EQ(t[5], 0.75);  // pycocotools looks AP75 up with iouThr == .75: must be exact
  EXPECT_EQ(t[9], 0.95);  // endpoint set exactly
  // numpy 1.24 prints these: i * step + start with step = 0.45 / 9 is not always the
  // nearest double to the decimal, e.g. t[8] = 0.8999999999999999.
  const double expected[10] = {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(t[i], expected[i]) << i;
  const auto r = numpy::linspace(0.0, 1.0, 101);
  EXPECT_EQ(r[0], 0.0);
  EXPECT_EQ(r[100], 1.0);
  EXPECT_EQ(r[3], 0.03);
  // Values numpy 1.24 gives that differ from the nearest double of the decimal.
  EXPECT_EQ(r[35], 0.35000000000000003);
  EXPECT_EQ(r[70], 0.7000000000000001);
  EXPECT_EQ(r[95], 0.9500000000000001);
  EXPECT_EQ(r[96], 0.96);
}

TEST(NumpyArithmetic, PairwiseSumOrder) {
  // Below 8 elements: plain left-to-right sum.
  const double small[3] = {1e16, 1.0, -1e16};
  EXPECT_EQ(numpy::pairwise_sum(small, 3), 0.0);  // (1e16 + 1) - 1e16 = 0 (1 is lost)
  // 8..128 elements: eight partial sums r[j] = a[j] + a[j+8] + ..., combined pairwise.
  // a = {1e16, 1, 0, 0, 0, 0, 0, 0, -1e16, 1, 0...}: r0 = 0, r1 = 2 -> 2 (sequential: 1).
  std::vector<double> a(16, 0.0);
  a[0] = 1e16;
  a[1] = 1.0;
  a[8] = -1e16;
  a[9] = 1.0;
  EXPECT_EQ(numpy::pairwise_sum(a.data(), a.size()), 2.0);
  EXPECT_EQ(numpy::mean(a), 2.0 / 16.0);
  EXPECT_THROW(numpy::mean({}), std::invalid_argument);
}
