// Counting (MAE, exact-count accuracy) and image-level classification, hand-computed.
#include <gtest/gtest.h>

#include "metrics/counting.h"
#include "metrics/detection_report.h"
#include "metrics/image_classification.h"
#include "metrics_test_util.h"

using namespace tinydet::metrics;
using namespace metrics_test;

namespace {

// img1: gt a x2, b x1; predictions a .9, a .2
// img2: no gt;          predictions b .8
// img3: gt a x1;        predictions a .7
EvalSet counting_set() {
  return make_set({"a", "b"},
                  {image({gt(0, 0, 5, 5, 0), gt(10, 10, 15, 15, 0), gt(20, 20, 25, 25, 1)},
                         {det(0, 0, 5, 5, 0.9f, 0), det(10, 10, 15, 15, 0.2f, 0)}),
                   image({}, {det(0, 0, 5, 5, 0.8f, 1)}),
                   image({gt(0, 0, 5, 5, 0)}, {det(0, 0, 5, 5, 0.7f, 0)})});
}

}  // namespace

TEST(Counting, ThresholdedCountsGiveMaeAndExactAccuracy) {
  // Threshold .5: per-image |pred - gt|: a: img1 |1-2| = 1, img2 0, img3 0 -> MAE 1/3,
  // exact on img2, img3 -> 2/3. b: img1 |0-1| = 1, img2 |1-0| = 1, img3 0 -> MAE 2/3,
  // exact 1/3. Mean over (image, class): (1+0+0+1+1+0) / 6 = .5. Class-agnostic totals:
  // img1 |1-3| = 2, img2 |1-0| = 1, img3 0 -> 1. All classes exact: img3 only -> 1/3.
  CountingParams p;
  p.score_threshold = 0.5f;
  const CountingSummary s = evaluate_counting(counting_set(), p);
  ASSERT_EQ(s.per_class.size(), 2u);
  EXPECT_DOUBLE_EQ(s.per_class[0].mae, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.per_class[0].exact_accuracy, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.per_class[1].mae, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.per_class[1].exact_accuracy, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.mae_mean_over_classes, 0.5);
  EXPECT_DOUBLE_EQ(s.mae_class_agnostic, 1.0);
  EXPECT_DOUBLE_EQ(s.exact_accuracy_all_classes, 1.0 / 3.0);
  EXPECT_EQ(s.per_class[0].total_gt, 3);
  EXPECT_EQ(s.per_class[0].total_predicted, 2);
  // Threshold 0 keeps a .2: class a is exact everywhere.
  const CountingSummary all = evaluate_counting(counting_set());
  EXPECT_EQ(all.per_class[0].mae, 0.0);
  EXPECT_EQ(all.per_class[0].exact_accuracy, 1.0);
  const nlohmann::json j = s;
  EXPECT_EQ(j["per_class"][1]["name"], "b");
  // No images: undefined -> -1.
  EXPECT_EQ(evaluate_counting(make_set({"a"}, {})).mae_class_agnostic, -1.0);
}

TEST(ImageClassification, DominantClassesAndAccuracy) {
  // img1: gt a,a,b -> labelled a; detections b .5, b .5, a .9 -> most detections: b. Wrong.
  // img2: gt b -> b; detections a .6, b .7 -> tie 1:1, summed score .7 > .6 -> b. Right.
  // img3: gt a -> a; no detections -> none. Wrong.
  // img4: no gt -> not scored.
  // img5: gt a, b -> tie -> lower index a; detection a .4 -> a. Right.
  // accuracy = 2 / 4.
  const EvalSet set = make_set(
      {"a", "b"},
      {image({gt(0, 0, 5, 5, 0), gt(0, 0, 5, 5, 0), gt(0, 0, 5, 5, 1)},
             {det(0, 0, 5, 5, 0.5f, 1), det(0, 0, 5, 5, 0.5f, 1), det(0, 0, 5, 5, 0.9f, 0)}),
       image({gt(0, 0, 5, 5, 1)}, {det(0, 0, 5, 5, 0.6f, 0), det(0, 0, 5, 5, 0.7f, 1)}),
       image({gt(0, 0, 5, 5, 0)}, {}),
       image({}, {det(0, 0, 5, 5, 0.9f, 1)}),
       image({gt(0, 0, 5, 5, 0), gt(0, 0, 5, 5, 1)}, {det(0, 0, 5, 5, 0.4f, 0)})});
  EXPECT_EQ(dominant_predicted_class(set.images[0], 2, 0.f), 1);
  EXPECT_EQ(dominant_predicted_class(set.images[1], 2, 0.f), 1);
  EXPECT_EQ(dominant_predicted_class(set.images[2], 2, 0.f), -1);
  EXPECT_EQ(dominant_labelled_class(set.images[4], 2), 0);
  EXPECT_EQ(dominant_labelled_class(set.images[3], 2), -1);
  const ClassificationSummary s = evaluate_classification(set);
  EXPECT_EQ(s.images_scored, 4);
  EXPECT_EQ(s.images_without_gt, 1);
  EXPECT_EQ(s.correct, 2);
  EXPECT_EQ(s.predicted_none, 1);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.5);
  // confusion[labelled][predicted + 1]
  EXPECT_EQ(s.confusion[0][0], 1);  // a -> none
  EXPECT_EQ(s.confusion[0][1], 1);  // a -> a
  EXPECT_EQ(s.confusion[0][2], 1);  // a -> b
  EXPECT_EQ(s.confusion[1][2], 1);  // b -> b
  // Threshold .55 drops img1's b detections (.5) -> a wins there; img2's a .6 and b .7 stay;
  // img5's a .4 goes -> none. Correct: img1, img2 -> still 2 / 4.
  ClassificationParams p;
  p.score_threshold = 0.55f;
  const ClassificationSummary t = evaluate_classification(set, p);
  EXPECT_EQ(t.correct, 2);
  EXPECT_EQ(t.predicted_none, 2);
  EXPECT_EQ(evaluate_classification(make_set({"a"}, {image({}, {})})).accuracy, -1.0);
}

TEST(DetectionReport, EveryFamilyInOneJson) {
  ReportOptions options;
  options.score_threshold = 0.5f;
  const DetectionReport r = evaluate_all(counting_set(), options);
  EXPECT_EQ(r.counting.params.score_threshold, 0.5f);
  EXPECT_TRUE(r.has_cell_f1);
  const nlohmann::json j = r;
  for (const char* key : {"coco", "voc", "centroid", "cell_f1", "counting", "classification"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_DOUBLE_EQ(j["counting"]["mae_class_agnostic"].get<double>(), 1.0);
  // Without image sizes the cell F1 is skipped (null), the rest still computed.
  EvalSet no_size = counting_set();
  no_size.images[0].width = 0;
  const nlohmann::json k = evaluate_all(no_size);
  EXPECT_TRUE(k["cell_f1"].is_null());
  EXPECT_TRUE(k["coco"].contains("ap"));
}
