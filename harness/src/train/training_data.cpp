// InMemorySource: examples held in memory, with optional horizontal flips.
#include <stdexcept>

#include "train/training_data.h"

namespace tinydet {

Example InMemorySource::get(size_t index, uint64_t seed, const Augmentation* aug) const {
  if (index >= examples_.size())
    throw std::out_of_range("InMemorySource: index " + std::to_string(index) + " of " +
                            std::to_string(examples_.size()));
  Example e = examples_[index];
  if (!aug || aug->flip_prob <= 0.f) return e;
  // splitmix64 of the seed: one uniform draw decides the flip.
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  const double u = double(z >> 11) * (1.0 / 9007199254740992.0);
  if (u >= aug->flip_prob) return e;
  for (int y = 0; y < e.height; ++y)
    for (int x = 0; x < e.width / 2; ++x)
      for (int c = 0; c < 3; ++c)
        std::swap(e.rgb[(size_t(y) * e.width + x) * 3 + c],
                  e.rgb[(size_t(y) * e.width + (e.width - 1 - x)) * 3 + c]);
  for (Box& b : e.boxes) {
    const float x0 = float(e.width) - b.x1, x1 = float(e.width) - b.x0;
    b.x0 = x0;
    b.x1 = x1;
  }
  return e;
}

}  // namespace tinydet
