// Philox4x32-10 counter-based generator and the random kernels on top of it (see random.h).
#include "random.h"

#include <cmath>
#include <cstring>
#include <algorithm>
#include <mutex>
#include <numeric>
#include <type_traits>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "simd.h"

// _mm512_setzero_si512 and friends read an "uninitialised" register on purpose (GCC 12 warns)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace tl {

namespace {

struct U32x4 {
  uint32_t v[4];
};

// Philox4x32-10: counter (c0..c3) under key (k0, k1), ten rounds of
//   (c0,c1,c2,c3) ← (hi(M1·c2) ⊕ c1 ⊕ k0, lo(M1·c2), hi(M0·c0) ⊕ c3 ⊕ k1, lo(M0·c0)),  k += (W0, W1)
inline U32x4 philox(uint64_t counter, uint64_t key) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
  for (int r = 0; r < 10; ++r) {
    const uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
    const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

Generator& pick(Generator* g) { return g ? *g : default_generator(); }

// Philox4x32-10 on kLanes consecutive counters base, base+1, …: the rounds of philox(), lane by lane
// (r[w][l] = word w of counter base + l). The vector copies hold one 32-bit lane per counter and form
// hi(M·c) from the two 64-bit even/odd products: hi = blend(even >> 32, odd & 0xFFFFFFFF00000000).
constexpr int kLanes = 16;

void philox_lanes_portable(uint64_t base, uint64_t key, uint32_t (*r)[kLanes]) {
  for (int l = 0; l < kLanes; ++l) {
    const U32x4 w = philox(base + (uint64_t)l, key);
    for (int k = 0; k < 4; ++k) r[k][l] = w.v[k];
  }
}

#define TL_AVX512_RNG __attribute__((target("avx512f")))
TL_AVX512_RNG inline __m512i mulhi_epu32_512(__m512i a, __m512i m) {
  const __m512i even = _mm512_srli_epi64(_mm512_mul_epu32(a, m), 32);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), _mm512_srli_epi64(m, 32));
  return _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, odd);
}
TL_AVX512_RNG void philox_lanes_avx512(uint64_t base, uint64_t key, uint32_t (*r)[kLanes]) {
  alignas(64) uint32_t lo[kLanes], hi[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    const uint64_t ctr = base + (uint64_t)l;
    lo[l] = (uint32_t)ctr, hi[l] = (uint32_t)(ctr >> 32);
  }
  __m512i c0 = _mm512_load_si512(lo), c1 = _mm512_load_si512(hi), c2 = _mm512_setzero_si512(), c3 = c2;
  const __m512i M0 = _mm512_set1_epi32((int)0xD2511F53u), M1 = _mm512_set1_epi32((int)0xCD9E8D57u);
  uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(mulhi_epu32_512(c2, M1), c1), _mm512_set1_epi32((int)k0));
    const __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(mulhi_epu32_512(c0, M0), c3), _mm512_set1_epi32((int)k1));
    c1 = _mm512_mullo_epi32(c2, M1);
    c3 = _mm512_mullo_epi32(c0, M0);
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  _mm512_storeu_si512(r[0], c0);
  _mm512_storeu_si512(r[1], c1);
  _mm512_storeu_si512(r[2], c2);
  _mm512_storeu_si512(r[3], c3);
}

#define TL_AVX2_RNG __attribute__((target("avx2")))
TL_AVX2_RNG inline __m256i mulhi_epu32_256(__m256i a, __m256i m) {
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(a, m), 32);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32));
  return _mm256_blend_epi32(even, odd, 0xAA);
}
TL_AVX2_RNG void philox_lanes_avx2(uint64_t base, uint64_t key, uint32_t (*r)[kLanes]) {
  for (int half = 0; half < kLanes; half += 8) {
    alignas(32) uint32_t lo[8], hi[8];
    for (int l = 0; l < 8; ++l) {
      const uint64_t ctr = base + (uint64_t)(half + l);
      lo[l] = (uint32_t)ctr, hi[l] = (uint32_t)(ctr >> 32);
    }
    __m256i c0 = _mm256_load_si256((const __m256i*)lo), c1 = _mm256_load_si256((const __m256i*)hi);
    __m256i c2 = _mm256_setzero_si256(), c3 = c2;
    const __m256i M0 = _mm256_set1_epi32((int)0xD2511F53u), M1 = _mm256_set1_epi32((int)0xCD9E8D57u);
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int round = 0; round < 10; ++round) {
      const __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(mulhi_epu32_256(c2, M1), c1), _mm256_set1_epi32((int)k0));
      const __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(mulhi_epu32_256(c0, M0), c3), _mm256_set1_epi32((int)k1));
      c1 = _mm256_mullo_epi32(c2, M1);
      c3 = _mm256_mullo_epi32(c0, M0);
      c0 = n0;
      c2 = n2;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    _mm256_storeu_si256((__m256i*)(r[0] + half), c0);
    _mm256_storeu_si256((__m256i*)(r[1] + half), c1);
    _mm256_storeu_si256((__m256i*)(r[2] + half), c2);
    _mm256_storeu_si256((__m256i*)(r[3] + half), c3);
  }
}

using PhiloxLanes = void (*)(uint64_t, uint64_t, uint32_t (*)[kLanes]);
PhiloxLanes philox_lanes() {
  const SimdLevel level = simd_level();
  return level == SimdLevel::AVX512 ? philox_lanes_avx512
         : level == SimdLevel::AVX2 ? philox_lanes_avx2
                                    : philox_lanes_portable;
}

// Element i's two 32-bit words.
inline uint64_t word64(uint64_t key, uint64_t base, int64_t i) {
  const U32x4 r = philox(base + (uint64_t)(i >> 1), key);
  const int h = (int)(i & 1) * 2;
  return ((uint64_t)r.v[h] << 32) | r.v[h + 1];
}

// U[0,1) with the dtype's precision: 24 bits for float32, 53 for float64.
template <typename T>
inline T to_unit(uint64_t w) {
  if (std::is_same<T, float>::value) return (T)((float)(w >> 40) * (1.0f / 16777216.0f));
  return (T)((double)(w >> 11) * (1.0 / 9007199254740992.0));
}

// out[k] = to_unit(word64(key, base, start + k)) for k < n: element i takes words (2·(i&1), 2·(i&1)+1) of
// block i/2, so one Philox call serves two elements and kLanes calls run side by side.
template <typename T>
void random_units(const PhiloxStream& s, int64_t start, int64_t n, T* out) {
  const PhiloxLanes lanes = philox_lanes();
  uint32_t r[4][kLanes];
  for (int64_t b0 = start >> 1, bend = (start + n + 1) >> 1; b0 < bend; b0 += kLanes) {
    lanes(s.base + (uint64_t)b0, s.key, r);
    for (int l = 0; l < kLanes && b0 + l < bend; ++l)
      for (int h = 0; h < 2; ++h) {
        const int64_t k = 2 * (b0 + l) + h - start;
        if (k >= 0 && k < n) out[k] = to_unit<T>(((uint64_t)r[2 * h][l] << 32) | r[2 * h + 1][l]);
      }
  }
}

void check_float(DType d, const char* op) {
  TL_CHECK(is_floating(d), TypeError, op << ": expected a floating dtype, got " << dtype_name(d));
}

void check_shape(const Shape& shape, const char* op) {
  for (int64_t d : shape) TL_CHECK(d >= 0, ValueError, op << ": negative size in shape " << shape_str(shape));
}

// p[i] = lo + (hi − lo)·U_i for i in [0, n), U_i from element i of the reserved blocks.
template <typename T>
void fill_uniform(T* p, int64_t n, double lo, double hi, Generator& g) {
  const auto kb = g.reserve(n);
  const T a = (T)lo, w = (T)(hi - lo);
  parallel_for(n, n * 16, [&](int64_t b, int64_t e) {
    T u[256];
    for (int64_t c = b; c < e; c += 256) {
      const int64_t m = std::min<int64_t>(256, e - c);
      random_units(PhiloxStream{kb.first, kb.second}, c, m, u);
      for (int64_t k = 0; k < m; ++k) p[c + k] = a + w * u[k];
    }
  });
}

// Box–Muller on block j = i/2: u1 = words 0,1, u2 = words 2,3 (53 bits each);
// r = sqrt(−2 log(1 − u1)), θ = 2π u2; element 2j = mean + std·r cos θ, 2j+1 = mean + std·r sin θ.
template <typename T>
void fill_normal(T* p, int64_t n, double mean, double std, Generator& g) {
  const auto kb = g.reserve(n);
  const int64_t pairs = (n + 1) / 2;
  parallel_for(pairs, n * 32, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      const U32x4 r = philox(kb.second + (uint64_t)j, kb.first);
      const double u1 = (double)(((((uint64_t)r.v[0] << 32) | r.v[1])) >> 11) * (1.0 / 9007199254740992.0);
      const double u2 = (double)(((((uint64_t)r.v[2] << 32) | r.v[3])) >> 11) * (1.0 / 9007199254740992.0);
      const double rad = std::sqrt(-2.0 * std::log(1.0 - u1)), th = 6.283185307179586 * u2;
      p[2 * j] = (T)(mean + std * rad * std::cos(th));
      if (2 * j + 1 < n) p[2 * j + 1] = (T)(mean + std * rad * std::sin(th));
    }
  });
}

// Run fill(T* p, n) on x in place: directly when contiguous, else through a contiguous copy.
template <typename F>
void fill_inplace(Array& x, const F& fill) {
  Array c = x.is_contiguous() ? x : Array::empty(x.shape, x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, "fill", [&] { fill(c.data<scalar_t>(), c.numel(), scalar_t(0)); });
  if (!x.is_contiguous()) x.copy_from(c);
}

}  // namespace

void Generator::manual_seed(uint64_t s) {
  std::lock_guard<std::mutex> lock(mu);
  seed = s;
  offset = 0;
}

PhiloxStream random_reserve(int64_t n) {
  const auto kb = default_generator().reserve(n);
  return {kb.first, kb.second};
}
float random_unit_f32(const PhiloxStream& s, int64_t i) { return to_unit<float>(word64(s.key, s.base, i)); }
double random_unit_f64(const PhiloxStream& s, int64_t i) { return to_unit<double>(word64(s.key, s.base, i)); }

void random_units_f32(const PhiloxStream& s, int64_t start, int64_t n, float* out) { random_units(s, start, n, out); }
void random_units_f64(const PhiloxStream& s, int64_t start, int64_t n, double* out) { random_units(s, start, n, out); }

std::pair<uint64_t, uint64_t> Generator::reserve(int64_t n) {
  std::lock_guard<std::mutex> lock(mu);
  const uint64_t first = offset;
  offset += (uint64_t)((n + 1) / 2);
  return {seed, first};
}

Generator& default_generator() {
  static Generator g;
  return g;
}

void manual_seed(int64_t seed) { default_generator().manual_seed((uint64_t)seed); }

int64_t initial_seed() {
  Generator& g = default_generator();
  std::lock_guard<std::mutex> lock(g.mu);
  return (int64_t)g.seed;
}

Array rand(const Shape& shape, DType dtype, Generator* gen) {
  check_float(dtype, "rand");
  check_shape(shape, "rand");
  Array out = Array::empty(shape, dtype);
  TL_DISPATCH_FLOATING(dtype, "rand",
                       [&] { fill_uniform<scalar_t>(out.data<scalar_t>(), out.numel(), 0.0, 1.0, pick(gen)); });
  return out;
}

Array randn(const Shape& shape, DType dtype, Generator* gen) {
  check_float(dtype, "randn");
  check_shape(shape, "randn");
  Array out = Array::empty(shape, dtype);
  TL_DISPATCH_FLOATING(dtype, "randn",
                       [&] { fill_normal<scalar_t>(out.data<scalar_t>(), out.numel(), 0.0, 1.0, pick(gen)); });
  return out;
}

// out[i] = low + (W_i mod (high − low)), W_i the element's 64 random bits.
Array randint(int64_t low, int64_t high, const Shape& shape, Generator* gen) {
  check_shape(shape, "randint");
  TL_CHECK(high > low, ValueError, "randint: expected low < high, got low=" << low << ", high=" << high);
  Array out = Array::empty(shape, DType::Int64);
  const int64_t n = out.numel();
  const uint64_t range = (uint64_t)high - (uint64_t)low;
  const auto kb = pick(gen).reserve(n);
  int64_t* p = out.data<int64_t>();
  parallel_for(n, n * 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = (int64_t)((uint64_t)low + word64(kb.first, kb.second, i) % range);
  });
  return out;
}

void uniform_(Array& x, double lo, double hi, Generator* gen) {
  check_cpu(x, "uniform_");
  check_float(x.dtype, "uniform_");
  TL_CHECK(lo <= hi, ValueError, "uniform_: expects a [from, to) range, but got from=" << lo << " > to=" << hi);
  fill_inplace(x, [&](auto* p, int64_t n, auto z) { fill_uniform<decltype(z)>(p, n, lo, hi, pick(gen)); });
}

void normal_(Array& x, double mean, double std, Generator* gen) {
  check_cpu(x, "normal_");
  check_float(x.dtype, "normal_");
  TL_CHECK(std >= 0, ValueError, "normal_: expects std >= 0.0, but found std " << std);
  fill_inplace(x, [&](auto* p, int64_t n, auto z) { fill_normal<decltype(z)>(p, n, mean, std, pick(gen)); });
}

// Fisher–Yates: for i = n−1 … 1 (draw k = n−1−i): swap(out[i], out[W_k mod (i+1)]).
Array randperm(int64_t n, Generator* gen) {
  TL_CHECK(n >= 0, ValueError, "randperm: n must be non-negative, got " << n);
  Array out = Array::empty({n}, DType::Int64);
  int64_t* p = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  const auto kb = pick(gen).reserve(n);
  for (int64_t i = n - 1; i >= 1; --i) {
    const uint64_t j = word64(kb.first, kb.second, n - 1 - i) % (uint64_t)(i + 1);
    std::swap(p[i], p[j]);
  }
  return out;
}

// mask[i] = U_i ≥ p; y[i] = x[i]·mask[i]/(1−p)  (p = 1: y = 0).
std::pair<Array, Array> dropout(const Array& x_in, double p) {
  const char* op = "dropout";
  check_cpu(x_in, op);
  check_float(x_in.dtype, op);
  TL_CHECK(p >= 0.0 && p <= 1.0, ValueError, op << ": probability has to be between 0 and 1, but got " << p);
  Array x = x_in.contiguous();
  const int64_t n = x.numel();
  Array y = Array::empty(x.shape, x.dtype), mask = Array::empty(x.shape, DType::Bool);
  const auto kb = default_generator().reserve(n);
  bool* mp = mask.data<bool>();
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    const T scale = p < 1.0 ? (T)(1.0 / (1.0 - p)) : T(0);
    const T tp = (T)p;
    const PhiloxStream st{kb.first, kb.second};
    parallel_for(n, n * 16, [&](int64_t b, int64_t e) {
      T u[256];
      for (int64_t c = b; c < e; c += 256) {
        const int64_t m = std::min<int64_t>(256, e - c);
        random_units(st, c, m, u);
        for (int64_t k = 0; k < m; ++k) {
          const bool keep = p < 1.0 && u[k] >= tp;
          mp[c + k] = keep;
          yp[c + k] = keep ? xp[c + k] * scale : T(0);
        }
      }
    });
  });
  return {y, mask};
}

// Row r of probs (weights w_c ≥ 0, W = Σ w_c > 0), draw s uses random word U_{r,s}:
//   with replacement:    c = the first category whose running sum exceeds U·W (inverse CDF)
//   without replacement: keys k_c = w_c / E_c with E_c = −ln(1 − U_{r,c}); the num_samples
//                        categories of largest key, in decreasing key order (ties: lower c), so
//                        zero-weight categories come only once the positive ones are used up (torch).
Array multinomial(const Array& probs_in, int64_t num_samples, bool replacement_in, Generator* gen) {
  bool replacement = replacement_in;
  const char* op = "multinomial";
  check_cpu(probs_in, op);
  check_float(probs_in.dtype, op);
  TL_CHECK(probs_in.ndim() == 1 || probs_in.ndim() == 2, ValueError,
           op << ": prob_dist must be 1 or 2 dim, got shape " << shape_str(probs_in.shape));
  const int64_t R = probs_in.ndim() == 2 ? probs_in.shape[0] : 1, C = probs_in.shape.back();
  TL_CHECK(C > 0, ValueError, op << ": number of categories cannot be zero");
  TL_CHECK(num_samples > 0, ValueError, op << ": cannot sample n_sample <= 0 samples (got " << num_samples << ")");
  TL_CHECK(replacement || num_samples <= C, ValueError,
           op << ": cannot sample n_sample > prob_dist.size(-1) samples without replacement (" << num_samples
              << " > " << C << ")");
  Array p = probs_in.astype(DType::Float64).contiguous();
  const double* w = p.data<double>();
  for (int64_t r = 0; r < R; ++r) {  // validate every row before drawing
    double total = 0.0;
    int64_t positive = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double v = w[r * C + c];
      TL_CHECK(std::isfinite(v) && v >= 0.0, RuntimeError,
               op << ": probability tensor contains either `inf`, `nan` or element < 0");
      total += v;
      positive += v > 0.0;
    }
    TL_CHECK(total > 0.0, RuntimeError, op << ": invalid multinomial distribution (sum of probabilities <= 0)");
    (void)positive;
  }
  Shape os = probs_in.ndim() == 2 ? Shape{R, num_samples} : Shape{num_samples};
  Array out = Array::empty(os, DType::Int64);
  int64_t* op_ = out.data<int64_t>();
  // one draw without replacement has the law of one with it: an inverse-CDF draw (one random
  // number, not C) serves both — the usual case of sampling a token
  replacement = replacement || num_samples == 1;
  const int64_t per_row = replacement ? num_samples : C;
  const auto kb = pick(gen).reserve(R * per_row);
  parallel_for(R, R * C * 4, [&](int64_t b, int64_t e) {
    std::vector<double> acc(C);
    std::vector<int64_t> order(C);
    for (int64_t r = b; r < e; ++r) {
      const double* wr = w + r * C;
      if (replacement) {
        double run = 0.0;
        for (int64_t c = 0; c < C; ++c) acc[c] = run += wr[c];
        for (int64_t s = 0; s < num_samples; ++s) {
          const double u = to_unit<double>(word64(kb.first, kb.second, r * per_row + s)) * run;
          int64_t c = std::upper_bound(acc.begin(), acc.end(), u) - acc.begin();
          while (c > 0 && (c >= C || wr[c] == 0.0)) --c;  // never a zero-weight category (rounding at u ≈ W)
          op_[r * num_samples + s] = c;
        }
      } else {
        for (int64_t c = 0; c < C; ++c) {
          const double u = to_unit<double>(word64(kb.first, kb.second, r * per_row + c));
          acc[c] = wr[c] > 0.0 ? wr[c] / -std::log1p(-u) : 0.0;  // zero weight: only after every positive one
        }
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + num_samples, order.end(),
                          [&](int64_t a, int64_t c) { return acc[a] > acc[c] || (acc[a] == acc[c] && a < c); });
        for (int64_t s = 0; s < num_samples; ++s) op_[r * num_samples + s] = order[s];
      }
    }
  });
  return out;
}

}  // namespace tl
