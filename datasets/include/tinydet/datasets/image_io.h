// Image files: format sniffing from content, cheap size reading from headers, and decoding
// to 8-bit RGB.
//
// The file extension is never trusted: a PNG named .jpg is read as PNG. Bytes after the end
// of the image (after PNG IEND / JPEG EOI) are ignored. Grayscale, RGBA (composited over
// white), palette and 16-bit images all come out as 3-channel 8-bit RGB.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace tinydet::data {

struct Sample;

enum class ImageFormat : uint8_t { Unknown = 0, Png, Jpeg, Bmp, Gif, Webp };
const char* image_format_name(ImageFormat f);

/// What the header says. `error` is empty when the header is valid.
struct ImageHeader {
  ImageFormat format = ImageFormat::Unknown;
  int width = 0, height = 0;
  int channels = 0;        // as stored (1 gray, 3 colour, 4 CMYK/RGBA; 0 unknown)
  size_t file_bytes = 0;
  size_t trailing_bytes = 0;  // bytes after the image's end marker (ignored when decoding)
  std::string error;          // why the file is not a usable image ("" = fine)
  bool ok() const { return error.empty(); }
};

ImageFormat sniff_image_format(std::span<const uint8_t> bytes);

/// Parses width/height from the header of an in-memory file. Never throws; problems go to
/// ImageHeader::error (truncated header, no end marker, zero size, unknown format...).
ImageHeader parse_image_header(std::span<const uint8_t> bytes);
/// Reads the file and parses its header. Never throws (a missing file sets `error`).
ImageHeader read_image_header(const std::string& path);

std::vector<uint8_t> read_file_bytes(const std::string& path);  // throws runtime_error

/// Decodes a file to 8-bit RGB (HxWx3, continuous). `reduce` in {1,2,4,8} asks the JPEG
/// decoder for a 1/reduce scaled image (much faster for big photos; ignored for other
/// formats, which are decoded full size). Throws std::runtime_error naming the file.
cv::Mat load_image_rgb(const std::string& path, int reduce = 1);
/// Decodes the sample's image; checks the decoded size against the sample's header size.
cv::Mat load_image_rgb(const Sample& sample);

/// Writes an 8-bit RGB image (HxWx3) as a PNG file. Throws std::runtime_error naming the
/// file when it cannot be written.
void write_png_rgb(const cv::Mat& rgb, const std::string& path);

}  // namespace tinydet::data
