// The aligned arena block and the sentinel pattern used to measure its high-water mark.
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "tinydet/arena.h"

namespace tinydet {

Arena::Arena(size_t bytes, size_t alignment) : size_(bytes) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    throw std::invalid_argument("arena: alignment " + std::to_string(alignment) +
                                " is not a power of two");
  if (bytes == 0) return;
  // aligned_alloc wants a size that is a multiple of the alignment; the usable size
  // stays `bytes`.
  const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, rounded);
  if (!p) throw std::bad_alloc();
  data_.reset(static_cast<uint8_t*>(p));
}

void Arena::Free::operator()(uint8_t* p) const { std::free(p); }

uint8_t sentinel_byte(size_t i, uint8_t xor_mask) {
  // A cheap hash of the position: neighbouring bytes differ, so a kernel that writes a
  // constant (zeros, a zero point) is never mistaken for an untouched region.
  uint32_t x = uint32_t(i) * 0x9E3779B1u;
  x ^= x >> 15;
  return uint8_t(x >> 7) ^ xor_mask;
}

void fill_sentinel(uint8_t* p, size_t begin, size_t end, uint8_t xor_mask) {
  for (size_t i = begin; i < end; ++i) p[i] = sentinel_byte(i, xor_mask);
}

size_t sentinel_high_water(const uint8_t* p, size_t n, uint8_t xor_mask) {
  for (size_t i = n; i > 0; --i)
    if (p[i - 1] != sentinel_byte(i - 1, xor_mask)) return i;
  return 0;
}

}  // namespace tinydet
