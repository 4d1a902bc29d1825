// Activation functions in float and in the int8 domain (internal to the engine).
#pragma once

#include <algorithm>

#include "tinydet/graph.h"

namespace tinydet::act {

inline float apply_float(float v, Act a, float leaky_alpha) {
  switch (a) {
    case Act::None: return v;
    case Act::ReLU: return std::max(v, 0.f);
    case Act::ReLU6: return std::min(std::max(v, 0.f), 6.f);
    case Act::LeakyReLU: return v >= 0.f ? v : leaky_alpha * v;
  }
  return v;
}

}  // namespace tinydet::act
