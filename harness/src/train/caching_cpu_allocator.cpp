#include "train/caching_cpu_allocator.h"

#include <mutex>
#include <unordered_map>
#include <vector>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

namespace tinydet::train_detail {
namespace {

// Cached free blocks never exceed this many bytes; beyond it, freed blocks go back to the
// system. A training step of the largest shipped model at batch 32 uses well under this.
constexpr size_t kMaxCachedBytes = size_t(4) << 30;

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t nbytes) const override {
    void* p = take(nbytes);
    return {p, p, &deleter, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &deleter; }

  size_t release() {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t released = 0;
    for (auto& [size, blocks] : free_) {
      for (void* p : blocks) {
        c10::free_cpu(p);
        size_of_.erase(p);
        released += size;
      }
      blocks.clear();
    }
    cached_bytes_ = 0;
    return released;
  }

  static CachingCpuAllocator& instance() {
    static auto* a = new CachingCpuAllocator();  // never destroyed: see the header
    return *a;
  }

 private:
  static void deleter(void* p) { instance().give_back(p); }

  void* take(size_t nbytes) const {
    if (nbytes == 0) return nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(nbytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= nbytes;
        return p;
      }
    }
    void* p = c10::alloc_cpu(nbytes);  // throws c10::Error when out of memory
    std::lock_guard<std::mutex> lock(mutex_);
    size_of_[p] = nbytes;
    return p;
  }

  void give_back(void* p) const {
    if (p == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = size_of_.find(p);
    if (it == size_of_.end()) {  // not ours (cannot happen with our deleter); be safe
      c10::free_cpu(p);
      return;
    }
    const size_t nbytes = it->second;
    if (cached_bytes_ + nbytes > kMaxCachedBytes) {
      size_of_.erase(it);
      c10::free_cpu(p);
      return;
    }
    free_[nbytes].push_back(p);
    cached_bytes_ += nbytes;
  }

  mutable std::mutex mutex_;
  mutable std::unordered_map<void*, size_t> size_of_;              // every live or cached block
  mutable std::unordered_map<size_t, std::vector<void*>> free_;    // cached blocks by size
  mutable size_t cached_bytes_ = 0;
};

}  // namespace

void use_caching_cpu_allocator() {
  static std::once_flag once;
  std::call_once(once, [] { c10::SetCPUAllocator(&CachingCpuAllocator::instance(), 1); });
}

size_t release_cached_cpu_blocks() { return CachingCpuAllocator::instance().release(); }

}  // namespace tinydet::train_detail
