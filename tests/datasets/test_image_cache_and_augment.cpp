// Resize transforms, the image cache (decode once) and augmentation box consistency.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "fixture_paths.h"
#include "tinydet/datasets/augment.h"
#include "tinydet/datasets/dataset.h"
#include "tinydet/datasets/image_cache.h"
#include "tinydet/datasets/synthetic.h"

using namespace tinydet::data;
using tinydet::Box;
using tinydet::ResizeMode;

namespace {
Dataset small_synthetic() {
  LoadOptions o;
  o.cache_dir = (std::filesystem::path(TINYDET_BINARY_DIR) / "test-scratch" / "datasets" / "split-cache").string();
  return load_dataset("synthetic:50@1", o);
}
}  // namespace

TEST(ResizeTransform, StretchAndLetterboxRoundTrip) {
  const ResizeTransform s = make_resize_transform(200, 100, 96, 96, ResizeMode::Stretch);
  EXPECT_FLOAT_EQ(s.scale_x, 0.48f);
  EXPECT_FLOAT_EQ(s.scale_y, 0.96f);
  const ResizeTransform l = make_resize_transform(200, 100, 96, 96, ResizeMode::Letterbox);
  EXPECT_FLOAT_EQ(l.scale_x, 0.48f);
  EXPECT_FLOAT_EQ(l.scale_y, 0.48f);
  EXPECT_FLOAT_EQ(l.offset_x, 0.f);
  EXPECT_FLOAT_EQ(l.offset_y, 24.f);
  Box b;
  b.x0 = 50; b.y0 = 25; b.x1 = 150; b.y1 = 75;
  for (const auto& t : {s, l}) {
    const Box back = t.to_image(t.to_network(b));
    EXPECT_NEAR(back.x0, b.x0, 1e-3);
    EXPECT_NEAR(back.y1, b.y1, 1e-3);
  }
  const Box n = l.to_network(b);
  EXPECT_FLOAT_EQ(n.x0, 24.f);
  EXPECT_FLOAT_EQ(n.y0, 36.f);
  tinydet::Detection d;
  d.x0 = n.x0; d.y0 = n.y0; d.x1 = n.x1; d.y1 = n.y1; d.cx = 48; d.cy = 48;
  const tinydet::Detection di = l.to_image(d);
  EXPECT_NEAR(di.cx, 100.f, 1e-3);
  EXPECT_NEAR(di.cy, 50.f, 1e-3);
  EXPECT_THROW(make_resize_transform(0, 10, 10, 10, ResizeMode::Stretch), std::invalid_argument);
}

TEST(ImageCache, DecodesEachImageOnceAndPadsLetterbox) {
  const Dataset ds = load_dataset("voc:" + (tinydet::data::testing::fixtures() / "voc_defects").string());
  ImageCache cache(ds);
  std::vector<size_t> all(ds.samples.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  cache.prefetch(all, 32, 32, ResizeMode::Letterbox);
  EXPECT_EQ(cache.decodes(), ds.samples.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const NetworkImage img = cache.get(i, 32, 32, ResizeMode::Letterbox);
    EXPECT_EQ(img.rgb.cols, 32);
    EXPECT_EQ(img.rgb.rows, 32);
    EXPECT_EQ(img.rgb.type(), CV_8UC3);
    EXPECT_EQ(img.transform.src_w, ds.samples[i].width);
  }
  EXPECT_EQ(cache.decodes(), ds.samples.size());  // all hits
  (void)cache.get(0, 16, 16, ResizeMode::Stretch);
  EXPECT_EQ(cache.decodes(), ds.samples.size() + 1);  // a new size is a new entry
  // 64x48 letterboxed to 32x32: 32x24 image, 4 rows of padding on top.
  long good = -1;
  for (size_t i = 0; i < ds.samples.size(); ++i)
    if (ds.samples[i].id == "good") good = long(i);
  ASSERT_GE(good, 0);
  const NetworkImage g = cache.get(size_t(good), 32, 32, ResizeMode::Letterbox);
  EXPECT_FLOAT_EQ(g.transform.offset_y, 4.f);
  EXPECT_EQ(g.rgb.at<cv::Vec3b>(0, 16), cv::Vec3b(kLetterboxPad, kLetterboxPad, kLetterboxPad));
  EXPECT_NE(g.rgb.at<cv::Vec3b>(16, 16), cv::Vec3b(kLetterboxPad, kLetterboxPad, kLetterboxPad));
  EXPECT_GT(cache.bytes(), 0u);
  EXPECT_THROW(cache.get(ds.samples.size(), 8, 8, ResizeMode::Stretch), std::out_of_range);
}

TEST(Augment, FlipMapsBoxesAndPixels) {
  // An asymmetric image: a white block at the left.
  cv::Mat img(40, 80, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(10, 10, 20, 20)).setTo(cv::Scalar(255, 255, 255));
  Box b;
  b.x0 = 10; b.y0 = 10; b.x1 = 30; b.y1 = 30; b.cls = 1;
  AugmentOptions o;
  o.out_w = 80; o.out_h = 40;
  o.scale_min = o.scale_max = 1.f;
  o.hue_shift = o.saturation_gain = o.value_gain = 0.f;
  o.flip_probability = 1.f;
  const AugmentedSample a = augment(img, {b}, o, 1);
  EXPECT_TRUE(a.flipped);
  ASSERT_EQ(a.boxes.size(), 1u);
  EXPECT_NEAR(a.boxes[0].x0, 50.f, 1e-4);
  EXPECT_NEAR(a.boxes[0].x1, 70.f, 1e-4);
  EXPECT_NEAR(a.boxes[0].y0, 10.f, 1e-4);
  EXPECT_EQ(a.boxes[0].cls, 1);
  EXPECT_EQ(a.rgb.at<cv::Vec3b>(20, 60), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(a.rgb.at<cv::Vec3b>(20, 20), cv::Vec3b(0, 0, 0));
  // Exact pixel flip: same as cv::flip.
  cv::Mat flipped;
  cv::flip(img, flipped, 1);
  EXPECT_EQ(cv::norm(a.rgb, flipped, cv::NORM_INF), 0.0);
  o.flip_probability = 0.f;
  const AugmentedSample n = augment(img, {b}, o, 1);
  EXPECT_EQ(cv::norm(n.rgb, img, cv::NORM_INF), 0.0);
  EXPECT_NEAR(n.boxes[0].x0, 10.f, 1e-4);
}

TEST(Augment, SeededReproducibleAndBoxesFollowObjects) {
  const Dataset ds = small_synthetic();
  ImageCache cache(ds);
  AugmentOptions o;
  o.out_w = 96; o.out_h = 96;
  o.mode = ResizeMode::Letterbox;
  size_t checked = 0;
  for (size_t i = 0; i < 12; ++i) {
    const AugmentedSample a = augment_sample(cache, i, o, 1000 + i);
    const AugmentedSample b = augment_sample(cache, i, o, 1000 + i);
    EXPECT_EQ(cv::norm(a.rgb, b.rgb, cv::NORM_INF), 0.0);
    ASSERT_EQ(a.boxes.size(), b.boxes.size());
    EXPECT_EQ(a.rgb.cols, 96);
    for (const Box& bx : a.boxes) {
      EXPECT_GE(bx.x0, 0.f);
      EXPECT_LE(bx.x1, 96.f);
      EXPECT_GE(bx.y0, 0.f);
      EXPECT_LE(bx.y1, 96.f);
      EXPECT_GT(bx.area(), 0.f);
    }
  }
  // Geometry check without colour jitter: render the instance map through the same
  // augmentation (nearest colours survive) and compare boxes with the pixels.
  AugmentOptions g = o;
  g.hue_shift = g.saturation_gain = g.value_gain = 0.f;
  g.min_visible_fraction = 0.99f;  // only boxes fully inside
  for (int i = 0; i < 10; ++i) {
    const SyntheticScene s = render_synthetic_scene(99, i);
    cv::Mat ids8(s.instances.size(), CV_8UC3, cv::Scalar::all(0));
    for (size_t k = 0; k < s.boxes.size(); ++k) ids8.setTo(cv::Scalar::all(255), s.instances == int(k + 1));
    const AugmentedSample a = augment(ids8, s.boxes, g, uint64_t(i));
    for (const Box& bx : a.boxes) {
      // The box region holds object pixels; a 3-pixel ring outside it does not hold many.
      const cv::Rect inner(int(bx.x0 + 1), int(bx.y0 + 1), std::max(1, int(bx.width() - 2)),
                           std::max(1, int(bx.height() - 2)));
      const cv::Rect frame(0, 0, a.rgb.cols, a.rgb.rows);
      const double inside = cv::mean(a.rgb(inner & frame))[0];
      EXPECT_GT(inside, 60.0) << "scene " << i;
      ++checked;
    }
  }
  EXPECT_GT(checked, 5u);
}

TEST(Augment, BoxesMostlyCutAwayAreDropped) {
  cv::Mat img(100, 100, CV_8UC3, cv::Scalar::all(50));
  Box edge;  // at the far right: a 2x zoom-in crop anchored left cannot keep it
  edge.x0 = 90; edge.y0 = 40; edge.x1 = 100; edge.y1 = 60;
  AugmentOptions o;
  o.out_w = o.out_h = 100;
  o.scale_min = o.scale_max = 2.f;
  o.flip_probability = 0;
  size_t kept = 0, runs = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const AugmentedSample a = augment(img, {edge}, o, seed);
    ++runs;
    kept += a.boxes.size();
    for (const Box& b : a.boxes) EXPECT_GE(b.area(), 0.35f * 20 * 40 - 1e-3);
  }
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, runs);
}

TEST(ImageCache, WithSourceCopyASweepDecodesEachImageOnce) {
  const Dataset ds = load_dataset("voc:" + (tinydet::data::testing::fixtures() / "voc_defects").string());
  ImageCache cache(ds, 128);
  AugmentOptions o;
  o.out_w = o.out_h = 24;
  for (int side : {16, 24, 32, 48}) {
    for (size_t i = 0; i < ds.samples.size(); ++i) {
      const NetworkImage n = cache.get(i, side, side, ResizeMode::Stretch);
      EXPECT_EQ(n.rgb.cols, side);
      (void)cache.get(i, side, side, ResizeMode::Letterbox);
    }
  }
  for (size_t i = 0; i < ds.samples.size(); ++i) (void)augment_sample(cache, i, o, i);
  EXPECT_EQ(cache.decodes(), ds.samples.size());
  // Close to a direct decode (which may use the JPEG decoder's own downscaling instead).
  ImageCache direct(ds);
  for (size_t i = 0; i < ds.samples.size(); ++i) {
    const NetworkImage a = cache.get(i, 32, 32, ResizeMode::Letterbox);
    const NetworkImage b = direct.get(i, 32, 32, ResizeMode::Letterbox);
    EXPECT_EQ(a.transform.offset_y, b.transform.offset_y);
    EXPECT_LT(cv::norm(a.rgb, b.rgb, cv::NORM_L1) / double(a.rgb.total() * 3), 4.0) << i;
  }
}
