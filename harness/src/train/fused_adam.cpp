#include "train/fused_adam.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tinydet {

FusedAdam::FusedAdam(std::vector<size_t> sizes, FusedAdamOptions options)
    : options_(options), steps_(sizes.size(), 0) {
  if (!(options.beta1 >= 0 && options.beta1 < 1) || !(options.beta2 >= 0 && options.beta2 < 1) ||
      !(options.eps > 0))
    throw std::invalid_argument("FusedAdam: betas must be in [0, 1) and eps positive");
  m_.reserve(sizes.size());
  v_.reserve(sizes.size());
  for (size_t n : sizes) {
    m_.emplace_back(n, 0.f);
    v_.emplace_back(n, 0.f);
  }
}

namespace {

// One parameter's update. Each line is one torch::optim op, in its order and float rounding:
//   AdamW: p.mul_(1 - lr*wd)        Adam: g = g + wd*p
//   m.mul_(b1).add_(g, 1 - b1);  v.mul_(b2).addcmul_(g, g, 1 - b2)
//   denom = sqrt(v) / sqrt(bc2) + eps;  p.addcdiv_(m, denom, -lr / bc1)
// `clip` multiplies the gradient first (clip_grad_norm_'s grad.mul_(coef)).
void update(float* __restrict p, const float* __restrict grad, float* __restrict m,
            float* __restrict v, size_t n, float clip, bool decoupled, float decay_factor,
            float l2, float b1, float one_minus_b1, float b2, float one_minus_b2,
            float sqrt_bc2, float eps, float neg_step) {
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i] * clip;
    float value = p[i];
    if (decoupled) value = value * decay_factor;
    else g = g + l2 * value;
    const float mi = m[i] * b1 + one_minus_b1 * g;
    const float vi = v[i] * b2 + (one_minus_b2 * g) * g;
    const float denom = std::sqrt(vi) / sqrt_bc2 + eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = value + (neg_step * mi) / denom;
  }
}

}  // namespace

double FusedAdam::step(std::span<const FusedAdamParam> params, double lr) {
  if (params.size() != m_.size())
    throw std::invalid_argument("FusedAdam::step: " + std::to_string(params.size()) +
                                " parameters, constructed for " + std::to_string(m_.size()));
  double sum_squares = 0;
  for (size_t k = 0; k < params.size(); ++k) {
    const FusedAdamParam& p = params[k];
    if (p.size != m_[k].size())
      throw std::invalid_argument("FusedAdam::step: parameter " + std::to_string(k) + " has " +
                                  std::to_string(p.size) + " values, constructed for " +
                                  std::to_string(m_[k].size()));
    if (!p.grad) continue;
    double s = 0;
    for (size_t i = 0; i < p.size; ++i) s += double(p.grad[i]) * double(p.grad[i]);
    sum_squares += s;
  }
  const double norm = std::sqrt(sum_squares);
  // clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to at most 1, applied always.
  float clip = 1.f;
  if (options_.max_grad_norm > 0)
    clip = std::fmin(float(options_.max_grad_norm / (norm + 1e-6)), 1.f);

  const double b1 = options_.beta1, b2 = options_.beta2;
  for (size_t k = 0; k < params.size(); ++k) {
    const FusedAdamParam& p = params[k];
    if (!p.grad) continue;
    const int64_t t = ++steps_[k];
    const double bc1 = 1 - std::pow(b1, double(t));
    const double bc2 = 1 - std::pow(b2, double(t));
    update(p.values, p.grad, m_[k].data(), v_[k].data(), p.size, clip,
           options_.decoupled_weight_decay, float(1 - lr * p.weight_decay), float(p.weight_decay),
           float(b1), float(1 - b1), float(b2), float(1 - b2), float(std::sqrt(bc2)),
           float(options_.eps), float(-(lr / bc1)));
  }
  return norm;
}

}  // namespace tinydet
