// The architecture interface that architecture plugins implement.
//
// An architecture describes its network in the graph IR and owns its head math: target
// encoding, the loss with its gradient w.r.t. the raw outputs, and decoding. It never
// sees libtorch or pixels: the harness trains the graph and feeds it images.
//
// Coordinates: ground truth and detections are in pixels of the network input (the
// harness maps them to and from the original image). Raw outputs are the graph's named
// outputs in order, float NHWC, as produced by the graph.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "tinydet/graph.h"
#include "tinydet/types.h"

namespace tinydet {

struct ArchConfig {
  int input_h = 0, input_w = 0;
  int num_classes = 0;
  std::map<std::string, std::string> options;  // plugin-specific, documented by options()
};

struct OptionInfo {
  std::string name, default_value, help;
};

enum class ResizeMode : uint8_t { Stretch = 0, Letterbox = 1 };

/// A batch of one raw output: `batch` images of `shape`, contiguous, NHWC.
struct ConstTensorBatch {
  const float* data = nullptr;
  Shape shape;
  int batch = 1;
  size_t size() const { return size_t(batch) * size_t(shape.elements()); }
};
struct TensorBatch {
  float* data = nullptr;
  Shape shape;
  int batch = 1;
  size_t size() const { return size_t(batch) * size_t(shape.elements()); }
};

/// One image's encoded targets; the layout is the plugin's own.
struct Targets {
  std::vector<float> values;
};

struct DecodeOptions {
  float score_threshold = -1.f;  // < 0: the plugin's default
  float nms_iou = -1.f;          // < 0: the plugin's default
  int max_detections = 100;
};

class Architecture {
 public:
  virtual ~Architecture() = default;

  /// Options this plugin understands, with defaults and help.
  virtual std::vector<OptionInfo> options() const = 0;
  /// Default square input resolution, and the value every input side must be a multiple of.
  virtual int default_resolution(const ArchConfig& cfg) const = 0;
  virtual int resolution_multiple() const = 0;

  /// Validates and keeps the configuration. Throws std::invalid_argument naming the bad
  /// option or size. Every other method requires a successful configure().
  virtual void configure(const ArchConfig& cfg) = 0;

  /// The training graph (with BatchNorm and Dropout). Weights are left for the trainer.
  virtual Graph build_graph() const = 0;

  virtual ResizeMode resize_mode() const { return ResizeMode::Stretch; }
  /// "centroid_f1" or "map50": the validation metric for early stopping.
  virtual std::string primary_metric() const = 0;
  /// True for detectors whose output is centroids (box metrics then use centroid extents).
  virtual bool centroid_detector() const { return false; }

  /// Encodes one image's ground truth (network-input pixels) into targets.
  virtual Targets encode(const std::vector<Box>& ground_truth) const = 0;

  /// Mean loss over the batch. Writes d(loss)/d(raw output) into `grads`, which has the
  /// same shapes as `outputs` (one entry per graph output, in order).
  virtual double loss(std::span<const ConstTensorBatch> outputs,
                      std::span<const Targets> targets,
                      std::span<TensorBatch> grads) const = 0;

  /// Writes the raw outputs (batch 1) a perfect network would produce for `t`: decoding
  /// them must give the ground truth back. Used by conformance tests.
  virtual void ideal_outputs(const Targets& t, std::span<TensorBatch> outputs) const = 0;

  /// Decodes one image's raw outputs (batch 1) into detections in input pixels.
  virtual std::vector<Detection> decode(std::span<const ConstTensorBatch> outputs,
                                        const DecodeOptions& opt) const = 0;
};

}  // namespace tinydet
