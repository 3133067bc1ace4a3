#include "allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "errors.h"

namespace tl {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kMaxCached = size_t(1) << 30;  // keep at most 1 GiB of freed blocks

// Sizes are rounded so that blocks of similar size share a bucket: to 64 bytes below
// 4 KiB, to 4 KiB below 2 MiB, to 2 MiB above (whole huge pages).
size_t round_size(size_t n) {
  if (n == 0) n = 1;
  size_t q = n < 4096 ? kAlign : (n < kHugePage ? 4096 : kHugePage);
  return (n + q - 1) / q * q;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // rounded size -> blocks
  size_t cached = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // leaked on purpose: storage may be freed at exit
  return *c;
}

}  // namespace

void* host_alloc(size_t nbytes) {
  size_t n = round_size(nbytes);
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(n);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= n;
      return p;
    }
  }
  size_t align = n >= kHugePage ? kHugePage : kAlign;
  void* p = std::aligned_alloc(align, n);
  TL_CHECK(p != nullptr, RuntimeError, "out of memory: could not allocate " << nbytes << " bytes");
#ifdef MADV_HUGEPAGE
  if (n >= kHugePage) madvise(p, n, MADV_HUGEPAGE);
#endif
  return p;
}

void host_free(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t n = round_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached + n <= kMaxCached) {
      c.free_blocks[n].push_back(ptr);
      c.cached += n;
      return;
    }
  }
  std::free(ptr);
}

size_t host_cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.cached;
}

void host_empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& kv : c.free_blocks)
    for (void* p : kv.second) std::free(p);
  c.free_blocks.clear();
  c.cached = 0;
}

}  // namespace tl
