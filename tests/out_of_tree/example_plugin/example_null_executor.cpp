// The smallest complete executor plugin: it accepts any graph and computes nothing. A
// starting point for a real executor, and the plugin of the out-of-tree build test.
#include <string>
#include <vector>

#include "tinydet/executor.h"
#include "tinydet/plugin.h"

namespace {

class NullExecutor : public tinydet::Executor {
 public:
  void prepare(const tinydet::Graph& graph, tinydet::DType dtype,
               const tinydet::ExecutorOptions& options) override {
    graph_ = graph;
    dtype_ = dtype;
    options_ = options;
  }
  void invoke(const void*) override {}
  const void* output(int) const override { return nullptr; }
  tinydet::MemoryReport memory() const override { return {}; }
  std::string describe_plan() const override { return "null executor: runs nothing"; }

 private:
  tinydet::Graph graph_;
  tinydet::DType dtype_ = tinydet::DType::Float32;
  tinydet::ExecutorOptions options_;
};

}  // namespace

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_EXECUTOR, tinydet::Executor, NullExecutor,
                       "example_null", "0.1.0",
                       "Example out-of-tree executor that runs nothing")
