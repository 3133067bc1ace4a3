#include "allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "errors.h"

namespace tl {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kMinLimit = size_t(64) << 20;  // the cache may always hold 64 MiB
constexpr uint64_t kWindow = 4096;               // allocations per peak-tracking window

// Sizes are rounded so that blocks of similar size share a bucket: to 64 bytes below
// 4 KiB, to 4 KiB below 2 MiB, to 2 MiB above (whole huge pages).
size_t round_size(size_t n) {
  if (n == 0) n = 1;
  size_t q = n < 4096 ? kAlign : (n < kHugePage ? 4096 : kHugePage);
  TL_CHECK(n <= SIZE_MAX - q, OutOfMemoryError, "out of memory: cannot allocate " << n << " bytes");
  return (n + q - 1) / q * q;
}

size_t env_size(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  unsigned long long x = std::strtoull(v, &end, 10);
  return end && *end == '\0' ? (size_t)x : fallback;
}

// Memory this process may use: physical memory, or the cgroup's limit when lower.
size_t usable_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  size_t mem = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : size_t(8) << 30;
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    if (FILE* f = std::fopen(path, "r")) {
      unsigned long long lim = 0;
      if (std::fscanf(f, "%llu", &lim) == 1 && lim > 0 && lim < mem) mem = (size_t)lim;
      std::fclose(f);
    }
  }
  return mem;
}

constexpr size_t kHugeAdviseMax = size_t(256) << 20;  // blocks above: 4 KiB pages (sys_alloc)

// Fresh memory from the system. Blocks of 2 MiB or more: an anonymous mapping aligned to 2 MiB
// (map 2 MiB more, unmap the ends), so freeing returns the pages at once and THP can back them.
// Smaller blocks: aligned_alloc. Null when the system refuses.
void* sys_alloc(size_t n) {
  if (n < kHugePage) return std::aligned_alloc(kAlign, n);
  void* raw = mmap(nullptr, n + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  uintptr_t a = (uintptr_t)raw, aligned = (a + kHugePage - 1) & ~(uintptr_t)(kHugePage - 1);
  if (aligned > a) munmap(raw, aligned - a);
  size_t tail = (a + n + kHugePage) - (aligned + n);
  if (tail) munmap((void*)(aligned + n), tail);
#ifdef MADV_HUGEPAGE
  // Not for the very largest blocks: with THP's usual defrag=madvise, each 2 MiB fault of a
  // madvised mapping may compact memory synchronously, and on a busy machine a 2 GiB fill then
  // took 18-22 s (torch's ones(2**31, bool): 0.4 s with 4 KiB pages, 8 s with its THP switch on).
  if (n <= kHugeAdviseMax) madvise((void*)aligned, n, MADV_HUGEPAGE);
#endif
  return (void*)aligned;
}

void sys_free(void* p, size_t n) {
  if (n < kHugePage) std::free(p);
  else munmap(p, n);
}

struct Block {
  size_t size;
  void* ptr;
};

struct Cache {
  std::mutex mu;
  bool exact = false;
  size_t max_limit = 0;  // physical memory / 8, or TL_HOST_CACHE_MAX
  // Free blocks, oldest first; each bucket lists its blocks (iterators into `lru`) oldest first,
  // and allocation reuses a bucket's newest block (still warm in cache).
  std::list<Block> lru;
  std::list<Block> spare;  // list nodes kept for reuse: caching a block never calls malloc
  // Empty buckets are kept (a training loop's sizes go 0 → 1 → 0 blocks every step: no
  // allocation for that) and swept when they outnumber the cached blocks.
  std::unordered_map<size_t, std::vector<std::list<Block>::iterator>> buckets;
  size_t cached = 0, live = 0, peak = 0;
  size_t window_peak = 0, prev_window_peak = 0;
  uint64_t window_count = 0;

  Cache() {
#ifdef TL_ALLOC_EXACT
    exact = true;
#else
    exact = env_size("TL_ALLOC_EXACT", 0) != 0;
#endif
    max_limit = env_size("TL_HOST_CACHE_MAX", usable_memory() / 8);
  }

  size_t limit() const {
    size_t recent = std::max(window_peak, prev_window_peak);
    return std::min(max_limit, std::max(kMinLimit, recent));
  }

  void note_alloc(size_t n) {
    live += n;
    peak = std::max(peak, live);
    window_peak = std::max(window_peak, live);
    if (++window_count >= kWindow) {
      prev_window_peak = window_peak;
      window_peak = live;
      window_count = 0;
    }
  }

  // Give the oldest cached block back to the system.
  void drop_oldest() {
    Block b = lru.front();
    auto& q = buckets[b.size];
    q.erase(q.begin());  // the oldest block of a bucket is the first in it
    spare.splice(spare.end(), lru, lru.begin());
    cached -= b.size;
    sys_free(b.ptr, b.size);
  }

  // Remember a freed block as the newest in the cache.
  void push(size_t n, void* ptr) {
    if (spare.empty()) lru.push_back({n, ptr});
    else {
      lru.splice(lru.end(), spare, spare.begin());
      lru.back() = {n, ptr};
    }
    buckets[n].push_back(std::prev(lru.end()));
    cached += n;
    if (buckets.size() > 2 * lru.size() + 256) {
      for (auto it = buckets.begin(); it != buckets.end();) it = it->second.empty() ? buckets.erase(it) : std::next(it);
    }
  }

  void drop_all() {
    for (const Block& b : lru) sys_free(b.ptr, b.size);
    lru.clear();
    spare.clear();
    buckets.clear();
    cached = 0;
  }
};

Cache& cache() {
  static Cache* c = new Cache();  // leaked on purpose: storage may be freed at exit
  return *c;
}

[[noreturn]] void out_of_memory(size_t nbytes) {
  TL_CHECK(false, OutOfMemoryError,
           "out of memory: could not allocate " << nbytes << " bytes (" << (nbytes >> 20) << " MiB) of host memory");
  __builtin_unreachable();
}

}  // namespace

void* host_alloc(size_t nbytes) {
  Cache& c = cache();
  if (c.exact) {  // exact size, so ASan's redzone starts at the first byte past the tensor
    void* p = nullptr;
    if (posix_memalign(&p, kAlign, nbytes ? nbytes : 1) != 0) out_of_memory(nbytes);
    std::lock_guard<std::mutex> lock(c.mu);
    c.note_alloc(nbytes);  // live and peak are counted in this mode too (memory_allocated())
    return p;
  }
  const size_t n = round_size(nbytes);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.buckets.find(n);
    if (it != c.buckets.end() && !it->second.empty()) {
      auto node = it->second.back();
      it->second.pop_back();
      void* p = node->ptr;
      c.spare.splice(c.spare.end(), c.lru, node);
      c.cached -= n;
      c.note_alloc(n);
      return p;
    }
  }
  void* p = sys_alloc(n);
  if (!p) {  // the cache may hold what the system lacks: release it and try once more
    host_empty_cache();
    p = sys_alloc(n);
    if (!p) out_of_memory(nbytes);
  }
  std::lock_guard<std::mutex> lock(c.mu);
  c.note_alloc(n);
  return p;
}

void host_free(void* ptr, size_t nbytes) {
  if (!ptr) return;
  Cache& c = cache();
  if (c.exact) {
    std::free(ptr);
    std::lock_guard<std::mutex> lock(c.mu);
    c.live -= std::min(c.live, nbytes);
    return;
  }
  const size_t n = round_size(nbytes);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    c.live -= std::min(c.live, n);
    const size_t limit = c.limit();
    if (n <= limit) {
      while (c.cached + n > limit) c.drop_oldest();
      c.push(n, ptr);
      return;
    }
  }
  sys_free(ptr, n);
}

size_t host_cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.cached;
}

void host_empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.drop_all();
}

HostAllocStats host_alloc_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  HostAllocStats s;
  s.live = c.live;
  s.peak = c.peak;
  s.cached = c.cached;
  s.limit = c.exact ? 0 : c.limit();
  s.system = c.live + c.cached;
  s.exact = c.exact;
  return s;
}

}  // namespace tl
