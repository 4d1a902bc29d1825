// oneTBB task arenas for the fast kernels, one per worker count, created on first use.
#include "parallel.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace tinydet::kernels {

int worker_count(const KernelContext& ctx) { return std::clamp(ctx.threads, 1, kScratchSlots); }

namespace {

tbb::task_arena& arena_for(int workers) {
  static std::mutex mutex;
  static std::unique_ptr<tbb::task_arena> arenas[kScratchSlots + 1];
  std::lock_guard<std::mutex> lock(mutex);
  auto& a = arenas[workers];
  if (!a) {
    // No slot reserved for the calling (master) thread: every worker, including the one that
    // enters the arena, gets an index in [0, workers).
    a = std::make_unique<tbb::task_arena>(workers, 1);
    a->initialize();
  }
  return *a;
}

}  // namespace

void parallel_ranges(const KernelContext& ctx, int64_t n, int64_t work,
                     FunctionRef<void(int64_t, int64_t, int)> body) {
  const int workers = worker_count(ctx);
  if (workers <= 1 || n < 2 || work < kMinParallelWork) {
    body(0, n, 0);
    return;
  }
  arena_for(workers).execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, n),
        [&](const tbb::blocked_range<int64_t>& r) {
          const int slot = std::clamp(tbb::this_task_arena::current_thread_index(), 0, workers - 1);
          body(r.begin(), r.end(), slot);
        },
        tbb::static_partitioner());
  });
}

}  // namespace tinydet::kernels
