// Image header parsing (PNG, JPEG, BMP, WebP) and decoding to RGB.
#include "tinydet/datasets/image_io.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tinydet/datasets/dataset.h"

namespace tinydet::data {
namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
uint16_t be16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

// Walks the PNG chunk list: IHDR gives the size, IEND the end of the image.
void parse_png(std::span<const uint8_t> b, ImageHeader& h) {
  size_t pos = 8;
  bool have_ihdr = false;
  while (true) {
    if (pos + 8 > b.size()) {
      h.error = have_ihdr ? "truncated PNG (no IEND chunk)" : "truncated PNG header";
      return;
    }
    const uint32_t len = be32(&b[pos]);
    const char* type = reinterpret_cast<const char*>(&b[pos + 4]);
    if (len > 0x7fffffffu || pos + 12 + size_t(len) > b.size()) {
      h.error = have_ihdr ? "truncated PNG (chunk runs past end of file)"
                          : "truncated PNG header";
      return;
    }
    if (!have_ihdr) {
      if (std::memcmp(type, "IHDR", 4) != 0 || len < 13) {
        h.error = "PNG does not start with an IHDR chunk";
        return;
      }
      const uint8_t* d = &b[pos + 8];
      h.width = int(std::min<uint32_t>(be32(d), 0x7fffffff));
      h.height = int(std::min<uint32_t>(be32(d + 4), 0x7fffffff));
      const uint8_t colour_type = d[9];
      h.channels = colour_type == 0 ? 1 : colour_type == 2 ? 3 : colour_type == 3 ? 3
                   : colour_type == 4 ? 2 : colour_type == 6 ? 4 : 0;
      if (h.channels == 0) {
        h.error = "PNG has an invalid colour type " + std::to_string(colour_type);
        return;
      }
      have_ihdr = true;
    }
    pos += 12 + size_t(len);
    if (std::memcmp(type, "IEND", 4) == 0) {
      h.trailing_bytes = b.size() - pos;
      return;
    }
  }
}

bool is_jpeg_sof(uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Walks JPEG segments: SOFn gives the size; entropy-coded data is scanned for the EOI marker
// (byte stuffing FF00 and restart markers skipped), so truncated files are recognised.
void parse_jpeg(std::span<const uint8_t> b, ImageHeader& h) {
  size_t pos = 2;
  bool have_sof = false;
  const size_t n = b.size();
  while (true) {
    // Find the next marker (skip fill bytes 0xFF).
    if (pos >= n || b[pos] != 0xFF) {
      h.error = pos >= n ? (have_sof ? "truncated JPEG (no end-of-image marker)"
                                     : "truncated JPEG header")
                         : "corrupt JPEG (expected a marker at byte " + std::to_string(pos) + ")";
      return;
    }
    while (pos < n && b[pos] == 0xFF) ++pos;
    if (pos >= n) {
      h.error = "truncated JPEG (no end-of-image marker)";
      return;
    }
    const uint8_t marker = b[pos++];
    if (marker == 0xD9) {  // EOI
      if (!have_sof) {
        h.error = "JPEG ends before a frame header";
        return;
      }
      h.trailing_bytes = n - pos;
      return;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length
    if (pos + 2 > n) {
      h.error = "truncated JPEG header";
      return;
    }
    const size_t len = be16(&b[pos]);
    if (len < 2 || pos + len > n) {
      h.error = have_sof ? "truncated JPEG (segment runs past end of file)"
                         : "truncated JPEG header";
      return;
    }
    if (is_jpeg_sof(marker)) {
      if (len < 8) {
        h.error = "corrupt JPEG frame header";
        return;
      }
      h.height = be16(&b[pos + 3]);
      h.width = be16(&b[pos + 5]);
      h.channels = b[pos + 7];
      have_sof = true;
    }
    pos += len;
    if (marker == 0xDA) {  // SOS: entropy-coded data follows until the next real marker
      if (!have_sof) {
        h.error = "corrupt JPEG (scan before frame header)";
        return;
      }
      while (true) {
        const void* ff = std::memchr(&b[pos], 0xFF, n - pos);
        if (ff == nullptr) {
          h.error = "truncated JPEG (no end-of-image marker)";
          return;
        }
        pos = size_t(static_cast<const uint8_t*>(ff) - b.data());
        if (pos + 1 >= n) {
          h.error = "truncated JPEG (no end-of-image marker)";
          return;
        }
        const uint8_t next = b[pos + 1];
        if (next == 0x00 || next == 0xFF || (next >= 0xD0 && next <= 0xD7)) {
          pos += (next == 0xFF) ? 1 : 2;
          continue;
        }
        break;  // a real marker: back to the segment loop
      }
    }
  }
}

void parse_bmp(std::span<const uint8_t> b, ImageHeader& h) {
  if (b.size() < 26) {
    h.error = "truncated BMP header";
    return;
  }
  const uint32_t header_size = le32(&b[14]);
  if (header_size == 12) {
    h.width = le16(&b[18]);
    h.height = le16(&b[20]);
  } else {
    const int32_t w = int32_t(le32(&b[18]));
    const int32_t hh = int32_t(le32(&b[22]));
    h.width = w;
    h.height = hh < 0 ? -hh : hh;
  }
  h.channels = 3;
  const uint32_t declared = le32(&b[2]);
  if (declared > b.size()) h.error = "truncated BMP (file shorter than its header says)";
}

void parse_webp(std::span<const uint8_t> b, ImageHeader& h) {
  if (b.size() < 30) {
    h.error = "truncated WebP header";
    return;
  }
  const uint8_t* c = &b[12];
  if (std::memcmp(c, "VP8 ", 4) == 0) {
    h.width = le16(&b[26]) & 0x3FFF;
    h.height = le16(&b[28]) & 0x3FFF;
  } else if (std::memcmp(c, "VP8L", 4) == 0) {
    const uint32_t v = le32(&b[21]);
    h.width = int(v & 0x3FFF) + 1;
    h.height = int((v >> 14) & 0x3FFF) + 1;
  } else if (std::memcmp(c, "VP8X", 4) == 0) {
    h.width = int(b[24] | (b[25] << 8) | (b[26] << 16)) + 1;
    h.height = int(b[27] | (b[28] << 8) | (b[29] << 16)) + 1;
  } else {
    h.error = "unknown WebP chunk";
    return;
  }
  h.channels = 3;
  const size_t riff = size_t(le32(&b[4])) + 8;
  if (riff > b.size()) h.error = "truncated WebP (file shorter than its RIFF size)";
  else h.trailing_bytes = b.size() - riff;
}

}  // namespace

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::Png: return "png";
    case ImageFormat::Jpeg: return "jpeg";
    case ImageFormat::Bmp: return "bmp";
    case ImageFormat::Gif: return "gif";
    case ImageFormat::Webp: return "webp";
    default: return "unknown";
  }
}

ImageFormat sniff_image_format(std::span<const uint8_t> b) {
  if (b.size() >= 8 && std::memcmp(b.data(), kPngSignature, 8) == 0) return ImageFormat::Png;
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return ImageFormat::Jpeg;
  if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') return ImageFormat::Bmp;
  if (b.size() >= 6 && (std::memcmp(b.data(), "GIF87a", 6) == 0 ||
                        std::memcmp(b.data(), "GIF89a", 6) == 0))
    return ImageFormat::Gif;
  if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 &&
      std::memcmp(b.data() + 8, "WEBP", 4) == 0)
    return ImageFormat::Webp;
  return ImageFormat::Unknown;
}

ImageHeader parse_image_header(std::span<const uint8_t> bytes) {
  ImageHeader h;
  h.file_bytes = bytes.size();
  h.format = sniff_image_format(bytes);
  if (bytes.empty()) {
    h.error = "empty file";
    return h;
  }
  switch (h.format) {
    case ImageFormat::Png: parse_png(bytes, h); break;
    case ImageFormat::Jpeg: parse_jpeg(bytes, h); break;
    case ImageFormat::Bmp: parse_bmp(bytes, h); break;
    case ImageFormat::Webp: parse_webp(bytes, h); break;
    case ImageFormat::Gif:
      h.error = "GIF images are not supported by the decoder";
      if (bytes.size() >= 10) {
        h.width = le16(&bytes[6]);
        h.height = le16(&bytes[8]);
      }
      break;
    default: h.error = "not a recognised image format (content is neither PNG, JPEG, BMP nor WebP)";
  }
  if (h.ok() && (h.width <= 0 || h.height <= 0))
    h.error = "image header gives a zero size (" + std::to_string(h.width) + "x" +
              std::to_string(h.height) + ")";
  return h;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open file '" + path + "'");
  const std::streamoff size = in.tellg();
  if (size < 0) throw std::runtime_error("cannot read size of file '" + path + "'");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw std::runtime_error("cannot read file '" + path + "'");
  return bytes;
}

ImageHeader read_image_header(const std::string& path) {
  try {
    return parse_image_header(read_file_bytes(path));
  } catch (const std::exception& e) {
    ImageHeader h;
    h.error = e.what();
    return h;
  }
}

cv::Mat load_image_rgb(const std::string& path, int reduce) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const ImageHeader header = parse_image_header(bytes);
  if (!header.ok())
    throw std::runtime_error("image '" + path + "': " + header.error);
  const cv::Mat raw(1, int(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
  cv::Mat decoded;
  try {
    if (header.format == ImageFormat::Jpeg) {
      int flags = cv::IMREAD_COLOR;
      if (reduce >= 8) flags = cv::IMREAD_REDUCED_COLOR_8;
      else if (reduce >= 4) flags = cv::IMREAD_REDUCED_COLOR_4;
      else if (reduce >= 2) flags = cv::IMREAD_REDUCED_COLOR_2;
      decoded = cv::imdecode(raw, flags | cv::IMREAD_IGNORE_ORIENTATION);
    } else {
      decoded = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
    }
  } catch (const cv::Exception& e) {  // e.g. a header claiming an absurd size
    throw std::runtime_error("image '" + path + "': the decoder failed: " + e.what());
  }
  if (decoded.empty())
    throw std::runtime_error("image '" + path + "': the decoder could not decode the " +
                             std::string(image_format_name(header.format)) + " data");
  if (decoded.depth() == CV_16U) decoded.convertTo(decoded, CV_8U, 1.0 / 257.0);
  else if (decoded.depth() != CV_8U) decoded.convertTo(decoded, CV_8U);
  cv::Mat rgb;
  switch (decoded.channels()) {
    case 1: cv::cvtColor(decoded, rgb, cv::COLOR_GRAY2RGB); break;
    case 3: cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB); break;
    case 4: {
      // Transparent pixels carry arbitrary colour: composite over white.
      rgb.create(decoded.rows, decoded.cols, CV_8UC3);
      for (int y = 0; y < decoded.rows; ++y) {
        const uint8_t* s = decoded.ptr<uint8_t>(y);
        uint8_t* d = rgb.ptr<uint8_t>(y);
        for (int x = 0; x < decoded.cols; ++x, s += 4, d += 3) {
          const int a = s[3];
          for (int c = 0; c < 3; ++c)
            d[c] = uint8_t((s[2 - c] * a + 255 * (255 - a) + 127) / 255);
        }
      }
      break;
    }
    default:
      throw std::runtime_error("image '" + path + "': unsupported channel count " +
                               std::to_string(decoded.channels()));
  }
  return rgb;
}

cv::Mat load_image_rgb(const Sample& sample) {
  cv::Mat rgb = load_image_rgb(sample.image_path, 1);
  if (rgb.cols != sample.width || rgb.rows != sample.height)
    throw std::runtime_error("image '" + sample.image_path + "': decoded size " +
                             std::to_string(rgb.cols) + "x" + std::to_string(rgb.rows) +
                             " differs from the header size " + std::to_string(sample.width) +
                             "x" + std::to_string(sample.height));
  return rgb;
}

void write_png_rgb(const cv::Mat& rgb, const std::string& path) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  bool ok = false;
  try {
    ok = cv::imwrite(path, bgr);
  } catch (const cv::Exception& e) {
    throw std::runtime_error("cannot write '" + path + "': " + e.what());
  }
  if (!ok) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace tinydet::data
