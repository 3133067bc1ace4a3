// The GEMM's own worker threads. Why not `omp parallel`: a parallel region ends in a join
// that waits for every team member, and on a machine shared with other processes a member
// that the OS has not scheduled yet costs a whole time slice (milliseconds for a 60 µs
// product). Here the caller works too, claiming chunks from a counter; a helper joins when
// it runs, and the caller waits only for chunks that a helper has actually claimed. At
// worst the caller does everything itself, at single-thread speed.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>

namespace tl {

// Run fn(c) for c in [0, nchunks) on the caller plus up to nt - 1 helpers. Returns false
// (nothing run) when another caller is using the pool: the caller then runs serially.
bool gemm_pool_run(int nt, int64_t nchunks, const std::function<void(int64_t)>& fn);

// Chunks run by the caller / by helpers since start (a diagnostic for gemm_info).
void gemm_pool_stats(int64_t& caller_chunks, int64_t& helper_chunks);

}  // namespace tl
