// The tensor arena (one owned, aligned block of bytes) and the sentinel helpers that
// measure how much of it an inference really writes.
//
// Recording: fill the arena with a position-dependent sentinel pattern before a run; after
// the run, the highest byte that no longer holds the pattern is the high-water mark. A
// written byte may equal the pattern by chance, so two runs with complementary patterns
// (xor_mask 0x00 and 0xFF) give the exact mark as the larger of the two results: a byte
// written with the same value in both runs cannot equal both patterns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tinydet {

class Arena {
 public:
  Arena() = default;
  /// `bytes` may be 0. `alignment` is a power of two; data() is aligned to it.
  explicit Arena(size_t bytes, size_t alignment = 64);
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

/// The sentinel byte at position `i` for `xor_mask`.
uint8_t sentinel_byte(size_t i, uint8_t xor_mask);
/// Fills bytes [begin, end) of `p` with the sentinel pattern (positions relative to p).
void fill_sentinel(uint8_t* p, size_t begin, size_t end, uint8_t xor_mask);
/// One past the highest position in [0, n) that no longer holds the sentinel; 0 if none.
size_t sentinel_high_water(const uint8_t* p, size_t n, uint8_t xor_mask);

}  // namespace tinydet
