// pool_for(n, work, fn): parallel_for's contract — fn(begin, end) over [0, n) in contiguous chunks, threads
// only when `work` (a cost estimate) reaches kParallelGrain — on the GEMM's worker pool (gemm.h) instead of
// an OpenMP team. The caller works too and never waits for a helper the OS has not scheduled, and no
// OpenMP team is left spinning beside the pool's helpers between a model's many small products. Used by
// the quantised products and the Llama kernels, which alternate with GEMMs ~150 times a decoded token.
#pragma once
#include <algorithm>
#include <cstdint>

#include "../core/parallel.h"
#include "gemm.h"

namespace tl {

template <typename F>
void pool_for(int64_t n, int64_t work, const F& fn) {
  const int nt = get_num_threads();
  if (nt <= 1 || n <= 1 || work < kParallelGrain) {
    if (n > 0) fn(0, n);
    return;
  }
  const int64_t chunks = std::min<int64_t>(n, 4 * nt);  // a few per thread: a late helper still finds work
  gemm_parallel_chunks(nt, chunks, [&](int64_t c) {
    const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    if (b < e) fn(b, e);
  });
}

}  // namespace tl
