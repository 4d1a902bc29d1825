// How the detector's raw outputs are laid out, and conversion between them and flat
// per-anchor arrays.
//
// Graph outputs, in order, two per feature map k = 0, 1, ...:
//   "box_k": H_k × W_k × (A_k * 4)        (ty, tx, th, tw) per anchor
//   "cls_k": H_k × W_k × (A_k * (C + 1))  logits per anchor, class 0 = background
// Within a map, anchor n sits at cell n / A_k and channel block n % A_k, so the flat
// per-anchor arrays (anchors in AnchorSet order) are the maps' NHWC data concatenated.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "anchors.h"
#include "tinydet/architecture.h"

namespace tinydet::ssdlite {

/// The per-anchor arrays of one image: deltas [num_anchors * 4] and logits
/// [num_anchors * (num_classes + 1)].
struct AnchorArrays {
  std::vector<float> deltas, logits;
};

class HeadLayout {
 public:
  HeadLayout() = default;
  HeadLayout(const AnchorSet* anchors, int num_classes);

  int num_anchors() const { return int(anchors_->anchors.size()); }
  int num_logits() const { return num_classes_ + 1; }
  const AnchorSet& anchors() const { return *anchors_; }

  static std::string box_output_name(int map) { return "box_" + std::to_string(map); }
  static std::string cls_output_name(int map) { return "cls_" + std::to_string(map); }
  /// Shapes of the graph outputs, in output order.
  std::vector<Shape> output_shapes() const;

  /// Throws std::invalid_argument naming `what` and the output if the count or a shape
  /// differs from output_shapes(), if data is missing, or if a batch differs from `batch`
  /// (batch < 0: any batch of at least one image).
  void check(std::span<const ConstTensorBatch> outputs, const char* what, int batch) const;
  void check(std::span<TensorBatch> outputs, const char* what, int batch) const;

  /// Copies image `image` of checked outputs into flat arrays.
  AnchorArrays gather(std::span<const ConstTensorBatch> outputs, int image) const;
  /// Writes flat arrays into image `image` of checked outputs.
  void scatter(const AnchorArrays& arrays, std::span<TensorBatch> outputs, int image) const;

 private:
  const AnchorSet* anchors_ = nullptr;
  int num_classes_ = 0;
};

}  // namespace tinydet::ssdlite
