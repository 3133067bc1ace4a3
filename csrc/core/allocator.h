// Host memory for tensor storage: 64-byte aligned (one cache line, one zmm register), with a
// cache of freed blocks so a training loop that allocates the same shapes every step reuses
// them instead of taking fresh pages from the kernel (page faults cost up to 7x on large
// elementwise ops, see PERF-NOTES). Blocks of 2 MiB or more are mapped directly (mmap, 2 MiB
// aligned, transparent huge pages asked for) so that freeing one gives its pages back.
//
// The cache is bounded, and the bound adapts:
//   limit = clamp(recent peak of live bytes, 64 MiB, physical memory / 8)
// where "recent" is the last two windows of 4096 allocations: a loop whose steps need P bytes
// keeps up to P bytes of freed blocks to reuse, never more than an eighth of the machine (the
// cgroup limit when one is set). When a freed block would push the cache over the limit, the
// oldest cached blocks go back to the system first. TL_HOST_CACHE_MAX=<bytes> caps the limit
// (0: no caching).
//
// Exact mode (for AddressSanitizer): every block is exactly the requested size, from malloc,
// and never cached, so a read or write one byte past a tensor is reported. On when built with
// TL_SANITIZE (setup.py defines TL_ALLOC_EXACT) or when TL_ALLOC_EXACT=1 is in the environment
// at the first allocation.
#pragma once
#include <cstddef>

namespace tl {

void* host_alloc(size_t nbytes);           // never returns null: throws OutOfMemoryError
void host_free(void* ptr, size_t nbytes);  // nbytes must be the size given to host_alloc

struct HostAllocStats {
  size_t live = 0;    // bytes handed out and not yet freed (rounded block sizes)
  size_t peak = 0;    // highest `live` since start
  size_t cached = 0;  // bytes held in the free-block cache
  size_t limit = 0;   // the cache's current bound
  size_t system = 0;  // bytes currently taken from the system (live + cached)
  bool exact = false; // exact mode (no rounding, no cache)
};

size_t host_cached_bytes();   // bytes held in the free-block cache
void host_empty_cache();      // give every cached block back to the system
HostAllocStats host_alloc_stats();

}  // namespace tl
