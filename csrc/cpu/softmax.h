// NN kernels: softmax / log_softmax and their backward (softmax.cpp), and the small SIMD
// toolkit they share with cross_entropy.cpp.
//
// SIMD: the row kernels are templates over an "Ops" struct (OpsScalar<T>, Ops256, Ops512)
// whose static members carry __attribute__((target(...))). A kernel template itself has no
// target; each entry point is `target(...) flatten`, which inlines the template and then the
// Ops members into one function compiled for that ISA. The entry is picked at run time by
// tl::simd_level(); the build has no -march flag.
#pragma once
#pragma GCC diagnostic ignored "-Wpsabi"  // vector arguments of the per-target helpers
// GCC 12 false positive inside the AVX-512 intrinsics (_mm512_undefined_ps operands)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../core/array.h"
#include "simd.h"
#include "simd_math.h"

namespace tl {

// Softmax along `axis` (any axis, any strides): y = exp(x − max) / Σ exp(x − max).
Array softmax(const Array& x, int64_t axis);
// log_softmax along `axis`: y = x − max − log Σ exp(x − max).
Array log_softmax(const Array& x, int64_t axis);
// dx = y·(g − Σ_axis g·y)   (y = softmax output)
Array softmax_backward(const Array& y, const Array& g, int64_t axis);
// dx = g − exp(y)·Σ_axis g   (y = log_softmax output)
Array log_softmax_backward(const Array& y, const Array& g, int64_t axis);

// Outputs at least this many bytes are written with non-temporal (streaming) stores: they
// do not fit the caches anyway, and streaming skips the read-for-ownership of the output.
constexpr int64_t kStreamBytes = 8 << 20;

namespace nnsimd {

#define TL_T512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
#define TL_T256 __attribute__((target("avx2,fma")))

// One lane: the portable path (and every float64 path). exp is std::exp.
template <typename Tp>
struct OpsScalar {
  using T = Tp;
  using V = Tp;
  static constexpr int W = 1;
  static inline V set1(T a) { return a; }
  static inline V zero() { return T(0); }
  static inline V load(const T* p) { return *p; }
  static inline V loadn(const T* p, int64_t n, T fill) { return n > 0 ? *p : fill; }
  static inline void store(T* p, V v) { *p = v; }
  static inline void storen(T* p, V v, int64_t n) {
    if (n > 0) *p = v;
  }
  static inline void stream(T* p, V v) { *p = v; }
  static inline void fence() {}
  static inline V add(V a, V b) { return a + b; }
  static inline V sub(V a, V b) { return a - b; }
  static inline V mul(V a, V b) { return a * b; }
  static inline V max(V a, V b) { return a > b ? a : b; }
  static inline V fmadd(V a, V b, V c) { return a * b + c; }
  static inline V exp(V x) { return std::exp(x); }
  static inline V sub_lane(V v, int64_t, T a) { return v - a; }  // lane 0 of a 1-lane vector
  static inline T hmax(V v) { return v; }
  static inline T hsum(V v) { return v; }
};

// Ops512 and Ops256 are parallel on purpose: the same member list, one per ISA, so the kernel
// templates read the same for both; only the intrinsics (and masks, horizontal ops) differ.
//
// exp: expf_math (simd_math.h, the same reduction + polynomial as tl::vm::exp); here
// rounded by roundscale and scaled by 2^n with scalef (exp(x > 88.7) = inf).
// About 1–2 ulp. exp(−inf) = 0, NaN propagates.
struct Ops512 {
  using T = float;
  using V = __m512;
  static constexpr int W = 16;
  TL_T512 static inline V set1(float a) { return _mm512_set1_ps(a); }
  TL_T512 static inline V zero() { return _mm512_setzero_ps(); }
  TL_T512 static inline V load(const float* p) { return _mm512_loadu_ps(p); }
  TL_T512 static inline __mmask16 mk(int64_t n) { return (__mmask16)((1u << (unsigned)n) - 1u); }
  // Lanes ≥ n are `fill` and their memory is not touched (masked loads do not fault).
  TL_T512 static inline V loadn(const float* p, int64_t n, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mk(n), p);
  }
  TL_T512 static inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  TL_T512 static inline void storen(float* p, V v, int64_t n) { _mm512_mask_storeu_ps(p, mk(n), v); }
  TL_T512 static inline void stream(float* p, V v) { _mm512_stream_ps(p, v); }  // p 64-aligned
  TL_T512 static inline void fence() { _mm_sfence(); }
  TL_T512 static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
  TL_T512 static inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  TL_T512 static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  TL_T512 static inline V max(V a, V b) { return _mm512_max_ps(a, b); }
  TL_T512 static inline V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  TL_T512 static inline V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }  // c − a·b
  TL_T512 static inline V exp(V x) {
    // Only a lower clamp: scalef turns large n into inf / 0 itself. max() returns its second
    // operand when either is NaN, so NaN survives.
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    V fx = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(expf_math::kLog2e)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = expf_math::reduce<Ops512>(x, fx);
    // e^r = 1 + r + r²·P(r), evaluated as one Horner chain of FMAs
    V p = expf_math::poly<Ops512>(r);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, fx);
  }
  // v with lane `lane` decreased by a
  TL_T512 static inline V sub_lane(V v, int64_t lane, float a) {
    return _mm512_mask_sub_ps(v, (__mmask16)(1u << (unsigned)lane), v, _mm512_set1_ps(a));
  }
  TL_T512 static inline float hmax(V v) { return _mm512_reduce_max_ps(v); }
  TL_T512 static inline float hsum(V v) { return _mm512_reduce_add_ps(v); }
};

struct Ops256 {
  using T = float;
  using V = __m256;
  static constexpr int W = 8;
  TL_T256 static inline V set1(float a) { return _mm256_set1_ps(a); }
  TL_T256 static inline V zero() { return _mm256_setzero_ps(); }
  TL_T256 static inline V load(const float* p) { return _mm256_loadu_ps(p); }
  TL_T256 static inline __m256i mk(int64_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  TL_T256 static inline V loadn(const float* p, int64_t n, float fill) {
    __m256i m = mk(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  TL_T256 static inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  TL_T256 static inline void storen(float* p, V v, int64_t n) { _mm256_maskstore_ps(p, mk(n), v); }
  TL_T256 static inline void stream(float* p, V v) { _mm256_stream_ps(p, v); }  // p 32-aligned
  TL_T256 static inline void fence() { _mm_sfence(); }
  TL_T256 static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
  TL_T256 static inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  TL_T256 static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  TL_T256 static inline V max(V a, V b) { return _mm256_max_ps(a, b); }
  TL_T256 static inline V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  TL_T256 static inline V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }  // c − a·b
  TL_T256 static inline V exp(V x0) {
    V x = _mm256_max_ps(_mm256_set1_ps(-87.3365f), x0);
    x = _mm256_min_ps(_mm256_set1_ps(88.0f), x);  // keeps 2^n finite (n ≤ 127)
    V fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(expf_math::kLog2e)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = expf_math::reduce<Ops256>(x, fx);
    V p = expf_math::poly<Ops256>(r);  // then 1 + r + r²·P(r) as one FMA chain
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i n = _mm256_cvtps_epi32(fx);
    V pow2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
    V y = _mm256_mul_ps(p, pow2);
    // below the normal range (and −inf): 0
    return _mm256_andnot_ps(_mm256_cmp_ps(x0, _mm256_set1_ps(-87.3365f), _CMP_LT_OQ), y);
  }
  TL_T256 static inline V sub_lane(V v, int64_t lane, float a) {
    __m256i m = _mm256_cmpeq_epi32(_mm256_set1_epi32((int)lane), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_sub_ps(v, _mm256_and_ps(_mm256_castsi256_ps(m), _mm256_set1_ps(a)));
  }
  TL_T256 static inline float hmax(V v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
  TL_T256 static inline float hsum(V v) {
    __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
};

// Per-ISA entry points of a row kernel written as a template over an Ops struct `O`:
//   NAME_512<float>, NAME_256<float>: `target(...) flatten` (the template and the Ops members
//       inline into one function compiled for that ISA);
//   NAME_scalar<T>: OpsScalar<T>, the portable path and every float64 call;
//   NAME_pick<T>(): the one to call for T at the current tl::simd_level().
// PARAMS is the parameter list spelled with T; the body (the rest) uses O and the parameters.
#define TL_NN_ENTRIES(NAME, PARAMS, ...)                                                          \
  template <typename T>                                                                           \
  TL_T512 __attribute__((flatten)) void NAME##_512 PARAMS {                                       \
    using O = Ops512;                                                                             \
    __VA_ARGS__                                                                                   \
  }                                                                                               \
  template <typename T>                                                                           \
  TL_T256 __attribute__((flatten)) void NAME##_256 PARAMS {                                       \
    using O = Ops256;                                                                             \
    __VA_ARGS__                                                                                   \
  }                                                                                               \
  template <typename T>                                                                           \
  void NAME##_scalar PARAMS {                                                                     \
    using O = OpsScalar<T>;                                                                       \
    __VA_ARGS__                                                                                   \
  }                                                                                               \
  template <typename T>                                                                           \
  auto NAME##_pick()->decltype(&NAME##_scalar<T>) {                                               \
    if constexpr (std::is_same<T, float>::value) {                                                \
      const ::tl::SimdLevel lvl = ::tl::simd_level();                                             \
      if (lvl == ::tl::SimdLevel::AVX512) return NAME##_512<float>;                               \
      if (lvl == ::tl::SimdLevel::AVX2) return NAME##_256<float>;                                 \
    }                                                                                             \
    return NAME##_scalar<T>;                                                                      \
  }

// Write one row out[0..C) = f(i, n) (a vector of lanes [i, i+n), n ≤ W; n == W: full).
// Streaming stores when `nt` (aligned body; masked head and tail).
template <class O, class F>
inline void write_row(typename O::T* out, int64_t C, bool nt, F&& f) {
  using T = typename O::T;
  constexpr int W = O::W;
  int64_t i = 0;
  if (nt && W > 1) {
    int64_t head = (int64_t)((((uintptr_t)0 - (uintptr_t)out) % (W * sizeof(T))) / sizeof(T));
    if (head > C) head = C;
    if (head) O::storen(out, f(0, head), head);
    for (i = head; i + W <= C; i += W) O::stream(out + i, f(i, W));
  } else {
    for (; i + W <= C; i += W) O::store(out + i, f(i, W));
  }
  if (i < C) O::storen(out + i, f(i, C - i), C - i);
}

// Load lanes [i, i+n) of p (n == W: a plain load).
template <class O>
inline typename O::V load_part(const typename O::T* p, int64_t n, typename O::T fill) {
  return n == O::W ? O::load(p) : O::loadn(p, n, fill);
}

// m = max_c x[c] (four accumulators).
template <class O>
inline typename O::T row_max(const typename O::T* x, int64_t C) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  const T ninf = -std::numeric_limits<T>::infinity();
  V m0 = O::set1(ninf), m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 0;
  for (; i + 4 * W <= C; i += 4 * W) {
    m0 = O::max(m0, O::load(x + i));
    m1 = O::max(m1, O::load(x + i + W));
    m2 = O::max(m2, O::load(x + i + 2 * W));
    m3 = O::max(m3, O::load(x + i + 3 * W));
  }
  for (; i + W <= C; i += W) m0 = O::max(m0, O::load(x + i));
  if (i < C) m1 = O::max(m1, O::loadn(x + i, C - i, ninf));
  return O::hmax(O::max(O::max(m0, m1), O::max(m2, m3)));
}

// Σ_c exp(x[c] − m); when STORE also e[c] = exp(x[c] − m). `pf` (may be null): the next
// row, prefetched while this one computes (x itself is in L1 after row_max).
template <class O, bool STORE>
inline typename O::T row_sumexp(const typename O::T* x, int64_t C, typename O::T m, typename O::T* e,
                                const typename O::T* pf = nullptr) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  const T ninf = -std::numeric_limits<T>::infinity();
  const V vm = O::set1(m);
  V s0 = O::zero(), s1 = s0;
  int64_t i = 0;
  for (; i + 2 * W <= C; i += 2 * W) {
    if (pf) {
      __builtin_prefetch(pf + i);
      __builtin_prefetch(pf + i + W);
    }
    V e0 = O::exp(O::sub(O::load(x + i), vm));
    V e1 = O::exp(O::sub(O::load(x + i + W), vm));
    if (STORE) {
      O::store(e + i, e0);
      O::store(e + i + W, e1);
    }
    s0 = O::add(s0, e0);
    s1 = O::add(s1, e1);
  }
  for (; i + W <= C; i += W) {
    V e0 = O::exp(O::sub(O::load(x + i), vm));
    if (STORE) O::store(e + i, e0);
    s0 = O::add(s0, e0);
  }
  if (i < C) {
    V e0 = O::exp(O::sub(O::loadn(x + i, C - i, ninf), vm));
    if (STORE) O::storen(e + i, e0, C - i);
    s1 = O::add(s1, e0);
  }
  return O::hsum(O::add(s0, s1));
}

}  // namespace nnsimd
}  // namespace tl
