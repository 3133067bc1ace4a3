// Threads: OpenMP underneath, one knob (tinygrad_lite.set_num_threads). Small work runs
// on the calling thread: waking a team costs microseconds, more than a 64x128 relu.
#pragma once
#include <algorithm>

#include "errors.h"
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tl {

// Below this many elements of memory-bound work, stay single-threaded: up to 1 MiB of
// float32 a second thread saves microseconds, and on a loaded 2-core machine waking it can
// cost milliseconds (the OS must schedule it).
constexpr int64_t kParallelGrain = 1 << 18;

int get_num_threads();
void set_num_threads(int n);

// Call fn(begin, end) over [0, n) split into contiguous chunks, one per thread, when
// `work` (a cost estimate, e.g. elements touched) is large enough to pay for the team.
template <typename F>
void parallel_for(int64_t n, int64_t work, const F& fn) {
#ifdef _OPENMP
  int nt = get_num_threads();
  if (nt > 1 && n > 1 && work >= kParallelGrain) {
    nt = (int)std::min<int64_t>(nt, n);
#pragma omp parallel num_threads(nt)
    {
      int t = omp_get_thread_num();
      int64_t chunk = (n + nt - 1) / nt;
      int64_t b = t * chunk, e = std::min<int64_t>(n, b + chunk);
      if (b < e) fn(b, e);
    }
    return;
  }
#endif
  fn(0, n);
}

}  // namespace tl
