// The plugin as a whole: configuration checks, the graph, published size figures, and the
// shared object's descriptor.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "network.h"
#include "ssdlite_architecture.h"
#include "tinydet/plugin.h"

namespace tinydet::ssdlite {
namespace {

ArchConfig config(int h, int w, int classes, const char* alpha = nullptr) {
  ArchConfig c;
  c.input_h = h;
  c.input_w = w;
  c.num_classes = classes;
  if (alpha) c.options["alpha"] = alpha;
  return c;
}

std::string error_of(const ArchConfig& c) {
  SsdliteMobileNetV2 arch;
  try {
    arch.configure(c);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(SsdliteArchitecture, DefaultResolutionFollowsAlpha) {
  SsdliteMobileNetV2 arch;
  EXPECT_EQ(arch.default_resolution(config(0, 0, 3)), 160);
  EXPECT_EQ(arch.default_resolution(config(0, 0, 3, "0.5")), 160);
  EXPECT_EQ(arch.default_resolution(config(0, 0, 3, "0.75")), 320);
  EXPECT_EQ(arch.default_resolution(config(0, 0, 3, "1.0")), 320);
  EXPECT_EQ(arch.resolution_multiple(), 32);
  EXPECT_EQ(arch.primary_metric(), "map50");
  EXPECT_EQ(arch.resize_mode(), ResizeMode::Stretch);
  EXPECT_FALSE(arch.centroid_detector());
}

TEST(SsdliteArchitecture, RefusesBadConfigurationsNamingThem) {
  EXPECT_NE(error_of(config(100, 96, 3)).find("100"), std::string::npos);
  EXPECT_NE(error_of(config(96, 200, 3)).find("200"), std::string::npos);
  EXPECT_NE(error_of(config(160, 160, 3, "1.4")).find("alpha"), std::string::npos);
  EXPECT_NE(error_of(config(160, 160, 3, "wide")).find("alpha"), std::string::npos);
  EXPECT_NE(error_of(config(160, 160, 0)).find("num_classes"), std::string::npos);
  ArchConfig c = config(160, 160, 3);
  c.options["max_negatives_per_positive"] = "2.5";
  EXPECT_NE(error_of(c).find("max_negatives_per_positive"), std::string::npos);
  ArchConfig band = config(160, 160, 3);
  band.options["match_iou"] = "0.5";
  band.options["unmatched_iou"] = "0.6";  // the ignore band must lie below the match IoU
  EXPECT_NE(error_of(band).find("unmatched_iou"), std::string::npos);
  EXPECT_EQ(error_of(config(32, 32, 1)), "");  // the smallest input works
  SsdliteMobileNetV2 unconfigured;
  EXPECT_THROW(unconfigured.build_graph(), std::logic_error);
}

TEST(SsdliteArchitecture, GraphOutputsAndTaps) {
  SsdliteMobileNetV2 arch;
  arch.configure(config(224, 224, 3, "1.0"));  // the MCUNetV2 comparison configuration
  const Graph g = arch.build_graph();
  ASSERT_EQ(g.outputs.size(), 12u);
  const int sides[] = {14, 7, 4, 2, 1, 1};
  for (int m = 0; m < 6; ++m) {
    const int per_cell = m == 0 ? 3 : 6;
    const Shape box = g.shape(g.outputs[size_t(2 * m)].tensor);
    const Shape cls = g.shape(g.outputs[size_t(2 * m + 1)].tensor);
    EXPECT_EQ(g.outputs[size_t(2 * m)].name, "box_" + std::to_string(m));
    EXPECT_EQ(g.outputs[size_t(2 * m + 1)].name, "cls_" + std::to_string(m));
    EXPECT_EQ(box, (Shape{sides[m], sides[m], per_cell * 4}));
    EXPECT_EQ(cls, (Shape{sides[m], sides[m], per_cell * 4}));  // C + 1 = 4
  }
  // Head 0 reads block 13's expansion (14×14×576 at alpha 1), head 1 Conv_1 (7×7×1280).
  const Op& head0 = g.ops.at(size_t(g.find_op("box_0_depthwise")));
  EXPECT_EQ(g.shape(head0.inputs[0]), (Shape{14, 14, 576}));
  EXPECT_NE(g.tensor(head0.inputs[0]).name.find("block_13_expand"), std::string::npos);
  const Op& head1 = g.ops.at(size_t(g.find_op("cls_1_depthwise")));
  EXPECT_EQ(g.shape(head1.inputs[0]), (Shape{7, 7, 1280}));
  // Extra layers: 1×1 to d/2, 3×3 depthwise stride 2, 1×1 to d.
  const Op& reduce = g.ops.at(size_t(g.find_op("extra_0_reduce")));
  EXPECT_EQ(reduce.out_channels, 256);
  EXPECT_EQ(g.ops.at(size_t(g.find_op("extra_0_depthwise"))).stride_h, 2);
  EXPECT_EQ(g.ops.at(size_t(g.find_op("extra_3_project"))).out_channels, 128);
  // Heads: 1×1 convs with bias, no BN.
  const Op& cls0 = g.ops.at(size_t(g.find_op("cls_0")));
  EXPECT_EQ(cls0.type, OpType::Conv2D);
  EXPECT_EQ(cls0.bias.size(), size_t(cls0.out_channels));
}

TEST(SsdliteArchitecture, ExtraLayerDepthsScaleWithAlpha) {
  EXPECT_EQ(extra_layer_depth(0, 1.0f), 512);
  EXPECT_EQ(extra_layer_reduce_depth(3, 1.0f), 64);
  EXPECT_EQ(extra_layer_depth(0, 0.35f), 176);       // make_divisible(179.2)
  EXPECT_EQ(extra_layer_reduce_depth(3, 0.35f), 24);  // make_divisible(22.4)
  EXPECT_GE(extra_layer_reduce_depth(3, 0.1f), 16);   // floor of 16
}

TEST(SsdliteArchitecture, MatchesThePublishedSize) {
  // Sandler et al. 2018, Table 6: SSDLite (MobileNetV2, 320×320, COCO) 4.3M parameters,
  // 0.8B multiply-adds. TF's COCO model predicts 90 + 1 classes.
  SsdliteMobileNetV2 arch;
  arch.configure(config(320, 320, 90, "1.0"));
  const OpStats s = fold_for_inference(arch.build_graph()).total_stats();
  EXPECT_GT(s.params, 4.1e6);
  EXPECT_LT(s.params, 4.6e6);
  EXPECT_GT(s.macs, 0.75e9);
  EXPECT_LT(s.macs, 0.85e9);
}

TEST(SsdliteArchitecture, LossAndDecodeCheckTheirInputs) {
  SsdliteMobileNetV2 arch;
  arch.configure(config(64, 64, 2));
  const Graph g = arch.build_graph();
  std::vector<std::vector<float>> data;
  std::vector<ConstTensorBatch> in;
  std::vector<TensorBatch> grads;
  for (const auto& o : g.outputs) data.emplace_back(size_t(2 * g.shape(o.tensor).elements()), 0.f);
  for (size_t i = 0; i < data.size(); ++i) {
    in.push_back({data[i].data(), g.shape(g.outputs[i].tensor), 2});
    grads.push_back({data[i].data(), g.shape(g.outputs[i].tensor), 2});
  }
  const std::vector<Targets> one{arch.encode({})};
  EXPECT_THROW(arch.loss(in, one, grads), std::invalid_argument);  // batch 2 vs 1 target
  const std::vector<Targets> wrong_size{Targets{{1.f, 2.f}}};
  for (auto& v : in) v.batch = 1;
  for (auto& v : grads) v.batch = 1;
  EXPECT_THROW(arch.loss(in, wrong_size, grads), std::invalid_argument);
  EXPECT_NO_THROW(arch.decode(in, {}));
  in[3].shape.c += 1;
  try {
    arch.decode(in, {});
    ADD_FAILURE() << "wrong shape accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cls_1"), std::string::npos) << e.what();
  }
  in.pop_back();
  EXPECT_THROW(arch.decode(in, {}), std::invalid_argument);
}

TEST(SsdliteArchitecture, SharedObjectDescribesItself) {
  const std::string path =
      std::string(TINYDET_BUILD_PLUGIN_DIR) + "/libtinydet_ssdlite_mobilenetv2.so";
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto entry = reinterpret_cast<tinydet_plugin_entry_fn>(dlsym(lib, TINYDET_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  const tinydet_plugin_descriptor* d = entry();
  EXPECT_EQ(d->abi_version, TINYDET_PLUGIN_ABI_VERSION);
  EXPECT_EQ(d->kind, uint32_t(TINYDET_PLUGIN_ARCHITECTURE));
  EXPECT_STREQ(d->name, "ssdlite_mobilenetv2");
  void* instance = nullptr;
  char err[256] = {0};
  ASSERT_EQ(d->create(&instance, err, sizeof err), 0) << err;
  auto* arch = static_cast<Architecture*>(instance);
  EXPECT_EQ(arch->default_resolution(config(0, 0, 3)), 160);
  d->destroy(instance);
  // Only the entry point is exported.
  EXPECT_EQ(dlsym(lib, "_ZN7tinydet7ssdlite14encode_targetsERKSt6vectorINS_3BoxESaIS2_EERKS1_INS0_6AnchorESaIS7_EERKNS0_15SsdliteSettingsE"), nullptr);
}

}  // namespace
}  // namespace tinydet::ssdlite
