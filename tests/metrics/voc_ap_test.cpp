// Pascal VOC AP@0.5 with hand-derived numbers.
#include <gtest/gtest.h>

#include "metrics/voc_ap.h"
#include "metrics_test_util.h"

using namespace tinydet::metrics;
using namespace metrics_test;

namespace {

// Class 0: image 1 has G1 [0,0,10,10] and G2 [20,20,30,30] (difficult unless told
// otherwise); image 2 has G3 [0,0,10,10]. Detections (score order):
//   d1 img1 [0,0,10,10]     .9  -> G1, TP
//   d2 img1 [20,20,30,30]   .8  -> G2 (difficult: neither TP nor FP)
//   d3 img2 [50,50,60,60]   .7  -> nothing, FP
//   d4 img2 [0,0,10,10]     .6  -> G3, TP
//   d5 img1 [0,0,10,10]     .5  -> G1 again (already detected), FP
// Class 1 ("unused") has neither gt nor detections.
EvalSet difficult_case(bool g2_difficult) {
  return make_set({"thing", "unused"},
                  {image({gt(0, 0, 10, 10), gt(20, 20, 30, 30, 0, false, g2_difficult)},
                         {det(0, 0, 10, 10, 0.9f), det(20, 20, 30, 30, 0.8f), det(0, 0, 10, 10, 0.5f)}),
                   image({gt(0, 0, 10, 10)}, {det(50, 50, 60, 60, 0.7f), det(0, 0, 10, 10, 0.6f)})});
}

}  // namespace

TEST(VocAp, DifficultGroundTruthIsIgnored) {
  // npos = 2 (G1, G3). Sequence without d2: TP, FP, TP, FP ->
  //   rec = [.5, .5, 1, 1], prec = [1, .5, 2/3, .5].
  // mrec = [0, .5, .5, 1, 1, 1], mpre = [0, 1, .5, 2/3, .5, 0] -> envelope [1, 1, 2/3, 2/3, .5, 0]
  // AP = (.5 - 0) * 1 + (1 - .5) * 2/3 = 5/6.
  const VocSummary s = evaluate_voc(difficult_case(true));
  ASSERT_EQ(s.per_class.size(), 2u);
  EXPECT_NEAR(s.per_class[0].ap, 5.0 / 6.0, 1e-12);
  EXPECT_EQ(s.per_class[0].num_gt, 2);
  EXPECT_EQ(s.per_class[0].true_positives, 2);
  EXPECT_EQ(s.per_class[0].false_positives, 2);
  EXPECT_EQ(s.per_class[1].ap, -1.0);           // no gt: skipped
  EXPECT_NEAR(s.map, 5.0 / 6.0, 1e-12);         // mean over classes with gt only
}

TEST(VocAp, SameCaseWithoutDifficultFlag) {
  // npos = 3; sequence TP, TP, FP, TP, FP: rec = [1/3, 2/3, 2/3, 1, 1],
  // prec = [1, 1, 2/3, 3/4, 3/5] -> envelope over recall steps: 1 (to 1/3), 1 (to 2/3),
  // 3/4 (to 1). AP = 1/3 + 1/3 + 1/3 * 3/4 = 11/12.
  const VocSummary s = evaluate_voc(difficult_case(false));
  EXPECT_NEAR(s.per_class[0].ap, 11.0 / 12.0, 1e-12);
  EXPECT_EQ(s.per_class[0].true_positives, 3);
}

TEST(VocAp, ElevenPointInterpolation) {
  // Difficult case, VOC2007: max precision at recall >= t is 1 for t = 0, .1, ..., .5
  // (6 points) and 2/3 for t = .6 ... 1 (5 points): AP = (6 + 5 * 2/3) / 11 = 28/33.
  VocParams p;
  p.use_11_point = true;
  EXPECT_NEAR(evaluate_voc(difficult_case(true), p).per_class[0].ap, 28.0 / 33.0, 1e-12);
}

TEST(VocAp, NoPlusOnePixelInIou) {
  // det [0,0,10,10] vs gt [0,0,10,21]: continuous IoU = 100 / 210 = .476 < .5 -> FP, AP 0.
  // (The devkit's +1 convention would give 11*11 / (11*22) = .5 -> TP.)
  const VocSummary s =
      evaluate_voc(make_set({"a"}, {image({gt(0, 0, 10, 21)}, {det(0, 0, 10, 10, 0.9f)})}));
  EXPECT_EQ(s.per_class[0].ap, 0.0);
  EXPECT_EQ(s.per_class[0].false_positives, 1);
  // IoU exactly .5 (gt [0,0,10,20]: 100 / 200) is accepted (>= min_overlap, as the devkit).
  const VocSummary half =
      evaluate_voc(make_set({"a"}, {image({gt(0, 0, 10, 20)}, {det(0, 0, 10, 10, 0.9f)})}));
  EXPECT_EQ(half.per_class[0].ap, 1.0);
}

TEST(VocAp, DetectionTakesTheHighestIouGroundTruthEvenIfAlreadyMatched) {
  // G1 [0,0,10,10], G2 [0,0,10,12]. d1 [0,0,10,10] .9 -> IoU 1 with G1 (TP).
  // d2 [0,0,10,10.5] .8 -> IoU G1 = 100/105 = .952, IoU G2 = 105/120 = .875: takes G1,
  // already detected -> FP (the devkit does not fall back to G2).
  // npos 2: rec = [.5, .5], prec = [1, .5] -> AP = .5 * 1 = .5.
  const VocSummary s = evaluate_voc(make_set(
      {"a"}, {image({gt(0, 0, 10, 10), gt(0, 0, 10, 12)},
                    {det(0, 0, 10, 10, 0.9f), det(0, 0, 10, 10.5f, 0.8f)})}));
  EXPECT_NEAR(s.per_class[0].ap, 0.5, 1e-12);
}

TEST(VocAp, NoDetectionsAndJson) {
  const VocSummary s = evaluate_voc(make_set({"a"}, {image({gt(0, 0, 10, 10)}, {})}));
  EXPECT_EQ(s.per_class[0].ap, 0.0);
  EXPECT_EQ(s.map, 0.0);
  const nlohmann::json j = s;
  EXPECT_EQ(j["per_class"][0]["num_gt"], 1);
  EXPECT_EQ(j["map"].get<double>(), 0.0);
  EXPECT_EQ(evaluate_voc(make_set({"a"}, {image({}, {det(0, 0, 1, 1, 0.5f)})})).map, -1.0);
}
