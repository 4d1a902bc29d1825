#include "network.h"

#include <algorithm>
#include <stdexcept>

#include "../common/mobilenet_v2.h"
#include "head_layout.h"
#include "tinydet/graph_builder.h"

namespace tinydet::ssdlite {

namespace {
constexpr int kExtraLayerDepths[kExtraLayers] = {512, 256, 256, 128};
constexpr int kMinDepth = 16;

int scaled_depth(double depth, float alpha) {
  return std::max(kMinDepth, mobilenet::make_divisible(depth * alpha));
}

int base_extra_depth(int k) {
  if (k < 0 || k >= kExtraLayers)
    throw std::out_of_range("ssdlite_mobilenetv2: no extra layer " + std::to_string(k));
  return kExtraLayerDepths[k];
}
}  // namespace

int extra_layer_depth(int k, float alpha) { return scaled_depth(base_extra_depth(k), alpha); }
int extra_layer_reduce_depth(int k, float alpha) {
  return scaled_depth(base_extra_depth(k) / 2.0, alpha);
}

Graph build_ssdlite_graph(const SsdliteSettings& s, const AnchorSet& anchors) {
  GraphBuilder b(Shape{s.input_h, s.input_w, 3});
  mobilenet::MobileNetV2Options backbone_opt;
  backbone_opt.alpha = s.alpha;
  const mobilenet::MobileNetV2Features backbone =
      mobilenet::build_mobilenet_v2(b, b.input(), backbone_opt);

  ConvOptions head_conv;
  head_conv.bn = false;
  head_conv.bias = true;
  // Heads of map m, emitted right after the map so that its tensor can die early.
  auto add_heads = [&](int m, int feature) {
    const FeatureMapAnchors& fm = anchors.maps.at(size_t(m));
    const Shape& shape = b.shape(feature);
    if (shape.h != fm.size.h || shape.w != fm.size.w)
      throw std::logic_error("ssdlite_mobilenetv2: feature map " + std::to_string(m) + " is " +
                             std::to_string(shape.h) + "x" + std::to_string(shape.w) +
                             ", the anchors expect " + std::to_string(fm.size.h) + "x" +
                             std::to_string(fm.size.w));
    const std::string box = HeadLayout::box_output_name(m);
    const std::string cls = HeadLayout::cls_output_name(m);
    int box_x = b.depthwise(feature, 3, 1, Act::ReLU6, box + "_depthwise");
    box_x = b.conv2d(box_x, fm.per_cell * 4, 1, 1, Act::None, box, head_conv);
    int cls_x = b.depthwise(feature, 3, 1, Act::ReLU6, cls + "_depthwise");
    cls_x = b.conv2d(cls_x, fm.per_cell * (s.num_classes + 1), 1, 1, Act::None, cls, head_conv);
    b.mark_output(box_x, box);
    b.mark_output(cls_x, cls);
  };

  add_heads(0, backbone.taps.at("block_13_expand_relu"));
  int x = backbone.taps.at("Conv_1_relu");
  add_heads(1, x);
  for (int k = 0; k + 2 < int(anchors.maps.size()); ++k) {
    const std::string name = "extra_" + std::to_string(k);
    x = b.conv2d(x, extra_layer_reduce_depth(k, s.alpha), 1, 1, Act::ReLU6, name + "_reduce");
    x = b.depthwise(x, 3, 2, Act::ReLU6, name + "_depthwise");
    x = b.conv2d(x, extra_layer_depth(k, s.alpha), 1, 1, Act::ReLU6, name + "_project");
    add_heads(k + 2, x);
  }
  return b.finish();
}

}  // namespace tinydet::ssdlite
