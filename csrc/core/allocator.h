// Host memory for tensor storage: 64-byte aligned (one cache line, one zmm register),
// with a cache of freed blocks so a training loop that allocates the same shapes every
// step reuses them instead of taking fresh pages from the kernel (page faults cost up to
// 7x on large elementwise ops, see PERF-NOTES). Blocks of 2 MiB or more ask the kernel
// for transparent huge pages.
#pragma once
#include <cstddef>

namespace tl {

void* host_alloc(size_t nbytes);           // never returns null: throws RuntimeError
void host_free(void* ptr, size_t nbytes);  // nbytes must be the size given to host_alloc
size_t host_cached_bytes();                // bytes held in the free-block cache
void host_empty_cache();                   // give every cached block back to the system

}  // namespace tl
