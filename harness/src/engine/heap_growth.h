// Measured growth of the process heap across one call (internal to the engine): the
// figure the SDK reports as "heap growth during inference".
#pragma once

#include "function_ref.h"

namespace tinydet::kernels {

/// Calls `run` once as a warm-up (lazy one-time allocations such as thread pools and
/// statics happen there), then once more, and returns how much the process heap grew
/// across the second call: glibc mallinfo2's in-use bytes (uordblks) plus mmapped bytes
/// (hblkhd), after minus before. 0 when the call allocates nothing it keeps.
long long heap_growth_across(FunctionRef<void()> run);

}  // namespace tinydet::kernels
