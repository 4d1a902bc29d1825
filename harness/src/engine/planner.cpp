// The greedy-by-size, first-fit arena planner (after TensorFlow Lite Micro's
// GreedyMemoryPlanner) and the live-bytes lower bound every planner must respect.
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "tinydet/planner.h"

namespace tinydet {

namespace {

size_t align_up(size_t v, size_t alignment) { return (v + alignment - 1) / alignment * alignment; }

bool lifetimes_overlap(const BufferLifetime& a, const BufferLifetime& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

class GreedyPlanner final : public MemoryPlanner {
 public:
  explicit GreedyPlanner(size_t alignment) : alignment_(alignment) {
    if (alignment == 0) throw std::invalid_argument("greedy planner: alignment must be > 0");
  }

  int add_buffer(size_t size, int first_use, int last_use) override {
    check_lifetime(first_use, last_use);
    buffers_.push_back({size, first_use, last_use});
    fixed_offset_.push_back(kFree);
    planned_ = false;
    return int(buffers_.size()) - 1;
  }

  int add_placed_buffer(size_t size, int first_use, int last_use, size_t offset) override {
    check_lifetime(first_use, last_use);
    if (offset == kFree) throw std::invalid_argument("greedy planner: offset out of range");
    buffers_.push_back({size, first_use, last_use});
    fixed_offset_.push_back(offset);
    planned_ = false;
    return int(buffers_.size()) - 1;
  }

  size_t arena_size() override {
    plan();
    size_t end = 0;
    for (size_t i = 0; i < buffers_.size(); ++i) end = std::max(end, offsets_[i] + buffers_[i].size);
    return end;
  }

  size_t offset(int id) override {
    if (id < 0 || id >= int(buffers_.size()))
      throw std::out_of_range("greedy planner: no buffer " + std::to_string(id));
    plan();
    return offsets_[size_t(id)];
  }

  int buffer_count() const override { return int(buffers_.size()); }

 private:
  static constexpr size_t kFree = std::numeric_limits<size_t>::max();

  void check_lifetime(int first_use, int last_use) const {
    if (first_use < 0 || last_use < first_use)
      throw std::invalid_argument("greedy planner: buffer " + std::to_string(buffers_.size()) +
                                  " has an empty lifetime [" + std::to_string(first_use) + ", " +
                                  std::to_string(last_use) + "]");
  }

  bool share_bytes(int a, int b) const {
    const auto &x = buffers_[size_t(a)], &y = buffers_[size_t(b)];
    return x.size > 0 && y.size > 0 && lifetimes_overlap(x, y) && offsets_[size_t(a)] < offsets_[size_t(b)] + y.size &&
           offsets_[size_t(b)] < offsets_[size_t(a)] + x.size;
  }

  // Pre-placed buffers first, at their offsets. Then the others largest first (ties:
  // earlier first use, then lower id), each at the lowest aligned offset that overlaps no
  // already placed buffer alive at the same time.
  void plan() {
    if (planned_) return;
    const size_t n = buffers_.size();
    offsets_.assign(n, 0);
    std::vector<int> placed;
    for (size_t id = 0; id < n; ++id) {
      if (fixed_offset_[id] == kFree) continue;
      offsets_[id] = fixed_offset_[id];
      for (int p : placed)
        if (share_bytes(int(id), p))
          throw std::invalid_argument("greedy planner: pre-placed buffers " + std::to_string(p) + " and " +
                                      std::to_string(id) + " share bytes while both are alive");
      placed.push_back(int(id));
    }
    std::vector<int> order;
    for (size_t id = 0; id < n; ++id)
      if (fixed_offset_[id] == kFree) order.push_back(int(id));
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      const auto &x = buffers_[size_t(a)], &y = buffers_[size_t(b)];
      if (x.size != y.size) return x.size > y.size;
      if (x.first_use != y.first_use) return x.first_use < y.first_use;
      return a < b;
    });
    std::vector<int> conflicts;
    for (int id : order) {
      const BufferLifetime& buf = buffers_[size_t(id)];
      conflicts.clear();
      for (int p : placed)
        if (lifetimes_overlap(buf, buffers_[size_t(p)]) && buffers_[size_t(p)].size > 0)
          conflicts.push_back(p);
      std::sort(conflicts.begin(), conflicts.end(),
                [&](int a, int b) { return offsets_[size_t(a)] < offsets_[size_t(b)]; });
      size_t candidate = 0;
      if (buf.size > 0) {
        for (int c : conflicts) {
          const size_t c_begin = offsets_[size_t(c)];
          const size_t c_end = c_begin + buffers_[size_t(c)].size;
          if (candidate + buf.size <= c_begin) break;  // fits in the gap below `c`
          candidate = std::max(candidate, align_up(c_end, alignment_));
        }
      }
      offsets_[size_t(id)] = candidate;
      placed.push_back(id);
    }
    planned_ = true;
  }

  size_t alignment_;
  std::vector<BufferLifetime> buffers_;
  std::vector<size_t> fixed_offset_;  // per buffer: its pre-placed offset, or kFree
  std::vector<size_t> offsets_;
  bool planned_ = false;
};

}  // namespace

int MemoryPlanner::add_placed_buffer(size_t, int, int, size_t) {
  throw std::logic_error("this memory planner does not support pre-placed buffers");
}

std::unique_ptr<MemoryPlanner> make_greedy_planner(size_t alignment) {
  return std::make_unique<GreedyPlanner>(alignment);
}

size_t arena_lower_bound(const std::vector<BufferLifetime>& buffers) {
  // Sweep over op indices: +size at first_use, -size after last_use.
  std::vector<std::pair<int, long long>> events;
  events.reserve(buffers.size() * 2);
  for (const auto& b : buffers) {
    events.push_back({b.first_use, (long long)b.size});
    events.push_back({b.last_use + 1, -(long long)b.size});
  }
  // At equal times apply releases first: a buffer ending at t-1 is not live at t.
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second < b.second;
  });
  long long live = 0, peak = 0;
  for (const auto& [t, delta] : events) {
    live += delta;
    peak = std::max(peak, live);
  }
  return size_t(peak);
}

}  // namespace tinydet
