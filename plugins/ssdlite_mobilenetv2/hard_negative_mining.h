// Online hard negative mining (SSD; TF Object Detection API HardExampleMiner with
// loss_type CLASSIFICATION, without its 0.99-IoU NMS over the candidates).
#pragma once

#include <span>
#include <vector>

namespace tinydet::ssdlite {

/// Picks the background anchors that enter the classification loss. Candidates are the
/// anchors with `is_candidate`; they are ranked by decreasing `classification_loss` (ties:
/// lower anchor index first, so the choice is deterministic) and the first
///   max(min_negatives, max_negatives_per_positive * num_positives)
/// are kept (all of them if there are fewer). Returns the kept anchor indices in rank order.
std::vector<int> mine_hard_negatives(std::span<const double> classification_loss,
                                     std::span<const char> is_candidate, int num_positives,
                                     int max_negatives_per_positive, int min_negatives);

}  // namespace tinydet::ssdlite
