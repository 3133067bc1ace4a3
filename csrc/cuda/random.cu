// random.cu — counter-based random numbers (Philox4x32-10), reproducible from the seed.
//
// Generator: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11): a bijection of a 128-bit counter under a 64-bit key, 10 rounds of
//   (c0, c1, c2, c3) -> (hi(M1·c2) ^ c1 ^ k0, lo(M1·c2), hi(M0·c0) ^ c3 ^ k1, lo(M0·c0)),
//   k += (W0, W1).
// key = seed; counter = (group index g as 2×32 bits, call offset as 2×32 bits). The Python
// side keeps (seed, offset) per device and bumps offset by one per call, so a call's output
// depends only on (seed, offset, shape): the same seed gives the same numbers whatever the
// launch configuration, GPU model or thread count. (The CPU generator is separate: values
// differ across devices.)
// Thread mapping: grid-stride over groups; group g produces elements [g·P, g·P + P) in
// row-major order of the output shape, P = 4 for float32 (one uint32 per value) and 2 for
// float64 / int64 (two uint32 per value). Outputs are written through strides (uniform_ /
// normal_ fill views in place).
// Conversions: float32 U[0,1) = (u >> 8)·2⁻²⁴; float64 U[0,1) = ((u0 >> 5)·2²⁶ + (u1 >> 6))·2⁻⁵³;
// normals by Box–Muller on (1 − U) ∈ (0, 1]: z0 = √(−2 ln u1)·cos 2πu2, z1 = √(…)·sin 2πu2.
// randint: low + (64-bit draw mod (high − low)) (bias < range/2⁶⁴). randperm: argsort of n
// 64-bit draws (ties by index), sorted on the host. dropout: keep = U ≥ p, y = x·keep/(1 − p).
#include <algorithm>
#include <numeric>
#include <vector>

#include "common.cuh"
#include "philox.cuh"

namespace tlc {

// Group g's uniforms in [0, 1): one Philox block gives 4 floats (24 bits each) or 2 doubles
// (53 bits each): the P = 4 or 2 values of that group.
template <typename T>
__device__ __forceinline__ void uniforms(uint64_t seed, uint64_t g, uint64_t offset, T u[4]) {
  U4 r = philox(seed, g, offset);
  if constexpr (sizeof(T) == 4) {
    u[0] = u01f(r.x); u[1] = u01f(r.y); u[2] = u01f(r.z); u[3] = u01f(r.w);
  } else {
    u[0] = u01d(r.x, r.y); u[1] = u01d(r.z, r.w);
  }
}

// dist 0: a + (b − a)·U;  dist 1: a + b·N(0,1)
template <typename T>
__global__ void random_kernel(int dist, Indexer<1> ix, int64_t n, T* out, T a, T b, uint64_t seed,
                              uint64_t offset) {
  constexpr int P = sizeof(T) == 4 ? 4 : 2;
  int64_t groups = (n + P - 1) / P;
  for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < groups;
       g += (int64_t)gridDim.x * blockDim.x) {
    T u[4];
    uniforms<T>(seed, (uint64_t)g, offset, u);
    T v[4];
    if (dist == 0) {
#pragma unroll
      for (int k = 0; k < P; ++k) v[k] = a + (b - a) * u[k];
    } else {
#pragma unroll
      for (int k = 0; k < P; k += 2) {
        T rad = tl_sqrt(T(-2) * tl_log(T(1) - u[k]));  // 1 − U ∈ (0, 1]
        T th = T(6.283185307179586476925) * u[k + 1];
        v[k] = a + b * rad * tl_cos(th);
        v[k + 1] = a + b * rad * tl_sin(th);
      }
    }
#pragma unroll
    for (int k = 0; k < P; ++k) {
      int64_t e = g * P + k;
      if (e < n) {
        int64_t off[1];
        ix.offsets(e, off);
        out[off[0]] = v[k];
      }
    }
  }
}

// out[e] = low + (64-bit draw) mod range; group g gives elements 2g, 2g+1
__global__ void randint_kernel(int64_t n, int64_t low, uint64_t range, int64_t* out, uint64_t seed,
                               uint64_t offset) {
  int64_t groups = (n + 1) / 2;
  for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < groups;
       g += (int64_t)gridDim.x * blockDim.x) {
    U4 r = philox(seed, (uint64_t)g, offset);
    uint64_t d0 = ((uint64_t)r.x << 32) | r.y, d1 = ((uint64_t)r.z << 32) | r.w;
    out[2 * g] = low + (int64_t)(d0 % range);
    if (2 * g + 1 < n) out[2 * g + 1] = low + (int64_t)(d1 % range);
  }
}

// raw 64-bit keys for randperm
__global__ void keys_kernel(int64_t n, uint64_t* keys, uint64_t seed, uint64_t offset) {
  int64_t groups = (n + 1) / 2;
  for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < groups;
       g += (int64_t)gridDim.x * blockDim.x) {
    U4 r = philox(seed, (uint64_t)g, offset);
    keys[2 * g] = ((uint64_t)r.x << 32) | r.y;
    if (2 * g + 1 < n) keys[2 * g + 1] = ((uint64_t)r.z << 32) | r.w;
  }
}

template <typename T>
__global__ void dropout_kernel(int64_t n, const T* x, T* y, bool* mask, T p, T scale,
                               uint64_t seed, uint64_t offset) {
  constexpr int P = sizeof(T) == 4 ? 4 : 2;
  int64_t groups = (n + P - 1) / P;
  for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < groups;
       g += (int64_t)gridDim.x * blockDim.x) {
    T u[4];
    uniforms<T>(seed, (uint64_t)g, offset, u);
#pragma unroll
    for (int k = 0; k < P; ++k) {
      int64_t e = g * P + k;
      if (e < n) {
        bool keep = u[k] >= p;
        mask[e] = keep;
        y[e] = keep ? x[e] * scale : T(0);
      }
    }
  }
}

// One thread per row r of weights w (C,), W = Σ w. Draw s (or category c) uses the 64-bit
// word of element r·per_row + s of the Philox stream (two per block), as the CPU kernel:
//   with replacement:    the first c whose running sum exceeds U·W
//   without replacement: the num_samples largest keys w_c / −ln(1 − U_c), by repeated argmax
// A bad row sets *err (1: negative / non-finite weight, 2: zero sum). Zero-weight categories are
// drawn (in index order) only after every positive one, as torch.
template <typename T>
__global__ void multinomial_kernel(int64_t R, int64_t C, const T* w, int64_t ns, bool repl, int64_t* out,
                                   double* keys, uint64_t seed, uint64_t offset, int* err) {
  for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < R; r += (int64_t)gridDim.x * blockDim.x) {
    const T* wr = w + r * C;
    double total = 0.0;
    int64_t positive = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double v = (double)wr[c];
      if (!(v >= 0.0) || isinf(v)) { atomicExch(err, 1); return; }
      total += v;
      positive += v > 0.0;
    }
    if (!(total > 0.0)) { atomicExch(err, 2); return; }
    (void)positive;
    const int64_t per_row = repl ? ns : C;
    auto word = [&](int64_t e) {
      const int64_t k = r * per_row + e;
      U4 q = philox(seed, (uint64_t)(k >> 1), offset);
      return (k & 1) ? (((uint64_t)q.z << 32) | q.w) : (((uint64_t)q.x << 32) | q.y);
    };
    if (repl) {
      for (int64_t s = 0; s < ns; ++s) {
        const double u = (double)(word(s) >> 11) * (1.0 / 9007199254740992.0) * total;
        double run = 0.0;
        int64_t pick = C - 1;
        for (int64_t c = 0; c < C; ++c) {
          run += (double)wr[c];
          if (run > u && wr[c] > 0) { pick = c; break; }
        }
        while (pick > 0 && wr[pick] == 0) --pick;
        out[r * ns + s] = pick;
      }
    } else {
      double* kr = keys + r * C;
      for (int64_t c = 0; c < C; ++c) {
        const double u = (double)(word(c) >> 11) * (1.0 / 9007199254740992.0);
        kr[c] = wr[c] > 0 ? (double)wr[c] / -log1p(-u) : 0.0;  // zero weight: after the positive ones
      }
      for (int64_t s = 0; s < ns; ++s) {
        int64_t best = 0;
        for (int64_t c = 1; c < C; ++c)
          if (kr[c] > kr[best]) best = c;
        out[r * ns + s] = best;
        kr[best] = -1.0;  // taken
      }
    }
  }
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_random(int dist, int dtype, int ndim, const int64_t* shape, void* out,
              const int64_t* out_strides, double a, double b, uint64_t seed, uint64_t offset) {
  TLC_API_BEGIN
  TLC_CHECK(dist == 0 || dist == 1, TL_ERR_VALUE, "random: unknown distribution " << dist);
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[1] = {out_strides};
  Indexer<1> ix = make_indexer<1>("random", ndim, shape, st);
  TLC_DISPATCH_FLOAT(dtype, dist == 0 ? "uniform" : "normal", [&] {
    int P = sizeof(scalar_t) == 4 ? 4 : 2;
    random_kernel<scalar_t><<<grid_for((n + P - 1) / P), kThreads>>>(
        dist, ix, n, (scalar_t*)out, (scalar_t)a, (scalar_t)b, seed, offset);
  });
  TLC_LAUNCHED("random");
  TLC_API_END
}

int tl_randint(int64_t n, int64_t low, int64_t high, int64_t* out, uint64_t seed, uint64_t offset) {
  TLC_API_BEGIN
  TLC_CHECK(high > low, TL_ERR_VALUE, "randint: expected low < high, got low=" << low << ", high=" << high);
  if (n <= 0) return TL_OK;
  uint64_t range = (uint64_t)high - (uint64_t)low;
  randint_kernel<<<grid_for((n + 1) / 2), kThreads>>>(n, low, range, out, seed, offset);
  TLC_LAUNCHED("randint");
  TLC_API_END
}

int tl_randperm(int64_t n, int64_t* out, uint64_t seed, uint64_t offset) {
  TLC_API_BEGIN
  TLC_CHECK(n >= 0, TL_ERR_VALUE, "randperm: n must be non-negative, got " << n);
  if (n == 0) return TL_OK;
  uint64_t* keys = nullptr;
  TLC_CUDA("randperm", cudaMallocAsync((void**)&keys, n * sizeof(uint64_t), 0));
  keys_kernel<<<grid_for((n + 1) / 2), kThreads>>>(n, keys, seed, offset);
  cudaError_t e = cudaGetLastError();
  std::vector<uint64_t> hk((size_t)n);
  if (e == cudaSuccess) e = cudaMemcpy(hk.data(), keys, n * sizeof(uint64_t), cudaMemcpyDeviceToHost);
  cudaFreeAsync(keys, 0);
  TLC_CUDA("randperm", e);
  // argsort on the host: a permutation is rarely on the hot path, and this keeps the
  // library free of thrust/cub (fast builds). Ties broken by index: deterministic.
  std::vector<int64_t> perm((size_t)n);
  std::iota(perm.begin(), perm.end(), (int64_t)0);
  std::sort(perm.begin(), perm.end(), [&](int64_t i, int64_t j) {
    return hk[i] < hk[j] || (hk[i] == hk[j] && i < j);
  });
  TLC_CUDA("randperm", cudaMemcpy(out, perm.data(), n * sizeof(int64_t), cudaMemcpyHostToDevice));
  TLC_API_END
}

int tl_multinomial(int dtype, int64_t R, int64_t C, const void* probs, int64_t num_samples, int replacement,
                   int64_t* out, uint64_t seed, uint64_t offset) {
  TLC_API_BEGIN
  const char* op = "multinomial";
  if (R == 0) return TL_OK;
  double* keys = nullptr;
  int* err = nullptr;
  if (!replacement) TLC_CUDA(op, cudaMallocAsync((void**)&keys, (size_t)R * C * sizeof(double), 0));
  TLC_CUDA(op, cudaMallocAsync((void**)&err, sizeof(int), 0));
  TLC_CUDA(op, cudaMemsetAsync(err, 0, sizeof(int), 0));
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    multinomial_kernel<scalar_t><<<grid_for(R), kThreads>>>(R, C, (const scalar_t*)probs, num_samples,
                                                            replacement != 0, out, keys, seed, offset, err);
  });
  cudaError_t e = cudaGetLastError();
  int h = 0;
  if (e == cudaSuccess) e = cudaMemcpy(&h, err, sizeof(int), cudaMemcpyDeviceToHost);
  cudaFreeAsync(err, 0);
  if (keys) cudaFreeAsync(keys, 0);
  TLC_CUDA(op, e);
  TLC_CHECK(h != 1, TL_ERR_RUNTIME, op << ": probability tensor contains either `inf`, `nan` or element < 0");
  TLC_CHECK(h != 2, TL_ERR_RUNTIME, op << ": invalid multinomial distribution (sum of probabilities <= 0)");
  TLC_CHECK(h != 3, TL_ERR_RUNTIME,
            op << ": invalid multinomial distribution (with replacement=False, not enough non-negative category "
                  "to sample)");
  TLC_API_END
}

int tl_dropout(int dtype, int64_t n, const void* x, void* y, void* mask, double p, uint64_t seed,
               uint64_t offset) {
  TLC_API_BEGIN
  TLC_CHECK(p >= 0.0 && p <= 1.0, TL_ERR_VALUE, "dropout: p must be in [0, 1], got " << p);
  if (n <= 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, "dropout", [&] {
    int P = sizeof(scalar_t) == 4 ? 4 : 2;
    scalar_t scale = p < 1.0 ? (scalar_t)(1.0 / (1.0 - p)) : scalar_t(0);
    dropout_kernel<scalar_t><<<grid_for((n + P - 1) / P), kThreads>>>(
        n, (const scalar_t*)x, (scalar_t*)y, (bool*)mask, (scalar_t)p, scale, seed, offset);
  });
  TLC_LAUNCHED("dropout");
  TLC_API_END
}

}  // extern "C"
