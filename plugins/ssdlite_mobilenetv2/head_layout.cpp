#include "head_layout.h"

#include <algorithm>
#include <stdexcept>

namespace tinydet::ssdlite {

HeadLayout::HeadLayout(const AnchorSet* anchors, int num_classes)
    : anchors_(anchors), num_classes_(num_classes) {}

std::vector<Shape> HeadLayout::output_shapes() const {
  std::vector<Shape> shapes;
  for (const FeatureMapAnchors& m : anchors_->maps) {
    shapes.push_back({m.size.h, m.size.w, m.per_cell * 4});
    shapes.push_back({m.size.h, m.size.w, m.per_cell * num_logits()});
  }
  return shapes;
}

namespace {
std::string shape_text(const Shape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

template <typename Batch>
void check_batches(const std::vector<Shape>& expected, std::span<Batch> outputs, const char* what,
                   int batch) {
  if (outputs.size() != expected.size())
    throw std::invalid_argument(std::string("ssdlite_mobilenetv2 ") + what + ": expected " +
                                std::to_string(expected.size()) + " outputs, got " +
                                std::to_string(outputs.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string name = (i % 2 == 0 ? HeadLayout::box_output_name(int(i / 2))
                                         : HeadLayout::cls_output_name(int(i / 2)));
    if (!(outputs[i].shape == expected[i]))
      throw std::invalid_argument(std::string("ssdlite_mobilenetv2 ") + what + ": output " +
                                  name + " has shape " + shape_text(outputs[i].shape) +
                                  ", expected " + shape_text(expected[i]));
    const bool batch_ok = batch < 0 ? outputs[i].batch >= 1 : outputs[i].batch == batch;
    if (!batch_ok || (outputs[i].data == nullptr && outputs[i].size() > 0))
      throw std::invalid_argument(std::string("ssdlite_mobilenetv2 ") + what + ": output " +
                                  name + " has batch " + std::to_string(outputs[i].batch) +
                                  (outputs[i].data ? "" : " and no data") + ", expected " +
                                  (batch < 0 ? std::string("at least 1") : std::to_string(batch)));
  }
}
}  // namespace

void HeadLayout::check(std::span<const ConstTensorBatch> outputs, const char* what,
                       int batch) const {
  check_batches(output_shapes(), outputs, what, batch);
}

void HeadLayout::check(std::span<TensorBatch> outputs, const char* what, int batch) const {
  check_batches(output_shapes(), outputs, what, batch);
}

AnchorArrays HeadLayout::gather(std::span<const ConstTensorBatch> outputs, int image) const {
  AnchorArrays a;
  a.deltas.resize(size_t(num_anchors()) * 4);
  a.logits.resize(size_t(num_anchors()) * num_logits());
  for (size_t m = 0; m < anchors_->maps.size(); ++m) {
    const FeatureMapAnchors& map = anchors_->maps[m];
    const ConstTensorBatch& box = outputs[2 * m];
    const ConstTensorBatch& cls = outputs[2 * m + 1];
    const size_t nb = size_t(box.shape.elements()), nc = size_t(cls.shape.elements());
    std::copy_n(box.data + size_t(image) * nb, nb, a.deltas.begin() + size_t(map.first) * 4);
    std::copy_n(cls.data + size_t(image) * nc, nc,
                a.logits.begin() + size_t(map.first) * num_logits());
  }
  return a;
}

void HeadLayout::scatter(const AnchorArrays& arrays, std::span<TensorBatch> outputs,
                         int image) const {
  for (size_t m = 0; m < anchors_->maps.size(); ++m) {
    const FeatureMapAnchors& map = anchors_->maps[m];
    TensorBatch& box = outputs[2 * m];
    TensorBatch& cls = outputs[2 * m + 1];
    const size_t nb = size_t(box.shape.elements()), nc = size_t(cls.shape.elements());
    std::copy_n(arrays.deltas.begin() + size_t(map.first) * 4, nb, box.data + size_t(image) * nb);
    std::copy_n(arrays.logits.begin() + size_t(map.first) * num_logits(), nc,
                cls.data + size_t(image) * nc);
  }
}

}  // namespace tinydet::ssdlite
