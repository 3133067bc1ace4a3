// The drivers of the quantised matrix products (see quant.h): the M = 1 row-dot path, the
// packed GEMM path, the row lookup, and the choice of kernel set by tl::simd_level().
#include "quant.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "../core/parallel.h"
#include "gemm.h"
#include "pool_for.h"
#include "simd.h"

namespace tl {
namespace quant {

namespace {

// Below this many rows of x, each row of x is a matrix-vector product: the weights are streamed
// once per row of x, but nothing is packed. Measured on the SmolLM2 shapes (benchmarks/quant):
// at M = 4 the packed GEMM already wins.
constexpr int64_t kGemmMinM = 4;

// Work (bytes of W touched) below which a matrix-vector product stays on the calling thread.
constexpr int64_t kDotParallelBytes = 32 << 10;

struct TypeRow {
  QType t;
  const char* name;
  int block, size;
};
constexpr TypeRow kTypes[] = {{QType::F32, "F32", 1, 4},   {QType::F16, "F16", 1, 2},
                              {QType::Q4_0, "Q4_0", 32, 18}, {QType::Q4_1, "Q4_1", 32, 20},
                              {QType::Q8_0, "Q8_0", 32, 34}, {QType::BF16, "BF16", 1, 2}};

const TypeRow& row_of(QType t) {
  for (const TypeRow& r : kTypes)
    if (r.t == t) return r;
  return kTypes[0];  // unreachable: QType values come from type_info
}

// xsum[b] = Σ_{j<32} x[32b + j], for the Q4 formats' offset terms.
void block_sums(const float* x, int64_t K, std::vector<float>& xsum) {
  xsum.assign((size_t)std::max<int64_t>(K / 32, 1), 0.f);
  for (int64_t b = 0; b < K / 32; ++b) {
    float s = 0;
    for (int j = 0; j < 32; ++j) s += x[32 * b + j];
    xsum[b] = s;
  }
}

// y_i (N_i,) (+)= W_i · x for products sharing one row x (K,) — one matrix, or a layer's q/k/v — as one
// job on the GEMM's pool: the caller works too and never waits for a thread the OS has not scheduled
// (gemm.h), which at ~150 products a decoded token matters more than balance. Each matrix is cut into
// chunks of whole 16-row groups (whole cache lines of y), about 8 per thread in all, in proportion to
// its bytes, so a late helper still finds work.
void matvec_many(const Kernels& kn, const Product* ps, int n, int64_t K, const float* x, bool accumulate) {
  std::vector<float> xsum;
  block_sums(x, K, xsum);
  int64_t total = 0;
  for (int i = 0; i < n; ++i) total += ps[i].N * row_bytes(ps[i].t, K);
  const int nt = total >= kDotParallelBytes ? get_num_threads() : 1;
  struct Chunk { int i; int64_t r0, r1; };
  std::vector<Chunk> chunks;
  for (int i = 0; i < n; ++i) {
    const int64_t groups = (ps[i].N + 15) / 16, bytes = ps[i].N * row_bytes(ps[i].t, K);
    const int64_t c = nt == 1 ? 1 : std::max<int64_t>(1, std::min<int64_t>(groups, 8 * nt * bytes / std::max<int64_t>(total, 1)));
    for (int64_t j = 0; j < c; ++j)
      chunks.push_back({i, std::min(ps[i].N, groups * j / c * 16), std::min(ps[i].N, groups * (j + 1) / c * 16)});
  }
  gemm_parallel_chunks(nt, (int64_t)chunks.size(), [&](int64_t c) {
    const Chunk& ch = chunks[c];
    const Product& p = ps[ch.i];
    const int64_t rb = row_bytes(p.t, K);
    if (ch.r1 > ch.r0) kn.dot(p.t, p.W + ch.r0 * rb, rb, ch.r1 - ch.r0, K, x, xsum.data(), p.y + ch.r0, accumulate);
  });
}

// y (M, N) = x (M, K) · Wᵀ by the packed path (quant.h).
void gemm(const Kernels& kn, QType t, const uint8_t* W, int64_t N, int64_t K, const float* x,
          int64_t M, float* y, bool accumulate) {
  const int64_t rb = row_bytes(t, K);
  const int MR = kn.mr, NP = kn.np;
  const int64_t panels = (M + NP - 1) / NP, Mp = panels * NP;
  // xT[p][k][i] = x[p*NP + i][k], zero beyond M: panel p is K×NP floats.
  std::vector<float> xT((size_t)(panels * K * NP), 0.f);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t i = 0; i < NP && p * NP + i < M; ++i) {
      const float* xr = x + (p * NP + i) * K;
      float* dst = xT.data() + p * K * NP + i;
      for (int64_t k = 0; k < K; ++k) dst[k * NP] = xr[k];
    }
  std::vector<float> yT((size_t)(N * Mp));  // yT[n][i]
  const int64_t tiles = (N + MR - 1) / MR;
  const int nt = M * N * K >= kParallelGrain ? get_num_threads() : 1;
  const int64_t chunks = std::min<int64_t>(tiles, 4 * nt);
  gemm_parallel_chunks(nt, chunks, [&](int64_t c) {
    const int64_t t0 = tiles * c / chunks, t1 = tiles * (c + 1) / chunks;
    std::vector<float> A((size_t)(MR * kKC));
    for (int64_t tile = t0; tile < t1; ++tile) {
      const int64_t n0 = tile * MR;
      const int nr = (int)std::min<int64_t>(MR, N - n0);
      for (int64_t k0 = 0; k0 < K; k0 += kKC) {
        const int64_t kc = std::min(kKC, K - k0);
        for (int r = 0; r < MR; ++r) {
          if (r < nr) kn.dequant(t, W + (n0 + r) * rb, k0, kc, A.data() + r * kKC);
          else std::memset(A.data() + r * kKC, 0, sizeof(float) * kc);
        }
        for (int64_t p = 0; p < panels; ++p)
          kn.ukr(kc, A.data(), xT.data() + p * K * NP + k0 * NP, yT.data() + n0 * Mp + p * NP, Mp,
                 k0 > 0, nr);
      }
    }
  });
  // y[m][n] (+)= yT[n][m], in 32×32 tiles so both sides stay in cache lines.
  pool_for((M + 31) / 32, M * N, [&](int64_t b0, int64_t b1) {
    for (int64_t mb = b0 * 32; mb < std::min(M, b1 * 32); mb += 32)
      for (int64_t nb = 0; nb < N; nb += 32)
        for (int64_t m = mb; m < std::min(M, mb + 32); ++m)
          for (int64_t n = nb; n < std::min(N, nb + 32); ++n)
            y[m * N + n] = accumulate ? y[m * N + n] + yT[n * Mp + m] : yT[n * Mp + m];
  });
}

}  // namespace

bool type_info(int code, const char** name, int* block_size, int* type_size) {
  for (const TypeRow& r : kTypes)
    if ((int)r.t == code) {
      if (name) *name = r.name;
      if (block_size) *block_size = r.block;
      if (type_size) *type_size = r.size;
      return true;
    }
  return false;
}

int64_t row_bytes(QType t, int64_t K) {
  const TypeRow& r = row_of(t);
  return K / r.block * r.size;
}

const Kernels& kernels() {
  // One table per level, built on first use; simd_level() may change between calls (tests).
  static const Kernels avx512 = [] { Kernels k{}; return kernels_avx512(k) ? k : Kernels{}; }();
  static const Kernels avx2 = [] { Kernels k{}; return kernels_avx2(k) ? k : Kernels{}; }();
  static const Kernels portable = [] { Kernels k{}; kernels_portable(k); return k; }();
  SimdLevel l = simd_level();
  if (l == SimdLevel::AVX512 && avx512.dot) return avx512;
  if (l >= SimdLevel::AVX2 && avx2.dot) return avx2;
  return portable;
}

void matmul(QType t, const uint8_t* W, int64_t N, int64_t K, const float* x, int64_t M, float* y,
            bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    if (!accumulate) std::fill(y, y + M * N, 0.f);
    return;
  }
  const Kernels& kn = kernels();
  if (M < kGemmMinM) {
    for (int64_t m = 0; m < M; ++m) {
      const Product p{t, W, N, y + m * N};
      matvec_many(kn, &p, 1, K, x + m * K, accumulate);
    }
    return;
  }
  gemm(kn, t, W, N, K, x, M, y, accumulate);
}

void matmul_many(const Product* ps, int n, int64_t K, const float* x, int64_t M) {
  if (M <= 0) return;
  const Kernels& kn = kernels();
  if (M >= kGemmMinM || K == 0) {
    for (int i = 0; i < n; ++i) matmul(ps[i].t, ps[i].W, ps[i].N, K, x, M, ps[i].y);
    return;
  }
  std::vector<Product> rows_m(ps, ps + n);
  for (int64_t m = 0; m < M; ++m) {
    for (int i = 0; i < n; ++i) rows_m[i].y = ps[i].y + m * ps[i].N;
    matvec_many(kn, rows_m.data(), n, K, x + m * K, false);
  }
}

void rows(QType t, const uint8_t* W, int64_t K, const int64_t* ids, int64_t n, float* out) {
  const Kernels& kn = kernels();
  const int64_t rb = row_bytes(t, K);
  pool_for(n, n * K, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) kn.dequant(t, W + ids[i] * rb, 0, K, out + i * K);
  });
}

float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF, bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (man << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);  // normal: rebias 15 -> 127
  } else if (man == 0) {
    bits = sign;  // ±0
  } else {        // subnormal: normalise
    int e = -1;
    do {
      man <<= 1;
      ++e;
    } while (!(man & 0x400));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace quant
}  // namespace tl
