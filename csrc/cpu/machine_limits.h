// The machine's own limits, measured for the benchmark suite (machine_limits.cpp says how).
#pragma once
#include <cstdint>

namespace tl {

// FP32 FMA throughput in GFLOP/s on `threads` threads: best of `reps` runs of ~`seconds` each.
double fma_peak_gflops(int threads, double seconds, int reps);
// STREAM triad a[i] = b[i] + s·c[i] over three float32 arrays of n_bytes each, GB/s (3 arrays counted).
double stream_triad_gbps(int64_t n_bytes, int threads, int reps);

}  // namespace tl
