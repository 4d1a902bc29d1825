// A size-keyed caching allocator for libtorch's CPU tensors, used while training.
//
// Why: every training step allocates and frees the same set of large activation and
// gradient tensors (tens of MB at batch 32). glibc serves blocks above its mmap threshold
// (at most 32 MiB) with mmap and returns them with munmap, so each step page-faults and
// zero-fills all of that memory again: on a 2-core machine SSDLite@160 spent about 30% of
// its training time in the kernel's page-fault handler (perf). Keeping freed blocks for
// reuse by the next request of the same size removes that cost.
//
// Ownership: blocks come from c10::alloc_cpu (64-byte aligned) and are only returned to the
// system by release_cached() or when the cache would exceed its byte budget. The allocator
// object lives for the whole process (tensors made with it may outlive any trainer).
// Thread-safe. Memory contents of a reused block are unspecified, as with malloc.
#pragma once

#include <cstddef>

namespace tinydet::train_detail {

/// Makes the caching allocator libtorch's CPU allocator (idempotent). Tensors allocated
/// before keep their own deleters, so switching at any time is safe.
void use_caching_cpu_allocator();

/// Frees every cached (currently unused) block; returns the bytes released.
size_t release_cached_cpu_blocks();

}  // namespace tinydet::train_detail
