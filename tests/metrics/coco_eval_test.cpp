// COCO (pycocotools COCOeval bbox) cases with hand-derived expectations.
//
// Notation used in the derivations: T = the 10 IoU thresholds .50:.05:.95, R = the 101
// recall points 0:.01:1. For one category, detections of all images are ranked by score;
// tp/fp are cumulative counts, rc = tp / npig (npig = non-ignored gts), pr = tp / (tp + fp
// + eps) made non-increasing from the right; the AP at one threshold is the mean over R of
// pr at the first rank whose rc >= r (0 if none). pycocotools' eps (np.spacing(1)) makes a
// lone leading TP's precision 1 / (1 + 2^-52), i.e. 1 - 2^-52, not 1: kLoneTp below.
#include <gtest/gtest.h>

#include <cfloat>

#include "metrics/coco_eval.h"
#include "metrics_test_util.h"

using namespace tinydet::metrics;
using namespace metrics_test;

namespace {

constexpr double kTol = 1e-12;
const double kLoneTp = 1.0 / (1.0 + DBL_EPSILON);
// Recall points r <= 0.5: r = 0, .01, ..., .50 -> 51 of the 101.
constexpr double kHalfOfRecallPoints = 51.0 / 101.0;

}  // namespace

TEST(CocoEval, PerfectDetectionGivesOneEverywhereItIsDefined) {
  // One 10x10 gt (area 100: small) detected exactly: IoU 1 at every threshold.
  const EvalSet set = make_set({"a"}, {image({gt(0, 0, 10, 10)}, {det(0, 0, 10, 10, 0.9f)})});
  const CocoAccumulation acc = accumulate_coco(set);
  // The only rank: tp = 1, fp = 0 -> pr = 1 / (0 + 1 + eps), exactly pycocotools' value.
  EXPECT_EQ(acc.precision_at(0, 0, 0, 0, 2), kLoneTp);
  EXPECT_EQ(acc.recall_at(9, 0, 0, 2), 1.0);
  const CocoSummary s = summarize_coco(set, acc);
  EXPECT_NEAR(s.ap, 1.0, kTol);
  EXPECT_NEAR(s.ap50, 1.0, kTol);
  EXPECT_NEAR(s.ap75, 1.0, kTol);
  EXPECT_NEAR(s.ap_small, 1.0, kTol);
  EXPECT_EQ(s.ap_medium, -1.0);  // no medium gt: category skipped -> nothing valid -> -1
  EXPECT_EQ(s.ap_large, -1.0);
  EXPECT_EQ(s.ar1, 1.0);
  EXPECT_EQ(s.ar100, 1.0);
  EXPECT_EQ(s.ar_medium, -1.0);
}

TEST(CocoEval, TiedScoresKeepInputOrderWithinAnImage) {
  // gt [0,0,10,10]; two detections with the same score .5: one exact (TP), one elsewhere
  // (FP). Stable (mergesort) order keeps the input order.
  // TP first: ranks TP, FP: rc = [1, 1], pr = [1-2^-52, .5] -> every recall point takes
  // rank 0 -> AP ~ 1.
  const EvalSet tp_first = make_set(
      {"a"}, {image({gt(0, 0, 10, 10)}, {det(0, 0, 10, 10, 0.5f), det(20, 20, 30, 30, 0.5f)})});
  EXPECT_NEAR(evaluate_coco(tp_first).ap, 1.0, kTol);
  // FP first: ranks FP, TP: rc = [0, 1], pr = [0, 1/(2+eps) = .5 exactly] -> monotone
  // [.5, .5] -> every recall point .5 -> AP = .5 exactly (sum of .5s is exact).
  const EvalSet fp_first = make_set(
      {"a"}, {image({gt(0, 0, 10, 10)}, {det(20, 20, 30, 30, 0.5f), det(0, 0, 10, 10, 0.5f)})});
  EXPECT_EQ(evaluate_coco(fp_first).ap, 0.5);
}

TEST(CocoEval, TiedScoresAcrossImagesFollowImageIdOrder) {
  // Image A has an FP at score .5, image B a TP at score .5 (and the only gt).
  // accumulate() concatenates images in ascending image id, then sorts stably: the image
  // with the smaller id ranks first on a tie.
  EvalImage a = image({}, {det(0, 0, 10, 10, 0.5f)});
  EvalImage b = image({gt(0, 0, 10, 10)}, {det(0, 0, 10, 10, 0.5f)});
  // ids 1 (A), 2 (B): FP then TP -> AP .5 as in the case above.
  EXPECT_EQ(evaluate_coco(make_set({"a"}, {a, b})).ap, 0.5);
  // ids A = 7, B = 3: TP then FP -> AP ~ 1.
  a.image_id = 7;
  b.image_id = 3;
  EXPECT_NEAR(evaluate_coco(make_set({"a"}, {a, b})).ap, 1.0, kTol);
}

TEST(CocoEval, CrowdBoxUsesDetectionAreaAndIgnoresItsMatches) {
  // gt: regular [0,0,10,10] and crowd [20,0,40,20] (area 400).
  // det1 [0,0,10,10] .9 -> TP (IoU 1).
  // det2 [20,0,30,10] .8: IoU with the crowd box = inter / det area = 100 / 100 = 1 -> matched
  //   to the crowd gt (ignored gt) -> ignored.
  // det3 [30,10,40,20] .7: also inside the crowd box, IoU 1; crowd gts can be matched again
  //   -> ignored too.
  // Ranking: TP, ign, ign -> tp = [1,1,1], fp = [0,0,0], npig = 1 -> rc = [1,1,1] -> AP ~ 1.
  std::vector<tinydet::Detection> dets = {det(0, 0, 10, 10, 0.9f), det(20, 0, 30, 10, 0.8f),
                                          det(30, 10, 40, 20, 0.7f)};
  const EvalSet crowd =
      make_set({"a"}, {image({gt(0, 0, 10, 10), gt(20, 0, 40, 20, 0, true)}, dets)});
  const CocoSummary s = evaluate_coco(crowd);
  EXPECT_NEAR(s.ap, 1.0, kTol);
  EXPECT_EQ(s.ar100, 1.0);
  EXPECT_EQ(s.num_gt, 1);  // crowd boxes are not counted as gt
  // The same box without the crowd flag: plain IoU(det2, gt2) = 100 / 400 = .25 < .5 -> FP,
  // det3 FP as well; npig = 2: rc = [.5,.5,.5], pr = [1-2^-52, .5, 1/3] (already
  // non-increasing). Recall points <= .5 (51 of 101) take rank 0, the rest get 0:
  // AP = 51/101 * (1 - 2^-52) at every threshold; AR = .5.
  const EvalSet regular = make_set({"a"}, {image({gt(0, 0, 10, 10), gt(20, 0, 40, 20)}, dets)});
  const CocoSummary r = evaluate_coco(regular);
  EXPECT_NEAR(r.ap, kHalfOfRecallPoints, kTol);
  EXPECT_EQ(r.ar100, 0.5);
}

TEST(CocoEval, NoDetectionsGivesZeroNotMinusOne) {
  // gt exists, nothing detected: the category is valid (npig = 1) with nd = 0 -> recall 0,
  // precision 0 at every recall point.
  const CocoSummary s = evaluate_coco(make_set({"a"}, {image({gt(0, 0, 10, 10)}, {})}));
  EXPECT_EQ(s.ap, 0.0);
  EXPECT_EQ(s.ap50, 0.0);
  EXPECT_EQ(s.ar100, 0.0);
  EXPECT_EQ(s.ap_large, -1.0);
}

TEST(CocoEval, CategoryWithoutGroundTruthIsSkipped) {
  // Class "a": perfect detection (AP ~ 1). Class "b": no gt anywhere, two detections -> all
  // its precision/recall stay -1 and it is left out of every mean.
  const EvalSet set = make_set(
      {"a", "b"},
      {image({gt(0, 0, 10, 10)}, {det(0, 0, 10, 10, 0.9f), det(50, 50, 60, 60, 0.95f, 1)}),
       image({}, {det(5, 5, 15, 15, 0.99f, 1)})});
  const CocoSummary s = evaluate_coco(set);
  EXPECT_NEAR(s.ap, 1.0, kTol);
  EXPECT_EQ(s.ar100, 1.0);
  ASSERT_EQ(s.per_class.size(), 2u);
  EXPECT_NEAR(s.per_class[0].ap, 1.0, kTol);
  EXPECT_EQ(s.per_class[1].ap, -1.0);
  EXPECT_EQ(s.per_class[1].num_detections, 2);
  // No gt at all: every figure -1.
  const CocoSummary none = evaluate_coco(make_set({"a"}, {image({}, {det(0, 0, 10, 10, 0.9f)})}));
  for (double v : none.stats()) EXPECT_EQ(v, -1.0);
}

TEST(CocoEval, DuplicateDetectionAndLocalisationAcrossThresholds) {
  // gt [0,0,10,10]. det A [0,0,10,8] score .9: IoU = 80 / 100 = .8 exactly.
  //                 det B [0,0,10,10] score .8: IoU 1 (a duplicate of the same object).
  // t <= .8 (t = .50 ... .80: 7 thresholds; .8 == linspace value): A TP, B FP (gt taken):
  //   rc = [1, 1], pr = [1-2^-52, .5] -> AP_t = 1 - 2^-52.
  // t > .8 (.85, .90, .95): A FP, B TP: rc = [0, 1], pr = [0, .5] -> monotone .5 -> AP_t = .5.
  // AP = (7 * 1 + 3 * .5) / 10 = .85; AP50 = AP75 ~ 1. Recall: 1 at every threshold.
  const EvalSet set =
      make_set({"a"}, {image({gt(0, 0, 10, 10)}, {det(0, 0, 10, 8, 0.9f), det(0, 0, 10, 10, 0.8f)})});
  const CocoSummary s = evaluate_coco(set);
  EXPECT_NEAR(s.ap, 0.85, kTol);
  EXPECT_NEAR(s.ap50, 1.0, kTol);
  EXPECT_NEAR(s.ap75, 1.0, kTol);
  EXPECT_EQ(s.ar100, 1.0);
  // AR@1 keeps only A (top-1 of the image): recall 1 for t <= .8, 0 above -> .7.
  EXPECT_NEAR(s.ar1, 0.7, kTol);
}

TEST(CocoEval, DetectionsOutsideTheAreaRangeAreIgnoredOnlyWhenUnmatched) {
  // gt small [0,0,10,10] (area 100). det L [100,100,200,200] score .95, area 10000 (large),
  // matches nothing; det S [0,0,10,10] score .9 matches the gt.
  // area all:   L FP, S TP: rc = [0,1], pr = [0, .5] -> monotone .5 -> AP = .5 exactly.
  // area small: L unmatched and outside [0, 32^2] -> ignored: tp = [0,1], fp = [0,0],
  //             pr = [0/eps = 0, 1-2^-52] -> monotone [1-2^-52, 1-2^-52] -> AP_small ~ 1.
  // area medium / large: the only gt is ignored there (npig = 0) -> -1.
  const EvalSet set = make_set(
      {"a"}, {image({gt(0, 0, 10, 10)}, {det(100, 100, 200, 200, 0.95f), det(0, 0, 10, 10, 0.9f)})});
  const CocoSummary s = evaluate_coco(set);
  EXPECT_EQ(s.ap, 0.5);
  EXPECT_NEAR(s.ap_small, 1.0, kTol);
  EXPECT_EQ(s.ap_medium, -1.0);
  EXPECT_EQ(s.ap_large, -1.0);
  EXPECT_EQ(s.ar_small, 1.0);
}

TEST(CocoEval, AreaRangeBoundsAreInclusive) {
  // A 32x32 box has area exactly 32^2 = 1024: inside small [0, 1024] AND medium [1024, 9216].
  const CocoSummary s =
      evaluate_coco(make_set({"a"}, {image({gt(0, 0, 32, 32)}, {det(0, 0, 32, 32, 0.9f)})}));
  EXPECT_NEAR(s.ap_small, 1.0, kTol);
  EXPECT_NEAR(s.ap_medium, 1.0, kTol);
  EXPECT_EQ(s.ap_large, -1.0);
}

TEST(CocoEval, MaxDetsKeepsTheTop100PerImageAndCategory) {
  // gt [0,0,10,10]; N far-away FPs at score .9 plus the exact TP at score .5 (last).
  auto build = [](int false_positives) {
    std::vector<tinydet::Detection> dets;
    for (int i = 0; i < false_positives; ++i)
      dets.push_back(det(100.f + 2.f * i, 100, 101.f + 2.f * i, 101, 0.9f));
    dets.push_back(det(0, 0, 10, 10, 0.5f));
    return make_set({"a"}, {image({gt(0, 0, 10, 10)}, dets, 640, 480)});
  };
  // 100 FPs: the TP is the 101st detection and is cut: AP = 0, AR@100 = 0.
  const CocoSummary cut = evaluate_coco(build(100));
  EXPECT_EQ(cut.ap, 0.0);
  EXPECT_EQ(cut.ar100, 0.0);
  // 99 FPs: the TP is the 100th: rc jumps to 1 at rank 99 where pr = 1 / (100 + eps) =
  // .01 (eps is lost in 100 + eps); monotone makes every earlier rank .01 too -> AP = .01.
  // AR@100 = 1; AR@10 and AR@1 only see FPs -> 0.
  const CocoSummary kept = evaluate_coco(build(99));
  EXPECT_NEAR(kept.ap, 0.01, kTol);
  EXPECT_EQ(kept.ar100, 1.0);
  EXPECT_EQ(kept.ar10, 0.0);
  EXPECT_EQ(kept.ar1, 0.0);
}

// A small case, 3 images and 2 categories, with every number derived by hand.
//
// Classes: cat (class 0, id 1), dog (class 1, id 2).
// Image 1: gt cat A [0,0,10,10] (area 100), dog B [50,50,70,70] (400)
//          det cat [0,0,10,10] .9 (IoU A = 1), dog [50,50,70,66] .8 (IoU B = 320/400 = .8),
//              cat [100,100,110,110] .3 (no overlap)
// Image 2: gt cat C [10,10,30,30] (400)
//          det cat [10,10,30,25] .6 (IoU C = 300/400 = .75), dog [10,10,30,30] .7 (no dog gt)
// Image 3: gt dog D [0,0,40,40] (1600: medium), no detections.
//
// CAT (npig = 2; A, C). Ranking (images in id order, then stable by score): .9 (img1),
// .6 (img2), .3 (img1).
//   t <= .75 (6 thresholds): TP, TP, FP: rc = [.5, 1, 1], pr = [1-2^-52, 1, 2/3]
//     -> monotone [1, 1, 2/3] -> every recall point 1 -> AP_t = 1.
//   t >= .80 (4 thresholds): TP, FP, FP: rc = [.5, .5, .5], pr = [1-2^-52, .5, 1/3]
//     -> recall points <= .5 (51/101) get 1-2^-52, the rest 0 -> AP_t = 51/101.
//   AP(cat) = (6 + 4 * 51/101) / 10 = 810/1010. AP50 = AP75 = 1.
//   recall: 1 for t <= .75, .5 above -> AR(cat) = (6 + 4 * .5) / 10 = .8.
// DOG (npig = 2; B, D). Ranking: .8 (img1), .7 (img2).
//   t <= .8 (7 thresholds): TP, FP: rc = [.5, .5], pr = [1-2^-52, .5] -> AP_t = 51/101.
//   t >  .8 (3 thresholds): FP, FP -> AP_t = 0.
//   AP(dog) = 7 * 51/101 / 10 = 357/1010. AP50 = AP75 = 51/101. AR(dog) = 7 * .5 / 10 = .35.
// Means (both categories have 1010 valid values): AP = (810 + 357) / 2020 = 1167/2020,
//   AP50 = AP75 = (1 + 51/101) / 2 = 152/202, AR100 = (.8 + .35) / 2 = .575.
//   AR1 = AR10 = .575 as well: keeping each image's top detection per category drops only
//   the cat .3 FP, which is ranked last and changes no final recall.
// SMALL [0, 1024]: A, B, C small; D ignored.
//   cat: unchanged -> 810/1010, AR .8.
//   dog: npig = 1 (B). t <= .8: .8 TP, .7 FP (unmatched, area 400 small -> counted):
//     rc = [1, 1], pr = [1-2^-52, .5] -> AP_t ~ 1; t > .8: both FP -> 0.
//     AP = .7, AR = .7.
//   AP_small = (810/1010 + .7) / 2 = 1517/2020; AR_small = (.8 + .7) / 2 = .75.
// MEDIUM [1024, 9216]: only D. cat: npig = 0 -> -1.
//   dog: npig = 1. The .8 det matches B (ignored here) for t <= .8 -> ignored; for t > .8 it
//   is unmatched with area 320 outside the range -> ignored. The .7 det: unmatched, area
//   400 outside -> ignored. All ignored: rc = [0, 0], pr = [0, 0] -> AP 0, AR 0.
//   AP_medium = 0, AR_medium = 0.
// LARGE: no gt -> -1.
TEST(CocoEval, HandDerivedThreeImagesTwoCategories) {
  const EvalSet set = make_set(
      {"cat", "dog"},
      {image({gt(0, 0, 10, 10, 0), gt(50, 50, 70, 70, 1)},
             {det(0, 0, 10, 10, 0.9f, 0), det(50, 50, 70, 66, 0.8f, 1),
              det(100, 100, 110, 110, 0.3f, 0)}),
       image({gt(10, 10, 30, 30, 0)}, {det(10, 10, 30, 25, 0.6f, 0), det(10, 10, 30, 30, 0.7f, 1)}),
       image({gt(0, 0, 40, 40, 1)}, {})});
  const CocoSummary s = evaluate_coco(set);
  EXPECT_NEAR(s.ap, 1167.0 / 2020.0, kTol);
  EXPECT_NEAR(s.ap50, 152.0 / 202.0, kTol);
  EXPECT_NEAR(s.ap75, 152.0 / 202.0, kTol);
  EXPECT_NEAR(s.ap_small, 1517.0 / 2020.0, kTol);
  EXPECT_EQ(s.ap_medium, 0.0);
  EXPECT_EQ(s.ap_large, -1.0);
  EXPECT_NEAR(s.ar1, 0.575, kTol);
  EXPECT_NEAR(s.ar10, 0.575, kTol);
  EXPECT_NEAR(s.ar100, 0.575, kTol);
  EXPECT_NEAR(s.ar_small, 0.75, kTol);
  EXPECT_EQ(s.ar_medium, 0.0);
  EXPECT_EQ(s.ar_large, -1.0);
  ASSERT_EQ(s.per_class.size(), 2u);
  EXPECT_NEAR(s.per_class[0].ap, 810.0 / 1010.0, kTol);
  EXPECT_NEAR(s.per_class[0].ap50, 1.0, kTol);
  EXPECT_NEAR(s.per_class[0].ar100, 0.8, kTol);
  EXPECT_NEAR(s.per_class[1].ap, 357.0 / 1010.0, kTol);
  EXPECT_NEAR(s.per_class[1].ap75, 51.0 / 101.0, kTol);
  EXPECT_NEAR(s.per_class[1].ar100, 0.35, kTol);
  EXPECT_EQ(s.per_class[1].num_gt, 2);
  EXPECT_EQ(s.num_detections, 5);

  // PR curves at IoU .5: cat is 1 at every recall point (rank 0's 1-2^-52 was lifted to 1
  // by the monotone pass); dog is 1-2^-52 up to recall .5 (51 points), then 0.
  const CocoAccumulation acc = accumulate_coco(set);
  const std::vector<double> cat_curve = coco_precision_curve(acc, 0, 0);
  ASSERT_EQ(cat_curve.size(), 101u);
  EXPECT_EQ(cat_curve[0], 1.0);
  EXPECT_EQ(cat_curve[100], 1.0);
  const std::vector<double> dog_curve = coco_precision_curve(acc, 1, 0);
  ASSERT_EQ(dog_curve.size(), 101u);
  EXPECT_EQ(dog_curve[50], kLoneTp);
  EXPECT_EQ(dog_curve[51], 0.0);
  EXPECT_THROW(coco_precision_curve(acc, 2, 0), std::out_of_range);

  // Category ids only reorder the K axis: swapping them changes no per-class figure, and
  // the mean of the two equal-size groups stays the same up to rounding.
  EvalSet swapped = set;
  swapped.category_ids = {20, 10};
  const CocoSummary t = evaluate_coco(swapped);
  EXPECT_EQ(t.per_class[0].ap, s.per_class[0].ap);
  EXPECT_EQ(t.per_class[1].ap, s.per_class[1].ap);
  EXPECT_NEAR(t.ap, s.ap, kTol);

  // The printed block has pycocotools' layout.
  const std::string text = format_coco_summary(s);
  EXPECT_NE(text.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.578"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000"),
            std::string::npos)
      << text;
}

TEST(CocoEval, JsonSummaryCarriesStatsAndClasses) {
  const CocoSummary s =
      evaluate_coco(make_set({"a"}, {image({gt(0, 0, 10, 10)}, {det(0, 0, 10, 10, 0.9f)})}));
  const nlohmann::json j = s;
  ASSERT_TRUE(j.contains("stats"));
  EXPECT_EQ(j["stats"].size(), 12u);
  EXPECT_EQ(j["per_class"][0]["name"], "a");
  EXPECT_EQ(j["ap_large"].get<double>(), -1.0);
}

TEST(CocoEval, InvalidInputIsRejected) {
  EvalSet bad_class = make_set({"a"}, {image({gt(0, 0, 10, 10, 3)}, {})});
  EXPECT_THROW(evaluate_coco(bad_class), std::invalid_argument);
  EvalSet bad_score = make_set({"a"}, {image({}, {det(0, 0, 1, 1, std::nanf(""))})});
  EXPECT_THROW(evaluate_coco(bad_score), std::invalid_argument);
  EvalSet no_classes = make_set({}, {});
  EXPECT_THROW(evaluate_coco(no_classes), std::invalid_argument);
  EvalSet duplicate_ids = make_set({"a"}, {image({}, {}), image({}, {})});
  duplicate_ids.images[0].image_id = 2;  // image 1 gets the default id 2 as well
  EXPECT_THROW(evaluate_coco(duplicate_ids), std::invalid_argument);
}

TEST(CocoEval, EqualIouGoesToTheLaterGroundTruth) {
  // G1 [0,0,10,10], G2 [5,0,15,10]. D1 [2.5,0,12.5,10] score .9 overlaps both by 7.5 x 10:
  // IoU = 75 / 125 = .6 with each (the same double). pycocotools keeps replacing the match
  // while IoU >= best, so D1 takes the LATER gt, G2. D2 [0,0,10,10] score .8: IoU 1 with
  // G1, 1/3 with G2.
  // t <= .6 (.50, .55, .60): D1 -> G2, D2 -> G1: rc = [.5, 1], pr = [1-2^-52, 1] -> AP_t = 1.
  //   (Had D1 taken G1, D2 would be a FP and AP_t = 51/101.)
  // t >  .6 (7 thresholds): D1 FP, D2 TP: rc = [0, .5], pr = [0, .5] -> monotone .5 at
  //   recall points <= .5 (51 of 101), 0 above -> AP_t = .5 * 51/101.
  // AP = (3 + 7 * .5 * 51/101) / 10 = 963/2020; AP50 = 1; AP75 = .5 * 51/101.
  const EvalSet set = make_set(
      {"a"}, {image({gt(0, 0, 10, 10), gt(5, 0, 15, 10)},
                    {det(2.5f, 0, 12.5f, 10, 0.9f), det(0, 0, 10, 10, 0.8f)})});
  const CocoSummary s = evaluate_coco(set);
  EXPECT_NEAR(s.ap50, 1.0, kTol);
  EXPECT_NEAR(s.ap75, 0.5 * kHalfOfRecallPoints, kTol);
  EXPECT_NEAR(s.ap, 963.0 / 2020.0, kTol);
}

TEST(CocoEval, ParallelEvaluationIsDeterministic) {
  // 300 images, 3 classes, overlapping and tied detections: two runs give identical bits.
  EvalSet set;
  set.class_names = {"a", "b", "c"};
  for (int i = 0; i < 300; ++i) {
    std::vector<tinydet::Box> g;
    std::vector<tinydet::Detection> d;
    for (int k = 0; k < 4; ++k) {
      const float x = static_cast<float>((i * 7 + k * 13) % 50), y = static_cast<float>((i * 3 + k * 29) % 40);
      const float size = 5.f + static_cast<float>((i + k) % 60);
      g.push_back(gt(x, y, x + size, y + size, (i + k) % 3, (i + k) % 17 == 0));
      d.push_back(det(x + 1, y, x + size, y + size + 1, static_cast<float>((i * k) % 5) / 5.f, (i + k) % 3));
      d.push_back(det(x + 20, y + 20, x + 30, y + 30, static_cast<float>(k) / 4.f, (i + 2 * k) % 3));
    }
    set.images.push_back(image(g, d));
  }
  const CocoSummary a = evaluate_coco(set);
  const CocoSummary b = evaluate_coco(set);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(a.stats()[i], b.stats()[i]) << i;
  EXPECT_GT(a.ap, 0.0);
  EXPECT_LT(a.ap, 1.0);
}
