// Buffers for an architecture's raw outputs, shaped after its graph, for the tests.
#pragma once

#include <span>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/graph.h"

namespace tinydet::testing {

/// One float buffer per graph output, `batch` images each, NHWC.
struct OutputBuffers {
  std::vector<Shape> shapes;
  std::vector<std::vector<float>> data;
  int batch = 1;

  OutputBuffers(const Graph& g, int batch_size) : batch(batch_size) {
    for (const auto& o : g.outputs) {
      shapes.push_back(g.shape(o.tensor));
      data.emplace_back(size_t(batch) * size_t(shapes.back().elements()), 0.f);
    }
  }
  std::vector<ConstTensorBatch> views() const {
    std::vector<ConstTensorBatch> v;
    for (size_t i = 0; i < data.size(); ++i) v.push_back({data[i].data(), shapes[i], batch});
    return v;
  }
  std::vector<TensorBatch> mutable_views() {
    std::vector<TensorBatch> v;
    for (size_t i = 0; i < data.size(); ++i) v.push_back({data[i].data(), shapes[i], batch});
    return v;
  }
  void fill(float value) {
    for (auto& d : data) std::fill(d.begin(), d.end(), value);
  }
};

/// Decodes batch-1 buffers.
inline std::vector<Detection> decode(const Architecture& arch, const OutputBuffers& out,
                                     DecodeOptions opt = {}) {
  auto views = out.views();
  return arch.decode(views, opt);
}

}  // namespace tinydet::testing
