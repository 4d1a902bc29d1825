// The synthetic generator: determinism, exact boxes, cache reuse.
#include <gtest/gtest.h>

#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "fixture_paths.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_io.h"
#include "tinydet/datasets/synthetic.h"

using namespace tinydet::data;

TEST(Synthetic, SameSeedSamePixelsAndBoxes) {
  for (int i : {0, 7, 123}) {
    const SyntheticScene a = render_synthetic_scene(42, i), b = render_synthetic_scene(42, i);
    ASSERT_EQ(a.boxes.size(), b.boxes.size());
    for (size_t k = 0; k < a.boxes.size(); ++k) {
      EXPECT_EQ(a.boxes[k].x0, b.boxes[k].x0);
      EXPECT_EQ(a.boxes[k].y1, b.boxes[k].y1);
      EXPECT_EQ(a.boxes[k].cls, b.boxes[k].cls);
    }
    EXPECT_EQ(cv::norm(a.rgb, b.rgb, cv::NORM_INF), 0.0);
  }
  // A different seed gives a different scene.
  EXPECT_GT(cv::norm(render_synthetic_scene(42, 0).rgb, render_synthetic_scene(43, 0).rgb, cv::NORM_L1), 0.0);
}

TEST(Synthetic, BoxesAreTightToTheDrawnPixels) {
  size_t objects = 0, touching = 0;
  std::array<size_t, 3> per_class{};
  for (int i = 0; i < 60; ++i) {
    const SyntheticScene s = render_synthetic_scene(7, i);
    EXPECT_EQ(s.rgb.cols, kSyntheticImageSize);
    EXPECT_EQ(s.rgb.rows, kSyntheticImageSize);
    for (size_t k = 0; k < s.boxes.size(); ++k) {
      const tinydet::Box& b = s.boxes[k];
      const cv::Mat mine = s.instances == int(k + 1);
      const cv::Rect tight = cv::boundingRect(mine);
      EXPECT_EQ(float(tight.x), b.x0);
      EXPECT_EQ(float(tight.y), b.y0);
      EXPECT_EQ(float(tight.x + tight.width), b.x1);
      EXPECT_EQ(float(tight.y + tight.height), b.y1);
      ASSERT_GE(b.cls, 0);
      ASSERT_LT(b.cls, 3);
      ++per_class[size_t(b.cls)];
      ++objects;
      for (size_t m = 0; m < k; ++m) {
        const tinydet::Box& o = s.boxes[m];
        const bool share_x = b.x0 == o.x1 || b.x1 == o.x0, share_y = b.y0 == o.y1 || b.y1 == o.y0;
        touching += share_x || share_y;
        // Boxes never overlap (touching edges allowed).
        EXPECT_EQ(tinydet::iou(b.x0, b.y0, b.x1, b.y1, o.x0, o.y0, o.x1, o.y1), 0.f);
      }
    }
    // Same-sized objects within a scene: sides within the jitter band.
    float lo = 1e9f, hi = 0;
    for (const auto& b : s.boxes) {
      lo = std::min(lo, std::max(b.width(), b.height()));
      hi = std::max(hi, std::max(b.width(), b.height()));
    }
    if (s.boxes.size() > 1) {
      EXPECT_LE(hi / lo, 1.6f) << "scene " << i;
    }
  }
  EXPECT_GT(objects, 120u);
  for (size_t c : per_class) EXPECT_GT(c, 20u);
  EXPECT_GT(touching, 0u);
}

TEST(Synthetic, CachedDatasetIsReusedAndByteIdentical) {
  const auto cache = tinydet::data::testing::scratch_dir("synthetic-cache");
  LoadOptions o;
  o.cache_dir = cache.string();
  const Dataset a = load_dataset("synthetic:24@5", o);
  EXPECT_EQ(a.format, "synthetic");
  EXPECT_EQ(a.samples.size(), 24u);
  EXPECT_EQ(a.classes, synthetic_classes());
  EXPECT_EQ(a.skipped, 0u);
  EXPECT_TRUE(a.problems.empty());
  const auto first_write = std::filesystem::last_write_time(std::filesystem::path(a.root) / "COMPLETE");
  // Second load reuses the cache (no regeneration) and gives the same dataset.
  const Dataset b = load_dataset("synthetic:24@5", o);
  EXPECT_EQ(std::filesystem::last_write_time(std::filesystem::path(b.root) / "COMPLETE"), first_write);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  // Regenerating in another folder gives byte-identical files.
  LoadOptions o2;
  o2.cache_dir = tinydet::data::testing::scratch_dir("synthetic-cache-2").string();
  const Dataset c = load_dataset("synthetic:24@5", o2);
  EXPECT_EQ(a.fingerprint, c.fingerprint);
  for (size_t i = 0; i < a.samples.size(); ++i) {
    EXPECT_EQ(read_file_bytes(a.samples[i].image_path), read_file_bytes(c.samples[i].image_path)) << i;
    EXPECT_EQ(a.samples[i].boxes.size(), c.samples[i].boxes.size());
  }
  // Boxes survive the JSON round trip exactly.
  const SyntheticScene s0 = render_synthetic_scene(5, std::stoi(a.samples[0].id));
  ASSERT_EQ(s0.boxes.size(), a.samples[0].boxes.size());
  for (size_t k = 0; k < s0.boxes.size(); ++k) {
    EXPECT_EQ(s0.boxes[k].x0, a.samples[0].boxes[k].x0);
    EXPECT_EQ(s0.boxes[k].y1, a.samples[0].boxes[k].y1);
    EXPECT_EQ(s0.boxes[k].cls, a.samples[0].boxes[k].cls);
  }
  // A damaged cache (marker removed) is regenerated.
  std::filesystem::remove(std::filesystem::path(a.root) / "COMPLETE");
  const Dataset d = load_dataset("synthetic:24@5", o);
  EXPECT_EQ(d.fingerprint, a.fingerprint);
}

TEST(Synthetic, SpecDefaults) {
  EXPECT_THROW(load_dataset("synthetic:0"), std::invalid_argument);
  EXPECT_THROW(load_dataset("synthetic:10@x"), std::invalid_argument);
  EXPECT_EQ(kSyntheticDefaultCount, 1000);
}
