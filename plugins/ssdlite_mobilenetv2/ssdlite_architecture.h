// SsdliteMobileNetV2: the "ssdlite_mobilenetv2" architecture plugin (SSDLite on a
// MobileNetV2 backbone, Sandler et al. 2018, with the TF Object Detection API's anchor,
// box-coder, matching and hard-mining conventions). See README.md for the details.
#pragma once

#include "anchors.h"
#include "head_layout.h"
#include "settings.h"
#include "tinydet/architecture.h"

namespace tinydet::ssdlite {

class SsdliteMobileNetV2 final : public Architecture {
 public:
  SsdliteMobileNetV2() = default;
  // Not copyable: the head layout points at this object's anchors.
  SsdliteMobileNetV2(const SsdliteMobileNetV2&) = delete;
  SsdliteMobileNetV2& operator=(const SsdliteMobileNetV2&) = delete;

  std::vector<OptionInfo> options() const override;
  int default_resolution(const ArchConfig& cfg) const override;
  int resolution_multiple() const override { return kResolutionMultiple; }
  void configure(const ArchConfig& cfg) override;
  Graph build_graph() const override;
  ResizeMode resize_mode() const override { return ResizeMode::Stretch; }
  std::string primary_metric() const override { return "map50"; }
  Targets encode(const std::vector<Box>& ground_truth) const override;
  double loss(std::span<const ConstTensorBatch> outputs, std::span<const Targets> targets,
              std::span<TensorBatch> grads) const override;
  void ideal_outputs(const Targets& t, std::span<TensorBatch> outputs) const override;
  std::vector<Detection> decode(std::span<const ConstTensorBatch> outputs,
                                const DecodeOptions& opt) const override;

  /// Valid after configure().
  const SsdliteSettings& settings() const { return settings_; }
  const AnchorSet& anchor_set() const { return anchors_; }

 private:
  void require_configured(const char* what) const;
  void check_targets(const Targets& t, const char* what) const;

  bool configured_ = false;
  SsdliteSettings settings_;
  AnchorSet anchors_;
  HeadLayout layout_;
};

}  // namespace tinydet::ssdlite
