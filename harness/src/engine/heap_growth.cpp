// Heap growth across an inference: the layer runner's and any executor's.
#include "heap_growth.h"

#include <malloc.h>

#include "tinydet/executor.h"
#include "tinydet/layer_runner.h"

namespace tinydet {

namespace kernels {

long long heap_growth_across(FunctionRef<void()> run) {
  run();
  const struct mallinfo2 before = mallinfo2();
  run();
  const struct mallinfo2 after = mallinfo2();
  return (long long)(after.uordblks + after.hblkhd) - (long long)(before.uordblks + before.hblkhd);
}

}  // namespace kernels

long long LayerRunner::heap_growth_bytes(const void* input) {
  return kernels::heap_growth_across([&] { invoke(input); });
}

long long heap_growth_bytes(Executor& executor, const void* input) {
  return kernels::heap_growth_across([&] { executor.invoke(input); });
}

}  // namespace tinydet
