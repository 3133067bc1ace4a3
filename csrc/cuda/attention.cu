// attention.cu — scaled dot-product attention forward and backward without the L×S matrix
// (online softmax, csrc/cpu/attention.h has the math), and the embedding backward.
//
// q (Z, Hq, L, E), k (Z, Hk, S, E), v (Z, Hk, S, Ev), g and out (Z, Hq, L, Ev) contiguous;
// lse (Z, Hq, L). mask: null, or bool / float read through strides ms (elements) over
// (Z, Hq, L, S) (0 on broadcast dims). Query head h reads key/value head h / (Hq / Hk).
// Thread mapping: one warp per row — a query row (forward, dq) or a key row (dk, dv); the
// lanes split the feature dims (each lane holds ⌈E/32⌉ ≤ 8 values: E, Ev ≤ 256), dot products
// are warp shuffles. Keys (or queries) are visited one at a time with a running max and sum.
// Dropout: element n = ((z·Hq + h)·L + i)·S + j is kept when its uniform (Philox group n/4,
// lane n%4, at the call's offset) is ≥ p, the same draw in the forward and the backward.
#include "common.cuh"
#include "philox.cuh"

namespace tlc {

constexpr int kPerLane = 8;  // E, Ev ≤ 32·8

template <typename T>
struct Attn {
  int64_t Z, Hq, Hk, L, S, E, Ev;
  const T *q, *k, *v;
  const void* mask;
  int mask_kind;  // 0 none, 1 bool, 2 float
  int64_t ms0, ms1, ms2, ms3;
  int causal;
  T scale;
  float p;
  uint64_t seed, offset;
  __device__ const T* qrow(int64_t z, int64_t h, int64_t i) const { return q + ((z * Hq + h) * L + i) * E; }
  __device__ const T* krow(int64_t z, int64_t h, int64_t j) const { return k + ((z * Hk + h) * S + j) * E; }
  __device__ const T* vrow(int64_t z, int64_t h, int64_t j) const { return v + ((z * Hk + h) * S + j) * Ev; }
  // s_ij + mask, or −∞ where the pair is hidden (causal, bool mask)
  __device__ T masked(T s, int64_t z, int64_t h, int64_t i, int64_t j) const {
    if (causal && j > i) return neg_inf<T>();
    if (mask_kind == 0) return s;
    const int64_t off = z * ms0 + h * ms1 + i * ms2 + j * ms3;
    if (mask_kind == 1) return static_cast<const bool*>(mask)[off] ? s : neg_inf<T>();
    return s + static_cast<const T*>(mask)[off];
  }
  // dropout's d_ij: 1/(1 − p) when kept, else 0 (1 without dropout)
  __device__ T keep(int64_t z, int64_t h, int64_t i, int64_t j) const {
    if (p <= 0.f) return T(1);
    const uint64_t n = (uint64_t)(((z * Hq + h) * L + i) * S + j);
    const U4 r = philox(seed, n >> 2, offset);
    const uint32_t w = (n & 3) == 0 ? r.x : (n & 3) == 1 ? r.y : (n & 3) == 2 ? r.z : r.w;
    return u01f(w) >= p ? T(1.0 / (1.0 - (double)p)) : T(0);
  }
};

// Σ_e a[e]·b[e] over a row held lane-strided in registers (a) and read from memory (b).
template <typename T>
__device__ __forceinline__ T warp_dot(const T (&a)[kPerLane], const T* b, int64_t n, int lane) {
  T s = 0;
#pragma unroll
  for (int u = 0; u < kPerLane; ++u) {
    const int64_t e = lane + 32 * u;
    if (e < n) s += a[u] * b[e];
  }
  return warp_sum(s);
}

template <typename T>
__device__ __forceinline__ void load_row(T (&r)[kPerLane], const T* src, int64_t n, int lane, T scale) {
#pragma unroll
  for (int u = 0; u < kPerLane; ++u) {
    const int64_t e = lane + 32 * u;
    r[u] = e < n ? src[e] * scale : T(0);
  }
}

template <typename T>
__device__ __forceinline__ void store_row(T* dst, const T (&r)[kPerLane], int64_t n, int lane, T scale) {
#pragma unroll
  for (int u = 0; u < kPerLane; ++u) {
    const int64_t e = lane + 32 * u;
    if (e < n) dst[e] = r[u] * scale;
  }
}

// one warp per query row (z, h, i): out_i = Σ_j softmax_j(s_ij)·d_ij·v_j, lse_i
template <typename T>
__global__ void attn_fwd_kernel(Attn<T> a, T* out, T* lse) {
  const int lane = threadIdx.x & 31;
  const int64_t rows = a.Z * a.Hq * a.L, warps = (int64_t)gridDim.x * (blockDim.x >> 5);
  for (int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    const int64_t z = r / (a.Hq * a.L), h = (r / a.L) % a.Hq, i = r % a.L, hk = h / (a.Hq / a.Hk);
    T q[kPerLane], o[kPerLane];
    load_row(q, a.qrow(z, h, i), a.E, lane, a.scale);
#pragma unroll
    for (int u = 0; u < kPerLane; ++u) o[u] = 0;
    T m = neg_inf<T>(), l = 0;
    const int64_t jend = a.causal ? min(a.S, i + 1) : a.S;
    for (int64_t j = 0; j < jend; ++j) {
      const T s = a.masked(warp_dot(q, a.krow(z, hk, j), a.E, lane), z, h, i, j);
      if (s == neg_inf<T>()) continue;
      const T mn = s > m ? s : m;
      const T alpha = tl_exp(m - mn), pj = tl_exp(s - mn), d = a.keep(z, h, i, j);
      l = l * alpha + pj;
      const T* vj = a.vrow(z, hk, j);
#pragma unroll
      for (int u = 0; u < kPerLane; ++u) {
        const int64_t e = lane + 32 * u;
        o[u] = o[u] * alpha + (e < a.Ev ? pj * d * vj[e] : T(0));
      }
      m = mn;
    }
    store_row(out + r * a.Ev, o, a.Ev, lane, l > 0 ? T(1) / l : T(0));
    if (lane == 0) lse[r] = l > 0 ? m + tl_log(l) : neg_inf<T>();
  }
}

// D_i = Σ_e g_ie·out_ie, one warp per row
template <typename T>
__global__ void attn_delta_kernel(int64_t rows, int64_t Ev, const T* g, const T* out, T* D) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t)gridDim.x * (blockDim.x >> 5);
  for (int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    T s = 0;
    for (int64_t e = lane; e < Ev; e += 32) s += g[r * Ev + e] * out[r * Ev + e];
    s = warp_sum(s);
    if (lane == 0) D[r] = s;
  }
}

// p_ij = e^(s_ij − lse_i) (0 for a fully masked row)
template <typename T>
__device__ __forceinline__ T prob(T s, T lse) {
  return (s == neg_inf<T>() || lse == neg_inf<T>()) ? T(0) : tl_exp(s - lse);
}

// one warp per query row: dq_i = scale·Σ_j p_ij·(d_ij·g_i·v_j − D_i)·k_j
template <typename T>
__global__ void attn_dq_kernel(Attn<T> a, const T* g, const T* lse, const T* D, T* dq) {
  const int lane = threadIdx.x & 31;
  const int64_t rows = a.Z * a.Hq * a.L, warps = (int64_t)gridDim.x * (blockDim.x >> 5);
  for (int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    const int64_t z = r / (a.Hq * a.L), h = (r / a.L) % a.Hq, i = r % a.L, hk = h / (a.Hq / a.Hk);
    T q[kPerLane], gi[kPerLane], acc[kPerLane];
    load_row(q, a.qrow(z, h, i), a.E, lane, a.scale);
    load_row(gi, g + r * a.Ev, a.Ev, lane, T(1));
#pragma unroll
    for (int u = 0; u < kPerLane; ++u) acc[u] = 0;
    const int64_t jend = a.causal ? min(a.S, i + 1) : a.S;
    for (int64_t j = 0; j < jend; ++j) {
      const T* kj = a.krow(z, hk, j);
      const T pij = prob(a.masked(warp_dot(q, kj, a.E, lane), z, h, i, j), lse[r]);
      if (pij == T(0)) continue;
      const T ds = pij * (warp_dot(gi, a.vrow(z, hk, j), a.Ev, lane) * a.keep(z, h, i, j) - D[r]);
#pragma unroll
      for (int u = 0; u < kPerLane; ++u) {
        const int64_t e = lane + 32 * u;
        if (e < a.E) acc[u] += ds * kj[e];
      }
    }
    store_row(dq + r * a.E, acc, a.E, lane, a.scale);
  }
}

// one warp per key row (z, hk, j), over the query heads of its group:
//   dv_j = Σ_i p_ij·d_ij·g_i,  dk_j = scale·Σ_i p_ij·(d_ij·g_i·v_j − D_i)·q_i
template <typename T>
__global__ void attn_dkv_kernel(Attn<T> a, const T* g, const T* lse, const T* D, T* dk, T* dv) {
  const int lane = threadIdx.x & 31;
  const int64_t rows = a.Z * a.Hk * a.S, warps = (int64_t)gridDim.x * (blockDim.x >> 5);
  const int64_t group = a.Hq / a.Hk;
  for (int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    const int64_t z = r / (a.Hk * a.S), hk = (r / a.S) % a.Hk, j = r % a.S;
    T kj[kPerLane], vj[kPerLane], ak[kPerLane], av[kPerLane];
    load_row(kj, a.krow(z, hk, j), a.E, lane, a.scale);
    load_row(vj, a.vrow(z, hk, j), a.Ev, lane, T(1));
#pragma unroll
    for (int u = 0; u < kPerLane; ++u) ak[u] = av[u] = 0;
    for (int64_t h = hk * group; h < (hk + 1) * group; ++h) {
      for (int64_t i = a.causal ? j : 0; i < a.L; ++i) {
        const int64_t row = (z * a.Hq + h) * a.L + i;
        const T* qi = a.qrow(z, h, i);
        const T pij = prob(a.masked(warp_dot(kj, qi, a.E, lane), z, h, i, j), lse[row]);
        if (pij == T(0)) continue;
        const T* gi = g + row * a.Ev;
        const T d = a.keep(z, h, i, j);
        const T ds = pij * (warp_dot(vj, gi, a.Ev, lane) * d - D[row]);
#pragma unroll
        for (int u = 0; u < kPerLane; ++u) {
          const int64_t e = lane + 32 * u;
          if (e < a.Ev) av[u] += pij * d * gi[e];
          if (e < a.E) ak[u] += ds * qi[e];
        }
      }
    }
    store_row(dk + r * a.E, ak, a.E, lane, a.scale);
    store_row(dv + r * a.Ev, av, a.Ev, lane, T(1));
  }
}

template <typename T>
Attn<T> make_attn(int64_t Z, int64_t Hq, int64_t Hk, int64_t L, int64_t S, int64_t E, int64_t Ev, const void* q,
                  const void* k, const void* v, const void* mask, int mask_kind, const int64_t* ms, int causal,
                  double scale, double p, uint64_t seed, uint64_t offset, const char* op) {
  TLC_CHECK(E <= 32 * kPerLane && Ev <= 32 * kPerLane, TL_ERR_VALUE,
            op << ": head dims up to " << 32 * kPerLane << " are supported on CUDA, got " << E << " and " << Ev);
  TLC_CHECK(Hk > 0 && Hq % Hk == 0, TL_ERR_VALUE, op << ": query heads " << Hq << " not a multiple of " << Hk);
  Attn<T> a;
  a.Z = Z, a.Hq = Hq, a.Hk = Hk, a.L = L, a.S = S, a.E = E, a.Ev = Ev;
  a.q = (const T*)q, a.k = (const T*)k, a.v = (const T*)v;
  a.mask = mask, a.mask_kind = mask ? mask_kind : 0;
  a.ms0 = ms ? ms[0] : 0, a.ms1 = ms ? ms[1] : 0, a.ms2 = ms ? ms[2] : 0, a.ms3 = ms ? ms[3] : 0;
  a.causal = causal, a.scale = (T)scale, a.p = (float)p, a.seed = seed, a.offset = offset;
  return a;
}

static unsigned warp_blocks(int64_t rows) {
  return (unsigned)std::max<int64_t>(1, std::min<int64_t>((rows + 7) / 8, 1 << 20));
}

template <typename T>
__global__ void embedding_count_kernel(int64_t N, const int64_t* idx, T* count) {
  for (int64_t n = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; n < N; n += (int64_t)gridDim.x * blockDim.x)
    atomicAdd(&count[idx[n]], T(1));
}

// dW[idx[n], d] += g[n, d]·s  (s = 1, or 1/count[idx[n]]); rows equal to pad skipped
template <typename T>
__global__ void embedding_backward_kernel(int64_t N, int64_t D, const T* g, const int64_t* idx, const T* count,
                                          int64_t pad, T* dw) {
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < N * D; t += (int64_t)gridDim.x * blockDim.x) {
    const int64_t n = t / D, d = t % D, v = idx[n];
    if (v == pad) continue;
    const T s = count ? T(1) / count[v] : T(1);
    atomicAdd(&dw[v * D + d], g[t] * s);
  }
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_attention(int dtype, int64_t Z, int64_t Hq, int64_t Hk, int64_t L, int64_t S, int64_t E, int64_t Ev,
                 const void* q, const void* k, const void* v, const void* mask, int mask_kind, const int64_t* ms,
                 int causal, double scale, double p, uint64_t seed, uint64_t offset, void* out, void* lse) {
  TLC_API_BEGIN
  const char* op = "scaled_dot_product_attention";
  if (Z * Hq * L == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    Attn<T> a = make_attn<T>(Z, Hq, Hk, L, S, E, Ev, q, k, v, mask, mask_kind, ms, causal, scale, p, seed, offset, op);
    attn_fwd_kernel<T><<<warp_blocks(Z * Hq * L), 256>>>(a, (T*)out, (T*)lse);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_attention_backward(int dtype, int64_t Z, int64_t Hq, int64_t Hk, int64_t L, int64_t S, int64_t E, int64_t Ev,
                          const void* q, const void* k, const void* v, const void* mask, int mask_kind,
                          const int64_t* ms, int causal, double scale, double p, uint64_t seed, uint64_t offset,
                          const void* g, const void* out, const void* lse, void* dq, void* dk, void* dv) {
  TLC_API_BEGIN
  const char* op = "scaled_dot_product_attention_backward";
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    Attn<T> a = make_attn<T>(Z, Hq, Hk, L, S, E, Ev, q, k, v, mask, mask_kind, ms, causal, scale, p, seed, offset, op);
    const int64_t rows = Z * Hq * L;
    T* D = nullptr;
    if (rows > 0) {
      TLC_CUDA(op, cudaMallocAsync((void**)&D, rows * sizeof(T), 0));
      attn_delta_kernel<T><<<warp_blocks(rows), 256>>>(rows, Ev, (const T*)g, (const T*)out, D);
      attn_dq_kernel<T><<<warp_blocks(rows), 256>>>(a, (const T*)g, (const T*)lse, D, (T*)dq);
    }
    if (Z * Hk * S > 0)
      attn_dkv_kernel<T><<<warp_blocks(Z * Hk * S), 256>>>(a, (const T*)g, (const T*)lse, D, (T*)dk, (T*)dv);
    cudaError_t e = cudaGetLastError();
    if (D) cudaFreeAsync(D, 0);
    TLC_CUDA(op, e);
  });
  TLC_API_END
}

int tl_embedding_backward(int dtype, int64_t N, int64_t D, int64_t V, const void* g, const int64_t* idx,
                          int64_t padding_idx, int scale_grad_by_freq, void* dw) {
  TLC_API_BEGIN
  const char* op = "embedding_backward";
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    TLC_CUDA(op, cudaMemsetAsync(dw, 0, (size_t)(V * D) * sizeof(T), 0));
    if (N * D == 0) return;
    T* count = nullptr;
    if (scale_grad_by_freq) {
      TLC_CUDA(op, cudaMallocAsync((void**)&count, (size_t)V * sizeof(T), 0));
      TLC_CUDA(op, cudaMemsetAsync(count, 0, (size_t)V * sizeof(T), 0));
      embedding_count_kernel<T><<<grid_for(N), kThreads>>>(N, idx, count);
    }
    embedding_backward_kernel<T><<<grid_for(N * D), kThreads>>>(N, D, (const T*)g, idx, count, padding_idx, (T*)dw);
    cudaError_t e = cudaGetLastError();
    if (count) cudaFreeAsync(count, 0);
    TLC_CUDA(op, e);
  });
  TLC_API_END
}

}  // extern "C"
