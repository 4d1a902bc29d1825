// Minimal Architecture and Executor implementations for the loader's test plugins: each
// method does the least that is valid, so the tests exercise loading, not behaviour.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "tinydet/architecture.h"
#include "tinydet/executor.h"

namespace loader_test {

class StubArchitecture : public tinydet::Architecture {
 public:
  std::vector<tinydet::OptionInfo> options() const override {
    return {{"marker", "stub", "identifies the stub in tests"}};
  }
  int default_resolution(const tinydet::ArchConfig&) const override { return 96; }
  int resolution_multiple() const override { return 8; }
  void configure(const tinydet::ArchConfig&) override {}
  tinydet::Graph build_graph() const override { return {}; }
  std::string primary_metric() const override { return "map50"; }
  tinydet::Targets encode(const std::vector<tinydet::Box>&) const override { return {}; }
  double loss(std::span<const tinydet::ConstTensorBatch>, std::span<const tinydet::Targets>,
              std::span<tinydet::TensorBatch>) const override {
    return 0.0;
  }
  void ideal_outputs(const tinydet::Targets&, std::span<tinydet::TensorBatch>) const override {}
  std::vector<tinydet::Detection> decode(std::span<const tinydet::ConstTensorBatch>,
                                         const tinydet::DecodeOptions&) const override {
    return {};
  }
};

class StubExecutor : public tinydet::Executor {
 public:
  void prepare(const tinydet::Graph&, tinydet::DType, const tinydet::ExecutorOptions&) override {}
  void invoke(const void*) override {}
  const void* output(int) const override { return nullptr; }
  tinydet::MemoryReport memory() const override {
    tinydet::MemoryReport report;
    report.arena_bytes = 1234;
    return report;
  }
  std::string describe_plan() const override { return "stub plan"; }
};

/// An architecture whose constructor fails, as a plugin missing a resource would.
class ThrowingArchitecture : public StubArchitecture {
 public:
  ThrowingArchitecture() { throw std::runtime_error("stub calibration table missing"); }
};

}  // namespace loader_test
