// Readers on hand-made fixtures carrying one defect each (see tests/fixtures/datasets/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "fixture_paths.h"
#include "tinydet/datasets/dataset.h"

using namespace tinydet::data;
using tinydet::data::testing::fixtures;

namespace {

const Sample* by_id(const Dataset& ds, const std::string& id) {
  for (const auto& s : ds.samples)
    if (s.id == id) return &s;
  return nullptr;
}

size_t count_kind(const Dataset& ds, const std::string& kind, const std::string& file_part = "") {
  return size_t(std::count_if(ds.problems.begin(), ds.problems.end(), [&](const Problem& p) {
    return p.kind == kind && p.file.find(file_part) != std::string::npos;
  }));
}

Dataset load_voc_defects(LoadOptions o = {}) {
  return load_dataset("voc:" + (fixtures() / "voc_defects").string(), o);
}

}  // namespace

TEST(VocReader, GoodSampleAndDifficultFlag) {
  const Dataset ds = load_voc_defects();
  EXPECT_EQ(ds.format, "voc");
  // Discovered classes, sorted.
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"apple", "banana", "orange"}));
  const Sample* good = by_id(ds, "good");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->width, 64);
  EXPECT_EQ(good->height, 48);
  ASSERT_EQ(good->boxes.size(), 2u);
  EXPECT_EQ(good->boxes[0].cls, 0);
  EXPECT_FLOAT_EQ(good->boxes[0].x0, 16);
  EXPECT_FLOAT_EQ(good->boxes[0].y1, 36);
  EXPECT_FALSE(good->boxes[0].difficult);
  EXPECT_EQ(good->boxes[1].cls, 1);
  EXPECT_TRUE(good->boxes[1].difficult);
}

TEST(VocReader, EveryDefectIsHandledAndReported) {
  const Dataset ds = load_voc_defects();
  // PNG content named .jpg, annotation size 0: size comes from the image.
  const Sample* png = by_id(ds, "png_named_jpg");
  ASSERT_NE(png, nullptr);
  EXPECT_EQ(png->width, 40);
  EXPECT_EQ(png->height, 30);
  EXPECT_EQ(count_kind(ds, "format_mismatch", "png_named_jpg.jpg"), 1u);
  EXPECT_EQ(count_kind(ds, "annotation_size_missing", "png_named_jpg.xml"), 1u);
  // Grayscale, RGBA and palette images load.
  for (const char* id : {"gray", "rgba", "palette", "trailing"}) EXPECT_NE(by_id(ds, id), nullptr) << id;
  EXPECT_EQ(count_kind(ds, "trailing_bytes", "trailing.jpg"), 1u);
  // Corrupt images and malformed annotations: skipped, with the file named.
  for (const char* id : {"truncated", "notimage", "malformed", "nonnumeric"})
    EXPECT_EQ(by_id(ds, id), nullptr) << id;
  EXPECT_EQ(count_kind(ds, "corrupt_image", "truncated.jpg"), 1u);
  EXPECT_EQ(count_kind(ds, "corrupt_image", "notimage.jpg"), 1u);
  EXPECT_EQ(count_kind(ds, "malformed_annotation", "malformed.xml"), 1u);
  EXPECT_EQ(count_kind(ds, "malformed_annotation", "nonnumeric.xml"), 1u);
  // Annotation without an image: a problem, counted as skipped.
  EXPECT_EQ(count_kind(ds, "missing_image", "orphan.xml"), 1u);
  EXPECT_EQ(ds.skipped, 5u);
  // Image without annotation: a background sample.
  const Sample* bg = by_id(ds, "background");
  ASSERT_NE(bg, nullptr);
  EXPECT_TRUE(bg->boxes.empty());
  // Boxes outside the image: clipped (and reported) or dropped when nothing is left.
  const Sample* clipped = by_id(ds, "clipped");
  ASSERT_NE(clipped, nullptr);
  ASSERT_EQ(clipped->boxes.size(), 2u);
  EXPECT_FLOAT_EQ(clipped->boxes[0].x1, 64);
  EXPECT_FLOAT_EQ(clipped->boxes[0].y1, 48);
  EXPECT_EQ(count_kind(ds, "box_clipped", "clipped.xml"), 1u);
  EXPECT_EQ(count_kind(ds, "box_dropped", "clipped.xml"), 1u);
  // Annotation size disagreeing with the image: the image wins.
  const Sample* mism = by_id(ds, "size_mismatch");
  ASSERT_NE(mism, nullptr);
  EXPECT_EQ(mism->width, 64);
  EXPECT_EQ(count_kind(ds, "annotation_size_mismatch", "size_mismatch.xml"), 1u);
  // Split folders: train/ and test/.
  EXPECT_TRUE(ds.split_from_data);
  ASSERT_EQ(ds.test.size(), 1u);
  EXPECT_EQ(ds.samples[ds.test[0]].id, "t1");
  EXPECT_EQ(ds.samples.size(), 10u);  // 9 train-folder images + 1 test
}

TEST(VocReader, StrictModeThrowsNamingTheFile) {
  LoadOptions o;
  o.strict = true;
  try {
    load_voc_defects(o);
    FAIL() << "strict load of defective data must throw";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("strict"), std::string::npos) << msg;
    EXPECT_TRUE(msg.find(".xml") != std::string::npos || msg.find(".jpg") != std::string::npos) << msg;
  }
}

TEST(VocReader, VerifyPixelsStillLoadsGoodImages) {
  LoadOptions o;
  o.verify_pixels = true;
  const Dataset ds = load_voc_defects(o);
  EXPECT_EQ(ds.samples.size(), 10u);
}

TEST(VocReader, UnknownClassIsAnErrorUnlessFilteredOut) {
  const std::string spec = "voc:" + (fixtures() / "voc_unknown").string();
  try {
    load_dataset(spec);
    FAIL() << "unknown class must throw";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("kiwi"), std::string::npos) << msg;
    EXPECT_NE(msg.find("a.xml"), std::string::npos) << msg;
  }
  LoadOptions o;
  o.classes = {"apple"};
  const Dataset ds = load_dataset(spec, o);
  ASSERT_EQ(ds.samples.size(), 1u);
  ASSERT_EQ(ds.samples[0].boxes.size(), 1u);
  EXPECT_EQ(ds.samples[0].boxes[0].cls, 0);
}

TEST(VocReader, VocDevkitLayout) {
  const auto dir = tinydet::data::testing::scratch_dir("vocdevkit");
  namespace fs = std::filesystem;
  fs::create_directories(dir / "Annotations");
  fs::create_directories(dir / "JPEGImages");
  fs::create_directories(dir / "ImageSets" / "Main");
  const fs::path src = fixtures() / "voc_defects" / "train";
  for (const char* id : {"good", "gray", "trailing"}) {
    fs::copy_file(src / (std::string(id) + ".xml"), dir / "Annotations" / (std::string(id) + ".xml"));
  }
  fs::copy_file(src / "good.jpg", dir / "JPEGImages" / "good.jpg");
  fs::copy_file(src / "gray.png", dir / "JPEGImages" / "gray.png");
  fs::copy_file(src / "trailing.jpg", dir / "JPEGImages" / "trailing.jpg");
  std::ofstream(dir / "ImageSets" / "Main" / "train.txt") << "good\ngray\n";
  std::ofstream(dir / "ImageSets" / "Main" / "val.txt") << "trailing\n";
  const Dataset ds = load_dataset("voc:" + dir.string());
  EXPECT_EQ(ds.samples.size(), 3u);
  EXPECT_EQ(ds.val.size(), 1u);
  EXPECT_EQ(ds.samples[ds.val[0]].id, "trailing");
  EXPECT_EQ(ds.train.size() + ds.test.size(), 2u);  // test carved from train (no test.txt)
}

TEST(YoloReader, LayoutNamesAndDefects) {
  const Dataset ds = load_dataset("yolo:" + (fixtures() / "yolo_defects").string());
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"cat", "dog", "bird"}));
  const Sample* a = by_id(ds, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->width, 100);
  EXPECT_EQ(a->height, 50);
  ASSERT_EQ(a->boxes.size(), 2u);
  // 0 0.5 0.5 0.2 0.4 on 100x50 -> [40, 15, 60, 35]
  EXPECT_FLOAT_EQ(a->boxes[0].x0, 40);
  EXPECT_FLOAT_EQ(a->boxes[0].y0, 15);
  EXPECT_FLOAT_EQ(a->boxes[0].x1, 60);
  EXPECT_FLOAT_EQ(a->boxes[0].y1, 35);
  EXPECT_EQ(a->boxes[1].cls, 2);
  // Missing label file -> background image (PNG content named .jpg).
  const Sample* b = by_id(ds, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->boxes.empty());
  EXPECT_EQ(count_kind(ds, "missing_annotation", "b.jpg"), 1u);
  // Box past the right edge: clipped.
  const Sample* c = by_id(ds, "c");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->boxes.size(), 1u);
  EXPECT_FLOAT_EQ(c->boxes[0].x1, 100);
  EXPECT_EQ(count_kind(ds, "box_clipped", "c.txt"), 1u);
  // Malformed label: skipped.
  EXPECT_EQ(by_id(ds, "d"), nullptr);
  EXPECT_EQ(count_kind(ds, "malformed_annotation", "d.txt"), 1u);
  // Polygon label -> its bounding box: x 0.1..0.5, y 0.2..0.8 on 100x50.
  const Sample* poly = by_id(ds, "poly");
  ASSERT_NE(poly, nullptr);
  ASSERT_EQ(poly->boxes.size(), 1u);
  EXPECT_FLOAT_EQ(poly->boxes[0].x0, 10);
  EXPECT_FLOAT_EQ(poly->boxes[0].x1, 50);
  EXPECT_FLOAT_EQ(poly->boxes[0].y0, 10);
  EXPECT_FLOAT_EQ(poly->boxes[0].y1, 40);
  // Label file without image.
  EXPECT_EQ(count_kind(ds, "missing_image", "orphan.txt"), 1u);
  EXPECT_EQ(ds.skipped, 2u);
  // val/ folder is the val split; blank lines are ignored.
  ASSERT_EQ(ds.val.size(), 1u);
  EXPECT_EQ(ds.samples[ds.val[0]].boxes.size(), 1u);
}

TEST(YoloReader, UnknownClassIdIsAnErrorUnlessFiltered) {
  const std::string spec = "yolo:" + (fixtures() / "yolo_unknown").string();
  EXPECT_THROW(load_dataset(spec), std::runtime_error);
  LoadOptions o;
  o.classes = {"cat"};
  const Dataset ds = load_dataset(spec, o);
  ASSERT_EQ(ds.samples.size(), 1u);
  EXPECT_EQ(ds.samples[0].boxes.size(), 1u);
}

TEST(YoloReader, YamlNameForms) {
  EXPECT_EQ(parse_yolo_yaml_names("nc: 2\nnames: ['a', \"b c\"]  # two\n", "x"),
            (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(parse_yolo_yaml_names("names: [a,\n  b,\n  c]\n", "x"),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(parse_yolo_yaml_names("names:\n  0: person\n  1: bicycle\ntrain: x\n", "x"),
            (std::vector<std::string>{"person", "bicycle"}));
  EXPECT_EQ(parse_yolo_yaml_names("names:\n- a\n- b\n", "x"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(parse_yolo_yaml_names("train: images\n", "x").empty());
  EXPECT_THROW(parse_yolo_yaml_names("names:\n  0: a\n  2: c\n", "x"), std::runtime_error);
}

TEST(CocoReader, NonContiguousIdsCrowdAndDefects) {
  const auto dir = fixtures() / "coco_defects";
  const Dataset ds = load_dataset("coco:" + (dir / "annotations.json").string() + "@" +
                                  (dir / "images").string());
  // Categories sorted by id: 1 person, 5 airplane, 90 toothbrush.
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"person", "airplane", "toothbrush"}));
  const Sample* one = by_id(ds, "10");
  ASSERT_NE(one, nullptr);
  ASSERT_EQ(one->boxes.size(), 2u);
  EXPECT_EQ(one->boxes[0].cls, 2);
  EXPECT_FLOAT_EQ(one->boxes[0].x1, 30);
  EXPECT_FLOAT_EQ(one->boxes[0].y1, 25);
  EXPECT_FALSE(one->boxes[0].crowd);
  EXPECT_EQ(one->boxes[1].cls, 0);
  EXPECT_TRUE(one->boxes[1].crowd);
  // two.jpg: PNG content, JSON size 0 -> image size 60x80; box [5,5,105,25] clipped to 60.
  const Sample* two = by_id(ds, "20");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->width, 60);
  EXPECT_EQ(two->height, 80);
  ASSERT_EQ(two->boxes.size(), 1u);
  EXPECT_FLOAT_EQ(two->boxes[0].x1, 60);
  EXPECT_EQ(count_kind(ds, "box_clipped"), 1u);
  // Missing image file, malformed bbox, annotation of an unknown image id.
  EXPECT_EQ(by_id(ds, "30"), nullptr);
  EXPECT_EQ(by_id(ds, "40"), nullptr);
  EXPECT_EQ(count_kind(ds, "missing_image", "missing.jpg"), 1u);
  EXPECT_EQ(count_kind(ds, "malformed_annotation"), 1u);
  EXPECT_EQ(count_kind(ds, "orphan_annotation"), 1u);
  EXPECT_EQ(ds.skipped, 3u);
}

TEST(CocoReader, UnknownCategoryAndBrokenJson) {
  const auto dir = fixtures() / "coco_defects";
  const std::string unknown = "coco:" + (dir / "unknown_category.json").string() + "@" +
                              (dir / "images").string();
  EXPECT_THROW(load_dataset(unknown), std::runtime_error);
  LoadOptions o;
  o.classes = {"person"};
  EXPECT_EQ(load_dataset(unknown, o).num_boxes(), 1u);
  try {
    load_dataset("coco:" + (dir / "truncated.json").string() + "@" + (dir / "images").string());
    FAIL() << "broken JSON must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated.json"), std::string::npos) << e.what();
  }
}

TEST(LoadDataset, BadSpecsAndMissingData) {
  EXPECT_THROW(load_dataset("nonsense"), std::invalid_argument);
  EXPECT_THROW(load_dataset("voc:"), std::invalid_argument);
  EXPECT_THROW(load_dataset("synthetic:abc"), std::invalid_argument);
  EXPECT_THROW(load_dataset("voc:/definitely/not/here"), std::runtime_error);
  LoadOptions o;
  o.data_dir = "/definitely/not/here";
  // A named dataset that is nowhere: the message names where it looked and how to get it.
  try {
    load_dataset("coco-val2017", o);
    FAIL() << "missing named dataset must throw";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("/definitely/not/here"), std::string::npos) << msg;
    EXPECT_NE(msg.find("fetch-datasets.sh"), std::string::npos) << msg;
  }
}
