// Fused Llama inference kernels (llama_ops.h). Each loop body is written once, without a target,
// and inlined into three entry points compiled for AVX-512, AVX2+FMA and the baseline; GCC
// vectorises the inner loops of each (the dot products through `omp simd` reductions, exp through
// the branch-free vm::exp of cpu_math.h), and the one used is picked per call from tl::simd_level().
//
// Without trapping math GCC if-converts the selects in vm::exp (as csrc/cpu/elementwise.h notes).
#pragma GCC optimize("no-trapping-math")
#include "llama_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../core/parallel.h"
#include "cpu_math.h"
#include "gemm.h"
#include "pool_for.h"
#include "simd.h"
#include "simd_math.h"

#define TL_LL_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma,prefer-vector-width=512")))
#define TL_LL_AVX2 __attribute__((target("avx2,fma")))
#define TL_LL_INLINE inline __attribute__((always_inline))

// NAME_avx512 / NAME_avx2 / NAME_portable calling NAME_body, and NAME_run dispatching on simd_level().
#define TL_LL_PER_TARGET(NAME, PARAMS, ARGS)                                  \
  TL_LL_AVX512 static void NAME##_avx512 PARAMS { NAME##_body ARGS; }        \
  TL_LL_AVX2 static void NAME##_avx2 PARAMS { NAME##_body ARGS; }            \
  static void NAME##_portable PARAMS { NAME##_body ARGS; }                   \
  static void NAME##_run PARAMS {                                             \
    switch (simd_level()) {                                                   \
      case SimdLevel::AVX512: return NAME##_avx512 ARGS;                      \
      case SimdLevel::AVX2: return NAME##_avx2 ARGS;                          \
      default: return NAME##_portable ARGS;                                   \
    }                                                                         \
  }

namespace tl {
namespace llama {
namespace {

// From this many tokens at once, attention runs as GEMMs (a prompt); below, as row-by-row dots.
constexpr int64_t kGemmAttentionMinT = 8;

TL_LL_INLINE float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float s = 0.f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// rows [t0, t1) of y = x·rsqrt(mean(x²) + eps)·w
TL_LL_INLINE void rms_norm_body(const float* x, const float* w, float* y, int64_t t0, int64_t t1, int64_t D,
                                float eps) {
  for (int64_t t = t0; t < t1; ++t) {
    const float* xr = x + t * D;
    float* yr = y + t * D;
    const float r = 1.f / std::sqrt(dot(xr, xr, D) / (float)D + eps);
#pragma omp simd
    for (int64_t i = 0; i < D; ++i) yr[i] = (xr[i] * r) * w[i];
  }
}
TL_LL_PER_TARGET(rms_norm, (const float* x, const float* w, float* y, int64_t t0, int64_t t1, int64_t D, float eps),
                 (x, w, y, t0, t1, D, eps))

// pairs (2i, 2i+1) of every head of rows [t0, t1), token t at position pos0 + t
TL_LL_INLINE void rope_body(float* x, const float* cs, const float* sn, int64_t t0, int64_t t1, int64_t H, int64_t hd,
                            int64_t pos0) {
  const int64_t half = hd / 2;
  for (int64_t t = t0; t < t1; ++t) {
    const float* c = cs + (pos0 + t) * half;
    const float* s = sn + (pos0 + t) * half;
    for (int64_t h = 0; h < H; ++h) {
      float* v = x + (t * H + h) * hd;
#pragma omp simd
      for (int64_t i = 0; i < half; ++i) {
        const float a = v[2 * i], b = v[2 * i + 1];
        v[2 * i] = a * c[i] - b * s[i];
        v[2 * i + 1] = b * c[i] + a * s[i];
      }
    }
  }
}
TL_LL_PER_TARGET(rope, (float* x, const float* cs, const float* sn, int64_t t0, int64_t t1, int64_t H, int64_t hd,
                        int64_t pos0),
                 (x, cs, sn, t0, t1, H, hd, pos0))

// One token and one key/value head: the G query heads that share it (q: G rows of hd) attend to
// positions [0, S). Each K and V row is loaded once for all G heads. p is scratch for G·S floats.
//   p[h, s] = q_h·k_s·scale;  p[h] = exp(p[h] − max) / Σ;  out_h = Σ_s p[h, s]·v_s
TL_LL_INLINE void attend_body(const float* q, const float* K, const float* V, float* out, float* p, int64_t G,
                              int64_t S, int64_t hd, float scale) {
  for (int64_t s = 0; s < S; ++s)
    for (int64_t h = 0; h < G; ++h) p[h * S + s] = dot(q + h * hd, K + s * hd, hd) * scale;
  for (int64_t h = 0; h < G; ++h) {
    float* ph = p + h * S;
    float m = -INFINITY;
    for (int64_t s = 0; s < S; ++s) m = std::max(m, ph[s]);
    float sum = 0.f;
#pragma omp simd reduction(+ : sum)
    for (int64_t s = 0; s < S; ++s) {
      ph[s] = vm::exp(ph[s] - m);
      sum += ph[s];
    }
    const float inv = 1.f / sum;
#pragma omp simd
    for (int64_t s = 0; s < S; ++s) ph[s] *= inv;
#pragma omp simd
    for (int64_t i = 0; i < hd; ++i) out[h * hd + i] = 0.f;
  }
  for (int64_t s = 0; s < S; ++s) {
    const float* vs = V + s * hd;
    for (int64_t h = 0; h < G; ++h) {
      const float w = p[h * S + s];
      float* oh = out + h * hd;
#pragma omp simd
      for (int64_t i = 0; i < hd; ++i) oh[i] += w * vs[i];
    }
  }
}
TL_LL_PER_TARGET(attend, (const float* q, const float* K, const float* V, float* out, float* p, int64_t G, int64_t S,
                          int64_t hd, float scale),
                 (q, K, V, out, p, G, S, hd, scale))

// Rows [t0, t1) of a (T, S) score matrix → causal softmax in place: row t keeps columns s < t + off.
TL_LL_INLINE void causal_softmax_body(float* P, int64_t t0, int64_t t1, int64_t S, int64_t off) {
  for (int64_t t = t0; t < t1; ++t) {
    float* row = P + t * S;
    const int64_t n = std::min(S, t + off);
    float m = -INFINITY;
    for (int64_t s = 0; s < n; ++s) m = std::max(m, row[s]);
    float sum = 0.f;
#pragma omp simd reduction(+ : sum)
    for (int64_t s = 0; s < n; ++s) {
      row[s] = vm::exp(row[s] - m);
      sum += row[s];
    }
    const float inv = 1.f / sum;
#pragma omp simd
    for (int64_t s = 0; s < n; ++s) row[s] *= inv;
    for (int64_t s = n; s < S; ++s) row[s] = 0.f;
  }
}
TL_LL_PER_TARGET(causal_softmax, (float* P, int64_t t0, int64_t t1, int64_t S, int64_t off), (P, t0, t1, S, off))

TL_LL_INLINE void silu_mul_body(const float* g, const float* u, float* y, int64_t i0, int64_t i1) {
#pragma omp simd
  for (int64_t i = i0; i < i1; ++i) y[i] = g[i] / (1.f + vm::exp(-g[i])) * u[i];
}
TL_LL_PER_TARGET(silu_mul, (const float* g, const float* u, float* y, int64_t i0, int64_t i1), (g, u, y, i0, i1))

}  // namespace

void rms_norm(const float* x, const float* w, float* y, int64_t T, int64_t D, float eps) {
  pool_for(T, T * D, [&](int64_t t0, int64_t t1) { rms_norm_run(x, w, y, t0, t1, D, eps); });
}

void rope_(float* x, const float* cos, const float* sin, int64_t T, int64_t H, int64_t hd, int64_t pos0) {
  pool_for(T, T * H * hd, [&](int64_t t0, int64_t t1) { rope_run(x, cos, sin, t0, t1, H, hd, pos0); });
}

void attention(const float* q, const float* k, const float* v, float* k_cache, float* v_cache, float* out,
               int64_t T, int64_t H, int64_t Hkv, int64_t hd, int64_t cap, int64_t pos0) {
  // append: cache[g, pos0 + t, :] = k[t, g, :]
  for (int64_t t = 0; t < T; ++t)
    for (int64_t g = 0; g < Hkv; ++g) {
      std::copy(k + (t * Hkv + g) * hd, k + (t * Hkv + g + 1) * hd, k_cache + (g * cap + pos0 + t) * hd);
      std::copy(v + (t * Hkv + g) * hd, v + (t * Hkv + g + 1) * hd, v_cache + (g * cap + pos0 + t) * hd);
    }
  const int64_t group = H / Hkv;
  const float scale = 1.f / std::sqrt((float)hd);
  const int64_t S_max = pos0 + T;
  if (T >= kGemmAttentionMinT) {
    // A prompt: per query head, scores = q_h·K_gᵀ·scale (T, S) and out_h = softmax(scores)·V_g as two
    // GEMMs (strided operands read in place, threads inside the GEMM), masked causally in between.
    std::vector<float> P((size_t)(T * S_max));
    for (int64_t h = 0; h < H; ++h) {
      const float* Kg = k_cache + (h / group) * cap * hd;
      const float* Vg = v_cache + (h / group) * cap * hd;
      gemm_f32(T, S_max, hd, scale, q + h * hd, H * hd, 1, Kg, 1, hd, 0.f, P.data(), S_max, 1, get_num_threads());
      pool_for(T, T * S_max * 8, [&](int64_t t0, int64_t t1) {
        causal_softmax_run(P.data(), t0, t1, S_max, pos0 + 1);
      });
      gemm_f32(T, hd, S_max, 1.f, P.data(), S_max, 1, Vg, hd, 1, 0.f, out + h * hd, H * hd, 1, get_num_threads());
    }
    return;
  }
  // decoding: one task per (token, kv head): its `group` query heads are consecutive in q and out
  pool_for(T * Hkv, T * H * S_max * hd * 2, [&](int64_t i0, int64_t i1) {
    std::vector<float> p((size_t)(group * S_max));
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t t = i / Hkv, g = i % Hkv;
      const int64_t head0 = (t * H + g * group) * hd;
      attend_run(q + head0, k_cache + g * cap * hd, v_cache + g * cap * hd, out + head0, p.data(), group,
                 pos0 + t + 1, hd, scale);
    }
  });
}

void silu_mul(const float* g, const float* u, float* y, int64_t n) {
  pool_for(n, n * 8, [&](int64_t i0, int64_t i1) { silu_mul_run(g, u, y, i0, i1); });
}

}  // namespace llama
}  // namespace tl
