// Smoke tests on the real datasets beside the project (../shared/datasets, see its README).
// Skipped with a message when the folder is absent.
//
// What the README's counts mean after loading:
//  - fruit: every image and XML is readable; 37 images are PNG files named .jpg, 37 XMLs
//    give size 0x0, one JPEG has 2,410 zero bytes after its end marker. train/ 240 images
//    with 465 boxes (train+val: val is carved from train/), test/ 60 with 117.
//  - coco128: 2 label files have no image (000000000656, 000000000659) and 2 images have no
//    label file. The README's person 261/62, car 48/13, dog 9/9 count the orphan labels too;
//    what loads is person 254 in 61 images, car 46 in 12, dog 9 in 9 (the orphans hold 7
//    person and 2 car boxes). 42 boxes reach past the image edge by rounding and get clipped.
#include <gtest/gtest.h>

#include <filesystem>

#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/datasets/stats.h"

using namespace tinydet::data;
namespace fs = std::filesystem;

namespace {

bool have(const char* sub) { return fs::exists(fs::path(TINYDET_SHARED_DATASETS) / sub); }

LoadOptions shared() {
  LoadOptions o;
  o.data_dir = TINYDET_SHARED_DATASETS;
  return o;
}

size_t problems_of_kind(const Dataset& ds, const std::string& kind) {
  size_t n = 0;
  for (const auto& p : ds.problems) n += p.kind == kind;
  return n;
}

}  // namespace

#define REQUIRE_SHARED(sub)                                                                  \
  if (!have(sub))                                                                            \
  GTEST_SKIP() << "real dataset '" << sub << "' not found in " << TINYDET_SHARED_DATASETS    \
               << " (see ../shared/datasets/README.md or scripts/fetch-datasets.sh)"

TEST(RealData, Fruit) {
  REQUIRE_SHARED("fruit");
  const Dataset ds = load_dataset("fruit", shared());
  const DatasetStats s = compute_stats(ds);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"apple", "banana", "orange"}));
  EXPECT_EQ(ds.skipped, 0u);
  EXPECT_EQ(s.images_per_split[0] + s.images_per_split[1], 240u);
  EXPECT_EQ(s.boxes_per_split[0] + s.boxes_per_split[1], 465u);
  EXPECT_EQ(s.images_per_split[2], 60u);
  EXPECT_EQ(s.boxes_per_split[2], 117u);
  EXPECT_GT(s.images_per_split[1], 0u);  // val carved from train/
  // The defects are found and reported, not hidden.
  EXPECT_EQ(problems_of_kind(ds, "format_mismatch"), 37u);
  EXPECT_EQ(problems_of_kind(ds, "annotation_size_missing"), 37u);
  EXPECT_EQ(problems_of_kind(ds, "trailing_bytes"), 1u);
  // Sizes come from the images: the biggest is the 2569x4605 PNG named banana_57.jpg.
  EXPECT_EQ(s.max_height, 4605);
  const long b57 = find_sample(ds, "banana_57.jpg");
  ASSERT_GE(b57, 0);
  EXPECT_EQ(ds.samples[size_t(b57)].width, 2569);
  // Pixels of a PNG-named-jpg RGBA image decode to the header size via the cache.
  ImageCache cache(ds);
  const NetworkImage img = cache.get(size_t(b57), 96, 96, tinydet::ResizeMode::Letterbox);
  EXPECT_EQ(img.rgb.cols, 96);
  EXPECT_EQ(img.transform.src_h, 4605);
}

TEST(RealData, Coco128) {
  REQUIRE_SHARED("coco128");
  const Dataset ds = load_dataset("coco128", shared());
  const DatasetStats s = compute_stats(ds);
  ASSERT_EQ(ds.classes.size(), 80u);
  EXPECT_EQ(ds.classes[0], "person");
  EXPECT_EQ(s.images, 128u);
  EXPECT_EQ(ds.skipped, 2u);  // the two label files without image
  EXPECT_EQ(problems_of_kind(ds, "missing_image"), 2u);
  EXPECT_EQ(problems_of_kind(ds, "missing_annotation"), 2u);
  EXPECT_EQ(s.images_without_boxes, 2u);
  EXPECT_EQ(s.classes[0].boxes, 254u);
  EXPECT_EQ(s.classes[0].images, 61u);
  EXPECT_EQ(s.classes[2].boxes, 46u);
  EXPECT_EQ(s.classes[2].images, 12u);
  EXPECT_EQ(s.classes[16].name, "dog");
  EXPECT_EQ(s.classes[16].boxes, 9u);
  EXPECT_EQ(s.classes[16].images, 9u);
  EXPECT_GT(problems_of_kind(ds, "box_clipped"), 0u);
  // Filter to three classes: indices follow the filter order, other boxes dropped.
  LoadOptions o = shared();
  o.classes = {"person", "car", "dog"};
  const Dataset f = load_dataset("coco128", o);
  const DatasetStats fs_ = compute_stats(f);
  ASSERT_EQ(fs_.classes.size(), 3u);
  EXPECT_EQ(fs_.classes[0].boxes, 254u);
  EXPECT_EQ(fs_.classes[1].boxes, 46u);
  EXPECT_EQ(fs_.classes[2].boxes, 9u);
  EXPECT_EQ(f.num_boxes(), 254u + 46u + 9u);
}

TEST(RealData, TinyCoco) {
  REQUIRE_SHARED("tiny-coco");
  const Dataset ds = load_dataset("tiny-coco", shared());
  const DatasetStats s = compute_stats(ds);
  EXPECT_EQ(s.images, 16u);
  EXPECT_EQ(s.boxes, 197u);
  EXPECT_EQ(ds.classes.size(), 80u);
  size_t crowd = 0;
  for (const auto& c : s.classes) crowd += c.crowd;
  EXPECT_EQ(crowd, 1u);
  EXPECT_EQ(ds.skipped, 0u);
  // Non-contiguous ids: COCO id 90 (toothbrush) is the last of 80 classes.
  EXPECT_EQ(ds.classes.back(), "toothbrush");
  EXPECT_EQ(ds.classes[0], "person");
}
