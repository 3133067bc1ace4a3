// The machine's own limits, measured the way the benchmark suite (benchmarks/limits.py) needs them:
//
//   fma_peak_gflops(threads)           FP32 FMA throughput: every thread runs a loop of K independent
//                                      fused multiply-adds, acc_k = acc_k·m + a, on K vector registers
//                                      (K = 16 zmm with AVX-512, 12 ymm with AVX2: enough in flight to
//                                      cover FMA latency × pipes, few enough to stay in registers).
//                                      GFLOP/s = 2 · lanes · K · iterations · threads / seconds.
//   stream_triad_gbps(n_bytes, threads) STREAM triad a[i] = b[i] + s·c[i] over three float arrays of
//                                      n_bytes each (make them ≥ 4× the L3 cache); GB/s counts the
//                                      3 arrays (2 read, 1 written) as STREAM does.
//
// Both return the best of `reps` timed repetitions (STREAM's convention: the limit is the fastest the
// machine went), after one untimed repetition. The build has no -march flag: each loop is compiled
// per target and chosen at run time from tl::simd_level().
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../core/errors.h"
#include "machine_limits.h"
#include "simd.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tl {

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---- FMA peak ---------------------------------------------------------------------------------
// Each returns the sum of its accumulators so the compiler must run every FMA. m < 1, so the
// accumulators converge to a/(1−m) and never overflow or go denormal. Returns FLOP done.
// One function per ISA on purpose: the accumulator count (16 zmm / 12 ymm) and the named
// registers are the point of the measurement, so they are spelled out rather than templated.

#define TL_FMA_BODY_16(FMA)                                                                          \
  FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5) FMA(6) FMA(7) FMA(8) FMA(9) FMA(10) FMA(11) FMA(12) \
      FMA(13) FMA(14) FMA(15)

__attribute__((target("avx512f,fma"))) double fma_loop_avx512(int64_t iters, float m, float a, float* sink) {
  const __m512 vm = _mm512_set1_ps(m), va = _mm512_set1_ps(a);
#define DECL(k) __m512 acc##k = _mm512_set1_ps((float)(k));
  TL_FMA_BODY_16(DECL)
#undef DECL
  for (int64_t i = 0; i < iters; ++i) {
#define STEP(k) acc##k = _mm512_fmadd_ps(acc##k, vm, va);
    TL_FMA_BODY_16(STEP)
#undef STEP
  }
  __m512 s = _mm512_setzero_ps();
#define SUM(k) s = _mm512_add_ps(s, acc##k);
  TL_FMA_BODY_16(SUM)
#undef SUM
  float lanes[16];
  _mm512_storeu_ps(lanes, s);
  float t = 0;
  for (float v : lanes) t += v;
  *sink = t;
  return 2.0 * 16 * 16 * (double)iters;  // 2 FLOP × 16 lanes × 16 accumulators
}

#define TL_FMA_BODY_12(FMA) FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5) FMA(6) FMA(7) FMA(8) FMA(9) FMA(10) FMA(11)

__attribute__((target("avx2,fma"))) double fma_loop_avx2(int64_t iters, float m, float a, float* sink) {
  const __m256 vm = _mm256_set1_ps(m), va = _mm256_set1_ps(a);
#define DECL(k) __m256 acc##k = _mm256_set1_ps((float)(k));
  TL_FMA_BODY_12(DECL)
#undef DECL
  for (int64_t i = 0; i < iters; ++i) {
#define STEP(k) acc##k = _mm256_fmadd_ps(acc##k, vm, va);
    TL_FMA_BODY_12(STEP)
#undef STEP
  }
  __m256 s = _mm256_setzero_ps();
#define SUM(k) s = _mm256_add_ps(s, acc##k);
  TL_FMA_BODY_12(SUM)
#undef SUM
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  float t = 0;
  for (float v : lanes) t += v;
  *sink = t;
  return 2.0 * 8 * 12 * (double)iters;  // 2 FLOP × 8 lanes × 12 accumulators
}

// Portable: 16 scalar chains; the compiler may vectorise them to SSE.
double fma_loop_portable(int64_t iters, float m, float a, float* sink) {
  float acc[16];
  for (int k = 0; k < 16; ++k) acc[k] = (float)k;
  for (int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < 16; ++k) acc[k] = acc[k] * m + a;
  float t = 0;
  for (float v : acc) t += v;
  *sink = t;
  return 2.0 * 16 * (double)iters;
}

double fma_loop(SimdLevel level, int64_t iters, float m, float a, float* sink) {
  switch (level) {
    case SimdLevel::AVX512: return fma_loop_avx512(iters, m, a, sink);
    case SimdLevel::AVX2: return fma_loop_avx2(iters, m, a, sink);
    default: return fma_loop_portable(iters, m, a, sink);
  }
}

// One timed run on `threads` threads: total FLOP / wall seconds.
double fma_run(int threads, int64_t iters, float m, float a) {
  SimdLevel level = simd_level();
  std::vector<float> sinks(threads * 16);  // one cache line per thread
  double flop = 0, t0 = now();
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : flop)
  flop += fma_loop(level, iters, m, a, &sinks[omp_get_thread_num() * 16]);
#else
  flop = fma_loop(level, iters, m, a, &sinks[0]);
#endif
  double dt = now() - t0;
  volatile float keep = sinks[0];
  (void)keep;
  return flop / dt;
}

}  // namespace

double fma_peak_gflops(int threads, double seconds, int reps) {
  TL_CHECK(threads >= 1, ValueError, "fma_peak_gflops: expected threads >= 1, got " << threads);
  TL_CHECK(reps >= 1 && seconds > 0, ValueError, "fma_peak_gflops: expected reps >= 1 and seconds > 0");
  // volatile: the compiler must not know m and a, or it could fold the loop.
  volatile float vm = 0.999999f, va = 1e-6f;
  float m = vm, a = va;
  // Size the loop from a short calibration run so each repetition lasts about `seconds`.
  int64_t probe = 1 << 16;
  fma_run(threads, probe, m, a);                  // warm-up: wake the team, raise the clock
  double rate = fma_run(threads, probe, m, a);    // FLOP/s
  double flop_per_iter = simd_level() == SimdLevel::AVX512 ? 512 : simd_level() == SimdLevel::AVX2 ? 192 : 32;
  int64_t iters = std::max<int64_t>(probe, (int64_t)(seconds * rate / (flop_per_iter * threads)));
  double best = 0;
  for (int r = 0; r < reps; ++r) best = std::max(best, fma_run(threads, iters, m, a));
  return best / 1e9;
}

namespace {

// ---- STREAM triad -----------------------------------------------------------------------------

__attribute__((target("avx512f"))) void triad_avx512(float* __restrict a, const float* __restrict b,
                                                     const float* __restrict c, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

__attribute__((target("avx2"))) void triad_avx2(float* __restrict a, const float* __restrict b,
                                                const float* __restrict c, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

void triad_portable(float* __restrict a, const float* __restrict b, const float* __restrict c, float s,
                    int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

void triad_chunk(SimdLevel level, float* a, const float* b, const float* c, float s, int64_t n) {
  switch (level) {
    case SimdLevel::AVX512: triad_avx512(a, b, c, s, n); break;
    case SimdLevel::AVX2: triad_avx2(a, b, c, s, n); break;
    default: triad_portable(a, b, c, s, n);
  }
}

// Every thread works on the same contiguous chunk each time (static split), so first touch puts
// its pages near it, as STREAM does.
template <typename F>
void for_chunks(int threads, int64_t n, const F& fn) {
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t chunk = (n + nt - 1) / nt;
    int64_t b = std::min<int64_t>(n, (int64_t)t * chunk), e = std::min<int64_t>(n, b + chunk);
    if (b < e) fn(b, e);
  }
#else
  fn(0, n);
#endif
}

struct Buffer {
  float* p = nullptr;
  explicit Buffer(int64_t n) {
    size_t bytes = ((size_t)n * sizeof(float) + 4095) / 4096 * 4096;
    p = (float*)std::aligned_alloc(4096, bytes);
    TL_CHECK(p, RuntimeError, "stream_triad_gbps: could not allocate " << bytes << " bytes");
  }
  ~Buffer() { std::free(p); }
};

}  // namespace

double stream_triad_gbps(int64_t n_bytes, int threads, int reps) {
  TL_CHECK(threads >= 1, ValueError, "stream_triad_gbps: expected threads >= 1, got " << threads);
  TL_CHECK(reps >= 1, ValueError, "stream_triad_gbps: expected reps >= 1, got " << reps);
  int64_t n = n_bytes / (int64_t)sizeof(float);
  TL_CHECK(n >= 1024, ValueError, "stream_triad_gbps: expected n_bytes >= 4096 (bytes per array), got " << n_bytes);
  Buffer a(n), b(n), c(n);
  for_chunks(threads, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) a.p[i] = 0.f, b.p[i] = 1.f, c.p[i] = 2.f;
  });
  SimdLevel level = simd_level();
  volatile float vs = 3.f;
  float s = vs;
  double best = 1e300;
  for (int r = 0; r <= reps; ++r) {  // repetition 0 is the warm-up
    double t0 = now();
    for_chunks(threads, n, [&](int64_t lo, int64_t hi) { triad_chunk(level, a.p + lo, b.p + lo, c.p + lo, s, hi - lo); });
    double dt = now() - t0;
    if (r > 0) best = std::min(best, dt);
  }
  volatile float keep = a.p[n / 2];
  (void)keep;
  return 3.0 * (double)n * sizeof(float) / best / 1e9;
}

}  // namespace tl
