// The .tdm model file: header, serialised Graph payload, CRC-32 (see model_file.h).
//
// Payload layout (version 1), all integers little-endian, floats as their IEEE-754 bits
// (so a round trip is bit-identical), strings and vectors as a uint32 count followed by
// the elements:
//   tensors: [name, h, w, c, producer, scale, zero_point]
//   ops: [type, name, inputs, output, kernel_h, kernel_w, stride_h, stride_w, pad(t,l,b,r),
//         groups, out_channels, act, leaky_alpha, resize_scale, reshape_to(h,w,c),
//         dropout_p, bn_eps, weights, bias, bn_gamma, bn_beta, bn_mean, bn_var, qweights,
//         qbias, weight_scales]
//   input, outputs: [name, tensor], quantized (uint8), meta: [key, value]
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include "tinydet/model_file.h"

namespace tinydet {

namespace {

constexpr char kMagic[8] = {'T', 'D', 'M', 'O', 'D', 'E', 'L', '\0'};
constexpr size_t kHeaderBytes = 8 + 4 + 8;
constexpr size_t kTrailerBytes = 4;

uint32_t crc32(const uint8_t* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

class Writer {
 public:
  std::vector<uint8_t> bytes;
  void u8(uint8_t v) { bytes.push_back(v); }
  void u32(uint32_t v) {
    for (int k = 0; k < 4; ++k) bytes.push_back(uint8_t(v >> (8 * k)));
  }
  void u64(uint64_t v) {
    for (int k = 0; k < 8; ++k) bytes.push_back(uint8_t(v >> (8 * k)));
  }
  void i32(int32_t v) { u32(uint32_t(v)); }
  void f32(float v) { u32(std::bit_cast<uint32_t>(v)); }
  void str(const std::string& s) {
    u32(uint32_t(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  template <class T, class F>
  void vec(const std::vector<T>& v, F put) {
    u32(uint32_t(v.size()));
    for (const T& x : v) put(x);
  }
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n, const std::string& path) : p_(p), n_(n), path_(path) {}
  uint8_t u8() { return take(1)[0]; }
  uint32_t u32() {
    const uint8_t* b = take(4);
    return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
  }
  int32_t i32() { return int32_t(u32()); }
  float f32() { return std::bit_cast<float>(u32()); }
  std::string str() {
    const uint32_t len = count(1);
    const uint8_t* b = take(len);
    return std::string(reinterpret_cast<const char*>(b), len);
  }
  /// An element count, checked against the bytes left (each element >= `min_bytes`).
  uint32_t count(size_t min_bytes) {
    const uint32_t c = u32();
    if (size_t(c) * min_bytes > n_ - pos_) fail("a count of " + std::to_string(c) + " overruns the payload");
    return c;
  }
  template <class T, class F>
  std::vector<T> vec(size_t elem_bytes, F get) {
    std::vector<T> v(count(elem_bytes));
    for (auto& x : v) x = get();
    return v;
  }
  bool done() const { return pos_ == n_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("model file '" + path_ + "': malformed payload at byte " +
                             std::to_string(pos_) + ": " + what);
  }

 private:
  const uint8_t* take(size_t k) {
    if (k > n_ - pos_) fail("unexpected end of payload");
    const uint8_t* b = p_ + pos_;
    pos_ += k;
    return b;
  }
  const uint8_t* p_;
  size_t n_, pos_ = 0;
  std::string path_;
};

std::vector<uint8_t> encode(const Graph& g) {
  Writer w;
  auto f32 = [&](float v) { w.f32(v); };
  auto i32 = [&](int32_t v) { w.i32(v); };
  w.vec(g.tensors, [&](const Tensor& t) {
    w.str(t.name);
    w.i32(t.shape.h), w.i32(t.shape.w), w.i32(t.shape.c);
    w.i32(t.producer);
    w.f32(t.quant.scale), w.i32(t.quant.zero_point);
  });
  w.vec(g.ops, [&](const Op& op) {
    w.u8(uint8_t(op.type));
    w.str(op.name);
    w.vec(op.inputs, i32);
    w.i32(op.output);
    w.i32(op.kernel_h), w.i32(op.kernel_w), w.i32(op.stride_h), w.i32(op.stride_w);
    w.i32(op.pad.top), w.i32(op.pad.left), w.i32(op.pad.bottom), w.i32(op.pad.right);
    w.i32(op.groups), w.i32(op.out_channels);
    w.u8(uint8_t(op.act));
    w.f32(op.leaky_alpha);
    w.i32(op.resize_scale);
    w.i32(op.reshape_to.h), w.i32(op.reshape_to.w), w.i32(op.reshape_to.c);
    w.f32(op.dropout_p), w.f32(op.bn_eps);
    for (const auto* v : {&op.weights, &op.bias, &op.bn_gamma, &op.bn_beta, &op.bn_mean, &op.bn_var})
      w.vec(*v, f32);
    w.vec(op.qweights, [&](int8_t v) { w.u8(uint8_t(v)); });
    w.vec(op.qbias, i32);
    w.vec(op.weight_scales, f32);
  });
  w.i32(g.input);
  w.vec(g.outputs, [&](const GraphOutput& o) { w.str(o.name), w.i32(o.tensor); });
  w.u8(g.quantized ? 1 : 0);
  w.u32(uint32_t(g.meta.size()));
  for (const auto& [k, v] : g.meta) w.str(k), w.str(v);
  return w.bytes;
}

Graph decode(const uint8_t* p, size_t n, const std::string& path) {
  Reader r(p, n, path);
  Graph g;
  auto f32 = [&] { return r.f32(); };
  auto i32 = [&] { return r.i32(); };
  g.tensors = r.vec<Tensor>(4, [&] {
    Tensor t;
    t.name = r.str();
    t.shape.h = r.i32(), t.shape.w = r.i32(), t.shape.c = r.i32();
    t.producer = r.i32();
    t.quant.scale = r.f32(), t.quant.zero_point = r.i32();
    return t;
  });
  g.ops = r.vec<Op>(4, [&] {
    Op op;
    const uint8_t type = r.u8();
    if (type > uint8_t(OpType::Dropout)) r.fail("unknown op type " + std::to_string(type));
    op.type = OpType(type);
    op.name = r.str();
    op.inputs = r.vec<int>(4, i32);
    op.output = r.i32();
    op.kernel_h = r.i32(), op.kernel_w = r.i32(), op.stride_h = r.i32(), op.stride_w = r.i32();
    op.pad.top = r.i32(), op.pad.left = r.i32(), op.pad.bottom = r.i32(), op.pad.right = r.i32();
    op.groups = r.i32(), op.out_channels = r.i32();
    const uint8_t act = r.u8();
    if (act > uint8_t(Act::LeakyReLU)) r.fail("unknown activation " + std::to_string(act));
    op.act = Act(act);
    op.leaky_alpha = r.f32();
    op.resize_scale = r.i32();
    op.reshape_to.h = r.i32(), op.reshape_to.w = r.i32(), op.reshape_to.c = r.i32();
    op.dropout_p = r.f32(), op.bn_eps = r.f32();
    for (auto* v : {&op.weights, &op.bias, &op.bn_gamma, &op.bn_beta, &op.bn_mean, &op.bn_var})
      *v = r.vec<float>(4, f32);
    op.qweights = r.vec<int8_t>(1, [&] { return int8_t(r.u8()); });
    op.qbias = r.vec<int32_t>(4, i32);
    op.weight_scales = r.vec<float>(4, f32);
    return op;
  });
  g.input = r.i32();
  g.outputs = r.vec<GraphOutput>(8, [&] {
    GraphOutput o;
    o.name = r.str();
    o.tensor = r.i32();
    return o;
  });
  g.quantized = r.u8() != 0;
  const uint32_t n_meta = r.count(8);
  for (uint32_t k = 0; k < n_meta; ++k) {
    std::string key = r.str();
    g.meta[key] = r.str();
  }
  if (!r.done()) r.fail("trailing bytes after the graph");
  try {
    g.validate();
  } catch (const std::exception& e) {
    throw std::runtime_error("model file '" + path + "': the stored graph is invalid: " + e.what());
  }
  return g;
}

void put_u32(std::vector<uint8_t>& b, uint32_t v) {
  for (int k = 0; k < 4; ++k) b.push_back(uint8_t(v >> (8 * k)));
}
uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int k = 0; k < bytes; ++k) v |= uint64_t(p[k]) << (8 * k);
  return v;
}

}  // namespace

void save_model(const Graph& g, const std::string& path) {
  const std::vector<uint8_t> payload = encode(g);
  std::vector<uint8_t> file(kMagic, kMagic + 8);
  put_u32(file, kModelFormatVersion);
  for (int k = 0; k < 8; ++k) file.push_back(uint8_t(uint64_t(payload.size()) >> (8 * k)));
  file.insert(file.end(), payload.begin(), payload.end());
  put_u32(file, crc32(payload.data(), payload.size()));

  // Write next to the target, then rename: readers see the old file or the new one,
  // never a partial write.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw std::runtime_error("model file '" + path + "': cannot create '" + tmp + "'");
    const bool ok = std::fwrite(file.data(), 1, file.size(), f) == file.size() &&
                    std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    if (std::fclose(f) != 0 || !ok) {
      std::remove(tmp.c_str());
      throw std::runtime_error("model file '" + path + "': write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw std::runtime_error("model file '" + path + "': cannot rename into place: " + ec.message());
  }
}

Graph load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("model file '" + path + "': cannot open");
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto fail = [&](const std::string& what) -> std::runtime_error {
    return std::runtime_error("model file '" + path + "': " + what);
  };
  if (file.size() < 8 || std::memcmp(file.data(), kMagic, 8) != 0)
    throw fail("not a tinydet model (bad magic; expected \"TDMODEL\")");
  if (file.size() < kHeaderBytes)
    throw fail("truncated header (" + std::to_string(file.size()) + " bytes)");
  const uint32_t version = uint32_t(get_le(file.data() + 8, 4));
  if (version > kModelFormatVersion)
    throw fail("format version " + std::to_string(version) + " is newer than this build supports (" +
               std::to_string(kModelFormatVersion) + "); upgrade tinydet");
  if (version == 0) throw fail("invalid format version 0");
  const uint64_t payload_size = get_le(file.data() + 12, 8);
  const uint64_t expected = kHeaderBytes + payload_size + kTrailerBytes;
  if (payload_size > file.size() || file.size() < expected)
    throw fail("truncated: header announces a " + std::to_string(payload_size) +
               "-byte payload, the file has " + std::to_string(file.size()) + " bytes, needs " +
               std::to_string(expected));
  if (file.size() > expected)
    throw fail("size mismatch: " + std::to_string(file.size() - expected) +
               " unexpected bytes after the checksum");
  const uint8_t* payload = file.data() + kHeaderBytes;
  const uint32_t stored = uint32_t(get_le(payload + payload_size, 4));
  const uint32_t actual = crc32(payload, size_t(payload_size));
  if (stored != actual) {
    char msg[128];
    std::snprintf(msg, sizeof msg, "checksum mismatch (stored %08x, computed %08x): file is damaged",
                  stored, actual);
    throw fail(msg);
  }
  return decode(payload, size_t(payload_size), path);
}

}  // namespace tinydet
