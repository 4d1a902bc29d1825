#include "loss.h"

#include <algorithm>
#include <cmath>

#include "hard_negative_mining.h"
#include "targets.h"

namespace tinydet::ssdlite {

double smooth_l1(double x) {
  const double ax = std::abs(x);
  return ax < 1.0 ? 0.5 * x * x : ax - 0.5;
}

double smooth_l1_grad(double x) { return std::abs(x) < 1.0 ? x : (x > 0 ? 1.0 : -1.0); }

namespace {

// Log of the softmax normaliser of one logit row.
double log_sum_exp(const float* z, int n) {
  double m = z[0];
  for (int i = 1; i < n; ++i) m = std::max(m, double(z[i]));
  double s = 0;
  for (int i = 0; i < n; ++i) s += std::exp(double(z[i]) - m);
  return m + std::log(s);
}

// Adds d(cross-entropy)/d(logits) = softmax - one_hot(label) to `g`.
void add_cross_entropy_grad(const float* z, int n, int label, double lse, float* g) {
  for (int i = 0; i < n; ++i) g[i] += float(std::exp(double(z[i]) - lse) - (i == label ? 1.0 : 0.0));
}

}  // namespace

ImageLoss image_loss(const AnchorArrays& pred, const Targets& targets, int num_logits,
                     const SsdliteSettings& settings, AnchorArrays& grad) {
  const int num_anchors = int(pred.deltas.size() / 4);
  grad.deltas.assign(pred.deltas.size(), 0.f);
  grad.logits.assign(pred.logits.size(), 0.f);

  ImageLoss out;
  std::vector<double> cross_entropy(size_t(num_anchors), 0.0), lse(size_t(num_anchors), 0.0);
  std::vector<char> negative_candidate(size_t(num_anchors), 0);
  for (int a = 0; a < num_anchors; ++a) {
    const int label = target_label(targets, a);
    if (label < 0) continue;  // ignored
    const float* z = pred.logits.data() + size_t(a) * num_logits;
    lse[a] = log_sum_exp(z, num_logits);
    cross_entropy[a] = lse[a] - double(z[label]);
    if (label == 0) {
      negative_candidate[a] = 1;
      continue;
    }
    ++out.num_positives;
    out.classification += cross_entropy[a];
    add_cross_entropy_grad(z, num_logits, label, lse[a], grad.logits.data() + size_t(a) * num_logits);
    const float* target = target_deltas(targets, a);
    for (int k = 0; k < 4; ++k) {
      const double diff = double(pred.deltas[size_t(a) * 4 + k]) - double(target[k]);
      out.localization += smooth_l1(diff);
      grad.deltas[size_t(a) * 4 + k] = float(smooth_l1_grad(diff));
    }
  }

  const std::vector<int> negatives =
      mine_hard_negatives(cross_entropy, negative_candidate, out.num_positives,
                          settings.max_negatives_per_positive, settings.min_negatives_per_image);
  out.num_negatives = int(negatives.size());
  for (int a : negatives) {
    out.classification += cross_entropy[a];
    add_cross_entropy_grad(pred.logits.data() + size_t(a) * num_logits, num_logits, 0, lse[a],
                           grad.logits.data() + size_t(a) * num_logits);
  }
  return out;
}

}  // namespace tinydet::ssdlite
