// Derived splits (deterministic, seeded) and the --classes filter.
#include <gtest/gtest.h>

#include <set>

#include "fixture_paths.h"
#include "tinydet/datasets/dataset.h"

using namespace tinydet::data;

namespace {
Dataset synthetic(uint64_t split_seed, double val = 0.2, double test = 0.2) {
  LoadOptions o;
  o.cache_dir = (std::filesystem::path(TINYDET_BINARY_DIR) / "test-scratch" / "datasets" / "split-cache").string();
  o.seed = split_seed;
  o.val_fraction = val;
  o.test_fraction = test;
  return load_dataset("synthetic:50@1", o);
}
std::vector<std::string> ids(const Dataset& ds, const std::vector<size_t>& idx) {
  std::vector<std::string> out;
  for (size_t i : idx) out.push_back(ds.samples[i].id);
  return out;
}
}  // namespace

TEST(Split, DerivedSplitIsDeterministicAndSeeded) {
  const Dataset a = synthetic(3), b = synthetic(3), c = synthetic(4);
  EXPECT_FALSE(a.split_from_data);
  EXPECT_EQ(a.train.size(), 30u);
  EXPECT_EQ(a.val.size(), 10u);
  EXPECT_EQ(a.test.size(), 10u);
  EXPECT_EQ(ids(a, a.val), ids(b, b.val));
  EXPECT_EQ(ids(a, a.test), ids(b, b.test));
  EXPECT_NE(ids(a, a.val), ids(c, c.val));
  // Disjoint and complete.
  std::set<size_t> all(a.train.begin(), a.train.end());
  all.insert(a.val.begin(), a.val.end());
  all.insert(a.test.begin(), a.test.end());
  EXPECT_EQ(all.size(), a.samples.size());
  // The seed is part of the dataset but not of the content fingerprint's image set.
  EXPECT_EQ(a.seed, 3u);
}

TEST(Split, FractionsAreValidated) {
  EXPECT_THROW(synthetic(0, 0.6, 0.5), std::invalid_argument);
  const Dataset no_holdout = synthetic(0, 0.0, 0.0);
  EXPECT_EQ(no_holdout.train.size(), 50u);
}

TEST(Split, DataSplitFoldersWin) {
  const Dataset ds = load_dataset("voc:" + (tinydet::data::testing::fixtures() / "voc_defects").string());
  EXPECT_TRUE(ds.split_from_data);
  EXPECT_EQ(ds.test.size(), 1u);      // from test/
  EXPECT_EQ(ds.val.size(), 2u);       // 20% of the 9 train-folder images, rounded
  EXPECT_EQ(ds.train.size(), 7u);
}

TEST(ClassFilter, KeepsAndRemapsInFilterOrder) {
  LoadOptions o;
  o.cache_dir = (std::filesystem::path(TINYDET_BINARY_DIR) / "test-scratch" / "datasets" / "split-cache").string();
  const Dataset all = load_dataset("synthetic:50@1", o);
  o.classes = {"triangle", "circle"};
  const Dataset some = load_dataset("synthetic:50@1", o);
  EXPECT_EQ(some.classes, (std::vector<std::string>{"triangle", "circle"}));
  ASSERT_EQ(all.samples.size(), some.samples.size());  // images stay (as backgrounds if need be)
  size_t kept = 0, expected = 0;
  for (size_t i = 0; i < all.samples.size(); ++i) {
    std::vector<int> want;
    for (const auto& b : all.samples[i].boxes)
      if (b.cls == 2) want.push_back(0);
      else if (b.cls == 0) want.push_back(1);
    std::vector<int> got;
    for (const auto& b : some.samples[i].boxes) got.push_back(b.cls);
    EXPECT_EQ(got, want) << "sample " << i;
    kept += got.size();
    expected += want.size();
  }
  EXPECT_EQ(kept, expected);
  EXPECT_LT(kept, all.num_boxes());
  EXPECT_NE(all.fingerprint, some.fingerprint);
  o.classes = {"hexagon"};
  EXPECT_THROW(load_dataset("synthetic:50@1", o), std::invalid_argument);
  o.classes = {"circle", "circle"};
  EXPECT_THROW(load_dataset("synthetic:50@1", o), std::invalid_argument);
}
