// Stats numbers and the drawing used by `tinydet dataset show`.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "fixture_paths.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/stats.h"

using namespace tinydet::data;

TEST(Stats, CountsBandsAndProblems) {
  const Dataset ds = load_dataset("voc:" + (tinydet::data::testing::fixtures() / "voc_defects").string());
  const DatasetStats s = compute_stats(ds);
  EXPECT_EQ(s.images, ds.samples.size());
  EXPECT_EQ(s.images_per_split[0] + s.images_per_split[1] + s.images_per_split[2], s.images);
  EXPECT_EQ(s.boxes, ds.num_boxes());
  EXPECT_EQ(s.images_without_boxes, 1u);  // background.jpg
  EXPECT_EQ(s.skipped, 5u);
  EXPECT_EQ(s.area_bands_absolute[0] + s.area_bands_absolute[1] + s.area_bands_absolute[2], s.boxes);
  EXPECT_EQ(s.area_bands_absolute[2], 0u);  // tiny fixture images: no large boxes
  size_t class_boxes = 0;
  for (const auto& c : s.classes) class_boxes += c.boxes;
  EXPECT_EQ(class_boxes, s.boxes);
  EXPECT_EQ(s.classes[1].difficult, 1u);  // banana in good.xml
  const nlohmann::json j = stats_to_json(s, ds);
  EXPECT_EQ(j["images"], s.images);
  EXPECT_EQ(j["skipped"], 5u);
  EXPECT_EQ(j["problems"]["by_kind"]["corrupt_image"], 2u);
  EXPECT_EQ(j["splits"]["test"]["images"], 1u);
  const std::string text = stats_to_text(s, ds);
  EXPECT_NE(text.find("skipped samples: 5"), std::string::npos) << text;
  EXPECT_NE(text.find("truncated.jpg"), std::string::npos) << text;
}

TEST(Show, DrawsBoxesToPng) {
  const Dataset ds = load_dataset("voc:" + (tinydet::data::testing::fixtures() / "voc_defects").string());
  const long idx = find_sample(ds, "good");
  ASSERT_GE(idx, 0);
  EXPECT_EQ(find_sample(ds, "good.jpg"), idx);
  EXPECT_EQ(find_sample(ds, "nope"), -1);
  const auto out = tinydet::data::testing::scratch_dir("show") / "good.png";
  write_sample_png(ds, size_t(idx), out.string());
  const cv::Mat drawn = cv::imread(out.string());
  ASSERT_FALSE(drawn.empty());
  EXPECT_EQ(drawn.cols, 64);
  // The drawing changed pixels relative to the plain image.
  const cv::Mat plain = cv::imread((tinydet::data::testing::fixtures() / "voc_defects/train/good.jpg").string());
  EXPECT_GT(cv::norm(drawn, plain, cv::NORM_L1), 0.0);
  EXPECT_THROW(write_sample_png(ds, ds.samples.size(), out.string()), std::out_of_range);
}
