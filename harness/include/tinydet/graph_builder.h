// GraphBuilder: the API architecture plugins call to describe their networks.
//
// Every method takes and returns tensor ids. Convolutions use symmetric "same-style"
// padding of kernel/2 unless told otherwise, so a stride-2 3×3 conv halves an even size.
// With `bn = true` a conv is emitted as Conv2D (no bias) + BatchNorm, and the activation
// is attached to the BatchNorm; folding moves both into the conv for inference.
#pragma once

#include <string>
#include <vector>

#include "tinydet/graph.h"

namespace tinydet {

struct ConvOptions {
  int groups = 1;
  bool bn = true;
  bool bias = false;  // only used without bn
  int pad = -1;       // -1: kernel / 2 on every side
  float leaky_alpha = 0.1f;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(Shape input_shape, const std::string& input_name = "input");

  int input() const { return graph_.input; }
  const Shape& shape(int tensor) const { return graph_.tensors.at(tensor).shape; }

  int conv2d(int x, int out_channels, int kernel, int stride, Act act, const std::string& name,
             ConvOptions opt = {});
  /// Depthwise conv (groups = channels), with BN by default.
  int depthwise(int x, int kernel, int stride, Act act, const std::string& name,
                ConvOptions opt = {});
  int batch_norm(int x, Act act, const std::string& name);
  int activation(int x, Act act, const std::string& name, float leaky_alpha = 0.1f);
  int add(int a, int b, const std::string& name, Act act = Act::None);
  int concat(const std::vector<int>& xs, const std::string& name);
  int max_pool(int x, int kernel, int stride, const std::string& name, int pad = 0);
  int avg_pool(int x, int kernel, int stride, const std::string& name, int pad = 0);
  int global_avg_pool(int x, const std::string& name);
  int fully_connected(int x, int out_features, Act act, const std::string& name,
                      bool bias = true);
  int reshape(int x, Shape to, const std::string& name);
  int resize_nearest(int x, int scale, const std::string& name);
  int dropout(int x, float p, const std::string& name);

  void mark_output(int x, const std::string& name);
  void set_meta(const std::string& key, const std::string& value);

  /// Validates, infers shapes and returns the graph (weights zero: init or train it).
  Graph finish();

 private:
  int add_op(Op op, Shape out_shape);
  Graph graph_;
};

}  // namespace tinydet
