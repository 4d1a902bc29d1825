// The SSD multibox loss of one image and its gradient w.r.t. the raw outputs.
//
//   localization   = sum over positives of smooth-L1 (Huber, delta 1) of (predicted -
//                    target) deltas, summed over (ty, tx, th, tw);
//   classification = sum over positives and mined hard negatives of the softmax
//                    cross-entropy over C + 1 logits (class 0 = background).
// Both are left unnormalised here; the architecture divides the batch sum by the number
// of positives in the batch (at least 1), as TF's normalize_loss_by_num_matches. Both
// terms have weight 1 (the TF SSDLite config). The gradient is exact for the chosen
// negatives (the selection itself is piecewise constant).
#pragma once

#include "head_layout.h"
#include "settings.h"
#include "tinydet/architecture.h"

namespace tinydet::ssdlite {

struct ImageLoss {
  double localization = 0, classification = 0;
  int num_positives = 0, num_negatives = 0;
};

/// Loss of one image; writes its gradient into `grad` (resized to the layout of `pred`).
ImageLoss image_loss(const AnchorArrays& pred, const Targets& targets, int num_logits,
                     const SsdliteSettings& settings, AnchorArrays& grad);

/// Huber loss with delta 1 and its derivative.
double smooth_l1(double x);
double smooth_l1_grad(double x);

}  // namespace tinydet::ssdlite
