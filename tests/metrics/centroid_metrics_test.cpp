// Centroid matching P/R/F1 and the Edge Impulse-style cell F1, hand-computed.
#include <gtest/gtest.h>

#include "metrics/cell_f1.h"
#include "metrics/centroid_metrics.h"
#include "metrics_test_util.h"

using namespace tinydet::metrics;
using namespace metrics_test;

TEST(CentroidMetrics, CentroidInsideTheBoxMatchesAtAnyDistance) {
  // gt [0,0,40,40] (centre 20,20); prediction at (35,35): 21.2 px from the centre (more
  // than one 8-px cell) but inside the box -> TP.
  const CentroidSummary s =
      evaluate_centroids(make_set({"a"}, {image({gt(0, 0, 40, 40)}, {point(35, 35, 0.9f)})}));
  EXPECT_EQ(s.micro.tp, 1);
  EXPECT_EQ(s.micro.fp, 0);
  EXPECT_EQ(s.micro.fn, 0);
  EXPECT_EQ(s.micro.f1(), 1.0);
}

TEST(CentroidMetrics, CentroidWithinTheDistanceMatches) {
  // gt [0,0,4,4] (centre 2,2). (9,2) is outside the box, 7 px <= 1 cell (8 px) -> TP.
  // (11,2) is 9 px away -> FP, and the gt is a FN; with 2 cells (16 px) it matches.
  const auto set_at = [](float x) {
    return make_set({"a"}, {image({gt(0, 0, 4, 4)}, {point(x, 2, 0.9f)})});
  };
  EXPECT_EQ(evaluate_centroids(set_at(9)).micro.tp, 1);
  const CentroidSummary far = evaluate_centroids(set_at(11));
  EXPECT_EQ(far.micro.tp, 0);
  EXPECT_EQ(far.micro.fp, 1);
  EXPECT_EQ(far.micro.fn, 1);
  EXPECT_EQ(far.micro.precision(), 0.0);
  EXPECT_EQ(far.micro.f1(), 0.0);
  CentroidParams wide;
  wide.max_distance_cells = 2;
  EXPECT_EQ(evaluate_centroids(set_at(11), wide).micro.tp, 1);
  // Exactly on the radius counts (inclusive): 8 px with cell 8.
  EXPECT_EQ(evaluate_centroids(set_at(10)).micro.tp, 1);
}

TEST(CentroidMetrics, MatchingIsOneToOneAndPrefersTheNearestCentre) {
  // One gt, two predictions inside it: one TP, one FP (duplicate).
  const CentroidSummary dup = evaluate_centroids(
      make_set({"a"}, {image({gt(0, 0, 20, 20)}, {point(5, 5, 0.9f), point(15, 15, 0.8f)})}));
  EXPECT_EQ(dup.micro.tp, 1);
  EXPECT_EQ(dup.micro.fp, 1);
  EXPECT_EQ(dup.micro.fn, 0);
  EXPECT_DOUBLE_EQ(dup.micro.precision(), 0.5);
  EXPECT_DOUBLE_EQ(dup.micro.recall(), 1.0);
  EXPECT_DOUBLE_EQ(dup.micro.f1(), 2.0 / 3.0);  // 2*1 / (2*1 + 1 + 0)
  // G1 [0,0,10,10] (centre 5,5), G2 [10,0,20,10] (centre 15,5). The higher-scored
  // prediction at (9,5) is inside G1 (4 px) and within a cell of G2 (6 px): it takes the
  // nearest, G1. The next at (11,5) then takes G2 -> 2 TP. (Taking G2 first would have
  // left (11,5) 6 px from G1 -> still a match, so also check a case where it matters.)
  const CentroidSummary both = evaluate_centroids(make_set(
      {"a"}, {image({gt(0, 0, 10, 10), gt(10, 0, 20, 10)}, {point(9, 5, 0.9f), point(11, 5, 0.8f)})}));
  EXPECT_EQ(both.micro.tp, 2);
  // gt A [0,0,2,2] (centre 1,1), gt B [6,0,8,2] (centre 7,1); radius 8.
  // p1 (4,1) score .9: 3 px to A, 3 px to B: tie -> lower index A.
  // p2 (-6,1) score .8: 7 px to A (taken), 13 px to B -> FP. B is a FN.
  const CentroidSummary tie = evaluate_centroids(make_set(
      {"a"}, {image({gt(0, 0, 2, 2), gt(6, 0, 8, 2)}, {point(4, 1, 0.9f), point(-6, 1, 0.8f)})}));
  EXPECT_EQ(tie.micro.tp, 1);
  EXPECT_EQ(tie.micro.fp, 1);
  EXPECT_EQ(tie.micro.fn, 1);
}

TEST(CentroidMetrics, ClassMismatchIsAFalsePositiveAndAFalseNegative) {
  const CentroidSummary s = evaluate_centroids(
      make_set({"a", "b"}, {image({gt(0, 0, 20, 20, 0)}, {point(10, 10, 0.9f, 1)})}));
  EXPECT_EQ(s.per_class[0].counts.fn, 1);
  EXPECT_EQ(s.per_class[0].counts.tp, 0);
  EXPECT_EQ(s.per_class[1].counts.fp, 1);
  EXPECT_EQ(s.micro.tp, 0);
  EXPECT_EQ(s.macro_f1, 0.0);  // only class a has gt; its F1 is 0
}

TEST(CentroidMetrics, PerClassMicroMacroAndScoreThreshold) {
  // Image 1: a-gt [0,0,10,10], b-gt [50,50,60,60]; predictions a (5,5) .9 TP, b (55,55) .2,
  // a (100,100) .8 FP. Image 2: a-gt [0,0,10,10], no predictions -> FN.
  const EvalSet set = make_set(
      {"a", "b"},
      {image({gt(0, 0, 10, 10, 0), gt(50, 50, 60, 60, 1)},
             {point(5, 5, 0.9f, 0), point(55, 55, 0.2f, 1), point(100, 100, 0.8f, 0)}),
       image({gt(0, 0, 10, 10, 0)}, {})});
  // threshold 0: a: TP 1, FP 1, FN 1 -> F1 = 2/(2+1+1) = .5; b: TP 1 -> F1 1.
  // micro: TP 2, FP 1, FN 1 -> P = R = 2/3, F1 = 4/6; macro = (.5 + 1) / 2 = .75.
  const CentroidSummary s = evaluate_centroids(set);
  EXPECT_DOUBLE_EQ(s.per_class[0].counts.f1(), 0.5);
  EXPECT_DOUBLE_EQ(s.per_class[1].counts.f1(), 1.0);
  EXPECT_EQ(s.per_class[0].num_gt, 2);
  EXPECT_DOUBLE_EQ(s.micro.precision(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.micro.recall(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.micro.f1(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.macro_f1, 0.75);
  // threshold .5 drops the b prediction: b becomes TP 0, FN 1 -> micro TP 1, FP 1, FN 2.
  CentroidParams p;
  p.score_threshold = 0.5f;
  const CentroidSummary t = evaluate_centroids(set, p);
  EXPECT_EQ(t.micro.tp, 1);
  EXPECT_EQ(t.micro.fp, 1);
  EXPECT_EQ(t.micro.fn, 2);
  const nlohmann::json j = t;
  EXPECT_EQ(j["micro"]["tp"], 1);
  EXPECT_EQ(j["per_class"][1]["fn"], 1);
  EXPECT_THROW(evaluate_centroids(set, CentroidParams{0.f, 1.f, 0.f}), std::invalid_argument);
}

TEST(CellF1, RasterisedCellsIgnoringBackground) {
  // 32x32 image, 8-px cells -> 4x4 grid. Cells written (column, row).
  // Truth: class 0 centres (5,5) and (6,6) -> both cell (0,0), counted once; class 0 centre
  //        (20,4) -> cell (2,0); class 1 centre (28,28) -> cell (3,3).
  // Predictions: class 0 at (7,1) -> (0,0): TP; class 0 at (12,12) -> (1,1): FP;
  //              class 1 at (20,4) -> (2,0): FP for class 1 (and class 0's (2,0) is a FN).
  // class 0: TP 1, FP 1, FN 1 -> P = R = F1 = .5. class 1: TP 0, FP 1, FN 1 (cell (3,3)).
  // micro: TP 1, FP 2, FN 2 -> P = R = F1 = 1/3. Background cells count nowhere.
  const EvalSet set = make_set(
      {"a", "b"},
      {image({gt(0, 0, 10, 10, 0), gt(2, 2, 10, 10, 0), gt(16, 0, 24, 8, 0), gt(24, 24, 32, 32, 1)},
             {point(7, 1, 0.9f, 0), point(12, 12, 0.9f, 0), point(20, 4, 0.9f, 1)}, 32, 32)});
  const CellF1Summary s = evaluate_cell_f1(set);
  EXPECT_EQ(s.per_class[0].counts.tp, 1);
  EXPECT_EQ(s.per_class[0].counts.fp, 1);
  EXPECT_EQ(s.per_class[0].counts.fn, 1);
  EXPECT_DOUBLE_EQ(s.per_class[0].counts.f1(), 0.5);
  EXPECT_EQ(s.per_class[1].counts.fp, 1);
  EXPECT_EQ(s.per_class[1].counts.fn, 1);
  EXPECT_DOUBLE_EQ(s.micro.f1(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.micro.precision(), 1.0 / 3.0);
}

TEST(CellF1, EdgesClampIntoTheGridAndDuplicatesCountOnce) {
  // 30x30 image, 8-px cells -> ceil(30/8) = 4 cells per side. A centroid at x = 32 (past the
  // image) clamps to column 3, the cell of the gt centred at (28, 28). Two predictions in
  // one cell count once: TP 1, FP 0.
  const EvalSet set = make_set(
      {"a"}, {image({gt(24, 24, 32, 32)}, {point(32, 28, 0.9f), point(25, 25, 0.8f)}, 30, 30)});
  const CellF1Summary s = evaluate_cell_f1(set);
  EXPECT_EQ(s.micro.tp, 1);
  EXPECT_EQ(s.micro.fp, 0);
  EXPECT_EQ(s.micro.fn, 0);
  // Score threshold drops both -> FN only.
  CellF1Params p;
  p.score_threshold = 0.95f;
  EXPECT_EQ(evaluate_cell_f1(set, p).micro.fn, 1);
  // Images need a size for the grid.
  EXPECT_THROW(evaluate_cell_f1(make_set({"a"}, {image({}, {}, 0, 0)})), std::invalid_argument);
  const nlohmann::json j = s;
  EXPECT_EQ(j["micro"]["tp"], 1);
}
