#include "mobilenet_v2.h"

#include <algorithm>
#include <stdexcept>

namespace tinydet::mobilenet {

int make_divisible(double v, int divisor) {
  int new_v = std::max(divisor, int(v + divisor / 2.0) / divisor * divisor);
  if (new_v < 0.9 * v) new_v += divisor;
  return new_v;
}

namespace {
struct BlockSpec {
  int expansion, channels, repeats, stride;
};
// The inverted-residual table of the paper (t, c, n, s).
constexpr BlockSpec kBlocks[] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                 {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
}  // namespace

MobileNetV2Features build_mobilenet_v2(GraphBuilder& b, int input, const MobileNetV2Options& opt) {
  MobileNetV2Features f;
  const std::string& p = opt.prefix;
  auto tap = [&](const std::string& name, int t) {
    f.taps[name] = t;
    f.output = t;
    return name == opt.stop_at;
  };

  int x = b.conv2d(input, make_divisible(32 * opt.alpha), 3, 2, Act::ReLU6, p + "Conv1");
  if (tap("Conv1_relu", x)) return f;

  int block = 0;
  for (const auto& spec : kBlocks) {
    const int out_c = make_divisible(spec.channels * opt.alpha);
    for (int r = 0; r < spec.repeats; ++r, ++block) {
      const int stride = r == 0 ? spec.stride : 1;
      const int in_c = b.shape(x).c;
      const std::string name = block == 0 ? "expanded_conv" : "block_" + std::to_string(block);
      const std::string tap_name = "block_" + std::to_string(block);
      int h = x;
      if (spec.expansion != 1) {
        h = b.conv2d(h, in_c * spec.expansion, 1, 1, Act::ReLU6, p + name + "_expand");
        if (tap(tap_name + "_expand_relu", h)) return f;
      }
      h = b.depthwise(h, 3, stride, Act::ReLU6, p + name + "_depthwise");
      if (tap(tap_name + "_depthwise_relu", h)) return f;
      h = b.conv2d(h, out_c, 1, 1, Act::None, p + name + "_project");
      if (stride == 1 && in_c == out_c) h = b.add(x, h, p + name + "_add");
      x = h;
      if (tap(tap_name + "_project_BN", x)) return f;
    }
  }
  const int last_c = opt.alpha > 1.f ? make_divisible(1280 * opt.alpha) : 1280;
  x = b.conv2d(x, last_c, 1, 1, Act::ReLU6, p + "Conv_1");
  if (tap("Conv_1_relu", x)) return f;
  if (!opt.stop_at.empty())
    throw std::invalid_argument("MobileNetV2 has no layer '" + opt.stop_at + "'");
  return f;
}

}  // namespace tinydet::mobilenet
