// COCO JSON export: structure, id mapping, exact box values, and a write/read round trip
// that evaluates to the very same numbers.
#include <gtest/gtest.h>

#include <filesystem>

#include "metrics/coco_eval.h"
#include "metrics/coco_export.h"
#include "metrics_test_util.h"

using namespace tinydet::metrics;
using namespace metrics_test;

namespace {

EvalSet sample_set() {
  EvalSet s = make_set({"cat", "dog"},
                       {image({gt(0, 0, 10, 10, 0), gt(20.5f, 4, 30, 12.25f, 1, true)},
                              {det(1, 1, 10, 10, 0.75f, 0), det(20, 4, 30, 12, 0.5f, 1)}, 64, 48),
                        image({gt(3, 3, 9, 9, 1)}, {det(3, 3, 9, 8, 0.1f, 1)}, 32, 32)});
  s.category_ids = {17, 5};
  return s;
}

}  // namespace

TEST(CocoExport, GroundTruthJsonHasCocoStructureAndMapping) {
  const nlohmann::json j = coco_ground_truth_json(sample_set(), {"a.jpg", "b.jpg"});
  ASSERT_EQ(j["images"].size(), 2u);
  EXPECT_EQ(j["images"][0]["id"], 1);
  EXPECT_EQ(j["images"][1]["id"], 2);
  EXPECT_EQ(j["images"][0]["width"], 64);
  EXPECT_EQ(j["images"][1]["file_name"], "b.jpg");
  ASSERT_EQ(j["categories"].size(), 2u);
  EXPECT_EQ(j["categories"][0]["id"], 17);
  EXPECT_EQ(j["categories"][0]["name"], "cat");
  EXPECT_EQ(j["categories"][1]["id"], 5);
  ASSERT_EQ(j["annotations"].size(), 3u);
  const nlohmann::json& crowd = j["annotations"][1];
  EXPECT_EQ(crowd["id"], 2);  // annotation ids run 1.. in image then box order
  EXPECT_EQ(crowd["image_id"], 1);
  EXPECT_EQ(crowd["category_id"], 5);
  EXPECT_EQ(crowd["iscrowd"], 1);
  // [x, y, w, h] = [20.5, 4, 9.5, 8.25]; area = w * h = 78.375 (all exact in binary).
  EXPECT_EQ(crowd["bbox"], nlohmann::json::parse("[20.5, 4.0, 9.5, 8.25]"));
  EXPECT_EQ(crowd["area"].get<double>(), 78.375);
  EXPECT_EQ(j["annotations"][2]["image_id"], 2);
  EXPECT_THROW(coco_ground_truth_json(sample_set(), {"only-one.jpg"}), std::invalid_argument);
}

TEST(CocoExport, ResultsJsonListsEveryDetection) {
  const nlohmann::json r = coco_results_json(sample_set());
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["image_id"], 1);
  EXPECT_EQ(r[0]["category_id"], 17);
  EXPECT_EQ(r[0]["bbox"], nlohmann::json::parse("[1.0, 1.0, 9.0, 9.0]"));
  EXPECT_EQ(r[0]["score"].get<double>(), 0.75);
  EXPECT_EQ(r[2]["image_id"], 2);
  EXPECT_EQ(r[2]["category_id"], 5);
  // A float score is written as the double it converts to, so it reads back bit-exactly.
  EXPECT_EQ(r[2]["score"].get<double>(), static_cast<double>(0.1f));
}

TEST(CocoExport, WriteReadRoundTripEvaluatesIdentically) {
  const auto dir = std::filesystem::path(TINYDET_BINARY_DIR) / "metrics_test_output";
  std::filesystem::create_directories(dir);
  const EvalSet original = sample_set();
  write_coco_json(original, dir / "gt.json", dir / "results.json");
  const EvalSet back = read_coco_json(dir / "gt.json", dir / "results.json");
  // Categories come back in ascending id order: dog (5) first, then cat (17).
  ASSERT_EQ(back.class_names, (std::vector<std::string>{"dog", "cat"}));
  EXPECT_EQ(back.category_ids, (std::vector<std::int64_t>{5, 17}));
  ASSERT_EQ(back.images.size(), 2u);
  EXPECT_TRUE(back.images[0].ground_truth[1].crowd);
  const CocoSummary a = evaluate_coco(original);
  const CocoSummary b = evaluate_coco(back);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(a.stats()[i], b.stats()[i]) << "stat " << i;
  EXPECT_THROW(read_coco_json(dir / "missing.json", dir / "results.json"), std::runtime_error);
  EXPECT_THROW(write_coco_json(original, dir / "no-such-dir" / "gt.json", dir / "r.json"),
               std::runtime_error);
}
