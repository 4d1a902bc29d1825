// The .tdm model file: bit-identical round trip and every refusal.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tinydet/graph_builder.h"
#include "tinydet/model_file.h"

namespace tinydet {
namespace {

namespace fs = std::filesystem;

// A graph that uses every kind of payload field: BN, dropout, reshape, resize, leaky,
// quant params, int8 weights, biases and metadata.
Graph sample_graph() {
  GraphBuilder b(Shape{8, 8, 3});
  int x = b.conv2d(b.input(), 8, 3, 2, Act::LeakyReLU, "c0");
  x = b.dropout(x, 0.25f, "drop");
  const int d = b.depthwise(x, 3, 1, Act::ReLU6, "dw");
  x = b.add(x, d, "add", Act::ReLU);
  x = b.max_pool(x, 2, 2, "pool");
  const int up = b.resize_nearest(x, 2, "up");
  const int flat = b.reshape(x, Shape{1, 1, 2 * 2 * 8}, "flat");
  const int fc = b.fully_connected(flat, 5, Act::None, "fc");
  b.mark_output(fc, "logits");
  b.mark_output(up, "map");
  b.set_meta("architecture", "sample");
  b.set_meta("classes", "a,b\nc");
  Graph g = b.finish();
  init_weights(g, 3);
  uint32_t k = 1;
  for (auto& op : g.ops) {
    for (float& v : op.bn_mean) v = 0.1f * float(k++ % 7);
    for (float& v : op.bias) v = -0.3f * float(k++ % 5);
    if (op.type == OpType::Conv2D) {
      op.qweights.assign(op.weights.size(), 0);
      for (size_t i = 0; i < op.qweights.size(); ++i) op.qweights[i] = int8_t(int(i * 37 + k) % 255 - 127);
      op.qbias.assign(size_t(op.out_channels), -123456 + int32_t(k));
      op.weight_scales.assign(size_t(op.out_channels), 0.0123f);
    }
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) g.tensors[t].quant = {0.01f * float(t + 1), int32_t(t) - 5};
  g.ops[0].weights[0] = -0.0f;  // signed zero must survive
  g.quantized = true;
  return g;
}

void expect_same_graph(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t t = 0; t < a.tensors.size(); ++t) {
    EXPECT_EQ(a.tensors[t].name, b.tensors[t].name);
    EXPECT_EQ(a.tensors[t].shape, b.tensors[t].shape);
    EXPECT_EQ(a.tensors[t].producer, b.tensors[t].producer);
    EXPECT_EQ(std::memcmp(&a.tensors[t].quant.scale, &b.tensors[t].quant.scale, 4), 0);
    EXPECT_EQ(a.tensors[t].quant.zero_point, b.tensors[t].quant.zero_point);
  }
  ASSERT_EQ(a.ops.size(), b.ops.size());
  auto same_floats = [](const std::vector<float>& x, const std::vector<float>& y) {
    return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), 4 * x.size()) == 0);
  };
  for (size_t i = 0; i < a.ops.size(); ++i) {
    const Op &x = a.ops[i], &y = b.ops[i];
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.inputs, y.inputs);
    EXPECT_EQ(x.output, y.output);
    EXPECT_EQ(x.kernel_h, y.kernel_h);
    EXPECT_EQ(x.kernel_w, y.kernel_w);
    EXPECT_EQ(x.stride_h, y.stride_h);
    EXPECT_EQ(x.stride_w, y.stride_w);
    EXPECT_EQ(x.pad, y.pad);
    EXPECT_EQ(x.groups, y.groups);
    EXPECT_EQ(x.out_channels, y.out_channels);
    EXPECT_EQ(x.act, y.act);
    EXPECT_EQ(x.leaky_alpha, y.leaky_alpha);
    EXPECT_EQ(x.resize_scale, y.resize_scale);
    EXPECT_EQ(x.reshape_to, y.reshape_to);
    EXPECT_EQ(x.dropout_p, y.dropout_p);
    EXPECT_EQ(x.bn_eps, y.bn_eps);
    EXPECT_TRUE(same_floats(x.weights, y.weights)) << x.name;
    EXPECT_TRUE(same_floats(x.bias, y.bias));
    EXPECT_TRUE(same_floats(x.bn_gamma, y.bn_gamma));
    EXPECT_TRUE(same_floats(x.bn_beta, y.bn_beta));
    EXPECT_TRUE(same_floats(x.bn_mean, y.bn_mean));
    EXPECT_TRUE(same_floats(x.bn_var, y.bn_var));
    EXPECT_EQ(x.qweights, y.qweights);
    EXPECT_EQ(x.qbias, y.qbias);
    EXPECT_TRUE(same_floats(x.weight_scales, y.weight_scales));
  }
  EXPECT_EQ(a.input, b.input);
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    EXPECT_EQ(a.outputs[i].name, b.outputs[i].name);
    EXPECT_EQ(a.outputs[i].tensor, b.outputs[i].tensor);
  }
  EXPECT_EQ(a.quantized, b.quantized);
  EXPECT_EQ(a.meta, b.meta);
}

class ModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(TINYDET_BINARY_DIR) / "test_tmp" /
           ("model_file_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<char> read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void write(const fs::path& p, const std::vector<char>& bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
  }
  // Expects load_model to throw a message naming the file and containing `problem`.
  void expect_refused(const fs::path& p, const std::string& problem) {
    try {
      load_model(p.string());
      ADD_FAILURE() << "loaded " << p << " instead of refusing it (" << problem << ")";
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find(problem), std::string::npos) << msg;
    }
  }
  fs::path dir_;
};

TEST_F(ModelFile, RoundTripIsBitIdentical) {
  const Graph g = sample_graph();
  const fs::path p = dir_ / "m.tdm";
  save_model(g, p.string());
  const Graph back = load_model(p.string());
  expect_same_graph(g, back);
  // Saving the loaded graph again gives the same bytes.
  const fs::path p2 = dir_ / "m2.tdm";
  save_model(back, p2.string());
  EXPECT_EQ(read(p), read(p2));
  // The float inference graph too.
  const Graph folded = fold_for_inference(g);
  save_model(folded, p.string());  // overwrites atomically
  expect_same_graph(folded, load_model(p.string()));
  // No temporary files left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 2);
}

TEST_F(ModelFile, HeaderLayout) {
  const fs::path p = dir_ / "m.tdm";
  save_model(sample_graph(), p.string());
  const std::vector<char> bytes = read(p);
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(std::memcmp(bytes.data(), "TDMODEL\0", 8), 0);
  uint32_t version;
  uint64_t size;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&size, bytes.data() + 12, 8);
  EXPECT_EQ(version, kModelFormatVersion);
  EXPECT_EQ(size + 8 + 4 + 8 + 4, bytes.size());
}

TEST_F(ModelFile, RefusesMissingForeignTruncatedNewerAndCorrupt) {
  const fs::path good = dir_ / "good.tdm";
  save_model(sample_graph(), good.string());
  const std::vector<char> bytes = read(good);

  expect_refused(dir_ / "absent.tdm", "cannot open");

  const fs::path foreign = dir_ / "foreign.tdm";
  write(foreign, std::vector<char>{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  expect_refused(foreign, "bad magic");
  write(foreign, {});
  expect_refused(foreign, "bad magic");

  const fs::path cut = dir_ / "cut.tdm";
  write(cut, std::vector<char>(bytes.begin(), bytes.end() - 100));
  expect_refused(cut, "truncated");
  write(cut, std::vector<char>(bytes.begin(), bytes.begin() + 14));
  expect_refused(cut, "truncated");

  const fs::path longer = dir_ / "long.tdm";
  std::vector<char> extra = bytes;
  extra.push_back(0);
  write(longer, extra);
  expect_refused(longer, "size mismatch");

  const fs::path newer = dir_ / "newer.tdm";
  std::vector<char> v2 = bytes;
  v2[8] = char(kModelFormatVersion + 1);
  write(newer, v2);
  expect_refused(newer, "newer");

  const fs::path corrupt = dir_ / "corrupt.tdm";
  std::vector<char> flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  write(corrupt, flipped);
  expect_refused(corrupt, "checksum mismatch");
}

// Bitwise CRC-32 (IEEE 802.3, reflected 0xEDB88320), independent of the loader's table.
uint32_t reference_crc32(const char* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= uint8_t(p[i]);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

TEST_F(ModelFile, ChecksumIsStandardCrc32AndPayloadIsValidated) {
  EXPECT_EQ(reference_crc32("123456789", 9), 0xCBF43926u);  // the CRC-32 check value
  const fs::path p = dir_ / "m.tdm";
  save_model(sample_graph(), p.string());
  std::vector<char> bytes = read(p);
  const size_t payload = bytes.size() - 24;
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + 20 + payload, 4);
  EXPECT_EQ(stored, reference_crc32(bytes.data() + 20, payload));

  // A damaged payload with a matching checksum is still refused by the parser: here the
  // tensor count claims more tensors than the payload can hold.
  bytes[20] = char(0xFF), bytes[21] = char(0xFF), bytes[22] = char(0xFF), bytes[23] = char(0x7F);
  const uint32_t crc = reference_crc32(bytes.data() + 20, payload);
  std::memcpy(bytes.data() + 20 + payload, &crc, 4);
  const fs::path bad = dir_ / "bad_payload.tdm";
  write(bad, bytes);
  expect_refused(bad, "malformed payload");
}

TEST_F(ModelFile, SaveFailsWithAClearError) {
  const fs::path p = dir_ / "no_such_dir" / "m.tdm";
  try {
    save_model(sample_graph(), p.string());
    ADD_FAILURE() << "saved into a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tinydet
