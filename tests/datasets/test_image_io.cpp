// Image header parsing and decoding: format sniffing, odd colour types, trailing bytes,
// truncated and non-image files.
#include <gtest/gtest.h>

#include <fstream>

#include "fixture_paths.h"
#include "tinydet/datasets/image_io.h"

using namespace tinydet::data;
using tinydet::data::testing::fixtures;

namespace {
std::string voc(const std::string& name) { return (fixtures() / "voc_defects" / "train" / name).string(); }
}  // namespace

TEST(ImageHeader, JpegSizeFromHeader) {
  const ImageHeader h = read_image_header(voc("good.jpg"));
  ASSERT_TRUE(h.ok()) << h.error;
  EXPECT_EQ(h.format, ImageFormat::Jpeg);
  EXPECT_EQ(h.width, 64);
  EXPECT_EQ(h.height, 48);
  EXPECT_EQ(h.trailing_bytes, 0u);
}

TEST(ImageHeader, PngNamedJpgIsSniffedFromContent) {
  const ImageHeader h = read_image_header(voc("png_named_jpg.jpg"));
  ASSERT_TRUE(h.ok()) << h.error;
  EXPECT_EQ(h.format, ImageFormat::Png);
  EXPECT_EQ(h.width, 40);
  EXPECT_EQ(h.height, 30);
}

TEST(ImageHeader, TrailingBytesAreCountedAndIgnored) {
  const ImageHeader h = read_image_header(voc("trailing.jpg"));
  ASSERT_TRUE(h.ok()) << h.error;
  EXPECT_EQ(h.trailing_bytes, 300u + 9u);
  const cv::Mat rgb = load_image_rgb(voc("trailing.jpg"));
  EXPECT_EQ(rgb.cols, 64);
  EXPECT_EQ(rgb.rows, 48);
}

TEST(ImageHeader, TruncatedJpegIsAnError) {
  const ImageHeader h = read_image_header(voc("truncated.jpg"));
  EXPECT_FALSE(h.ok());
  EXPECT_NE(h.error.find("truncated"), std::string::npos) << h.error;
  EXPECT_THROW(load_image_rgb(voc("truncated.jpg")), std::runtime_error);
}

TEST(ImageHeader, NonImageAndMissingFilesAreErrorsNotCrashes) {
  EXPECT_FALSE(read_image_header(voc("notimage.jpg")).ok());
  EXPECT_FALSE(read_image_header(voc("does-not-exist.jpg")).ok());
  EXPECT_FALSE(parse_image_header({}).ok());
  const uint8_t just_signature[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
  EXPECT_FALSE(parse_image_header(just_signature).ok());
  const uint8_t jpeg_start[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00};
  EXPECT_FALSE(parse_image_header(jpeg_start).ok());
  try {
    load_image_rgb(voc("notimage.jpg"));
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("notimage.jpg"), std::string::npos) << e.what();
  }
}

TEST(ImageDecode, GrayRgbaPaletteBecomeThreeChannelRgb) {
  for (const char* name : {"gray.png", "rgba.png", "palette.png", "png_named_jpg.jpg", "good.jpg"}) {
    const cv::Mat rgb = load_image_rgb(voc(name));
    EXPECT_EQ(rgb.type(), CV_8UC3) << name;
    EXPECT_TRUE(rgb.isContinuous()) << name;
  }
  // RGBA: transparent pixels composited over white; the opaque square is blue (RGB order).
  const cv::Mat rgba = load_image_rgb(voc("rgba.png"));
  EXPECT_EQ(rgba.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(rgba.at<cv::Vec3b>(16, 16), cv::Vec3b(0, 0, 255));
  // Palette: index 1 = (60, 220, 20) inside the centre rectangle, index 0 = (200, 120, 40).
  const cv::Mat pal = load_image_rgb(voc("palette.png"));
  EXPECT_EQ(pal.cols, 24);
  EXPECT_EQ(pal.rows, 20);
  EXPECT_EQ(pal.at<cv::Vec3b>(10, 12), cv::Vec3b(60, 220, 20));
  EXPECT_EQ(pal.at<cv::Vec3b>(0, 0), cv::Vec3b(200, 120, 40));
}

TEST(ImageDecode, ReducedJpegDecodeIsSmaller) {
  const cv::Mat full = load_image_rgb(voc("good.jpg"), 1);
  const cv::Mat half = load_image_rgb(voc("good.jpg"), 2);
  EXPECT_EQ(full.cols, 64);
  EXPECT_EQ(half.cols, 32);
  EXPECT_EQ(half.rows, 24);
}

TEST(ImageDecode, AbsurdHeaderSizeIsAnErrorNotACrash) {
  // A PNG whose IHDR claims 60000x60000 but holds no real pixel data (bad CRCs too).
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A,
                              0, 0, 0, 13, 'I', 'H', 'D', 'R',
                              0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 2, 0, 0, 0, 0, 0, 0, 0,
                              0, 0, 0, 2, 'I', 'D', 'A', 'T', 0x78, 0x9C, 0, 0, 0, 0,
                              0, 0, 0, 0, 'I', 'E', 'N', 'D', 0, 0, 0, 0};
  const ImageHeader h = parse_image_header(png);
  ASSERT_TRUE(h.ok()) << h.error;  // the header itself is well-formed
  EXPECT_EQ(h.width, 60000);
  const auto path = tinydet::data::testing::scratch_dir("absurd") / "huge.png";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(png.data()), long(png.size()));
  try {
    load_image_rgb(path.string());
    FAIL() << "decoding must fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("huge.png"), std::string::npos) << e.what();
  }
}
