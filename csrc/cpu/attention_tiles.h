// The register-tiled micro-kernels of the CPU attention (attention.cpp), written once over the
// SIMD "Ops" structs of softmax.h (Ops512, Ops256, OpsScalar<T>) so that each ISA entry point of
// attention.cpp inlines them for its own vector width:
//   gemm_ab:  C (R × N) = A (R × K, rows in place) · Bt (K × N, packed, N along the lanes)
//   gemm_acc: C (R × D) = pre∘C + P (R × N, any strides) · B (N × D, rows in place)
// Each walks the output in RR × NV tiles of vector accumulators held in registers.
#pragma once
#include <algorithm>
#include <cstdint>

#include "softmax.h"

namespace tl {
namespace attn_tiles {

// Register tile of the micro-kernels: RR rows × NV vectors of accumulators (AVX2 has 16
// registers, so a smaller tile there).
template <class O>
struct TileShape {
  static constexpr int RR = 4;
  static constexpr int NV = O::W == 8 ? 2 : 4;
};

inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// C[r][c] = Σ_e A[r·lda + e]·Bt[e·ldb + c]   r < RR, c < NV·W
template <class O, int RR, int NV>
inline void tile_ab(const typename O::T* A, int64_t lda, const typename O::T* Bt, int64_t ldb, int64_t K,
                    typename O::T* C, int64_t ldc) {
  using V = typename O::V;
  constexpr int W = O::W;
  V acc[RR][NV];
  for (int r = 0; r < RR; ++r)
    for (int u = 0; u < NV; ++u) acc[r][u] = O::zero();
  for (int64_t e = 0; e < K; ++e) {
    V b[NV];
    for (int u = 0; u < NV; ++u) b[u] = O::load(Bt + e * ldb + u * W);
    for (int r = 0; r < RR; ++r) {
      const V a = O::set1(A[r * lda + e]);
      for (int u = 0; u < NV; ++u) acc[r][u] = O::fmadd(a, b[u], acc[r][u]);
    }
  }
  for (int r = 0; r < RR; ++r)
    for (int u = 0; u < NV; ++u) O::store(C + r * ldc + u * W, acc[r][u]);
}

template <class O, int RR>
inline void tile_ab_nv(int nv, const typename O::T* A, int64_t lda, const typename O::T* Bt, int64_t ldb, int64_t K,
                       typename O::T* C, int64_t ldc) {
  constexpr int NV = TileShape<O>::NV;
  if (nv >= NV) return tile_ab<O, RR, NV>(A, lda, Bt, ldb, K, C, ldc);
  if (NV > 2 && nv == 3) return tile_ab<O, RR, (NV > 2 ? 3 : 1)>(A, lda, Bt, ldb, K, C, ldc);
  if (nv == 2) return tile_ab<O, RR, 2>(A, lda, Bt, ldb, K, C, ldc);
  tile_ab<O, RR, 1>(A, lda, Bt, ldb, K, C, ldc);
}

// C (R × N) = A (R × K) · Bt (K × N); N a multiple of W; A rows lda apart, Bt rows ldb apart.
template <class O>
inline void gemm_ab(int64_t R, int64_t N, int64_t K, const typename O::T* A, int64_t lda, const typename O::T* Bt,
                    int64_t ldb, typename O::T* C, int64_t ldc) {
  constexpr int W = O::W, RR = TileShape<O>::RR, NV = TileShape<O>::NV;
  for (int64_t c0 = 0; c0 < N; c0 += NV * W) {
    const int nv = (int)std::min<int64_t>(NV, (N - c0) / W);
    int64_t r = 0;
    for (; r + RR <= R; r += RR) tile_ab_nv<O, RR>(nv, A + r * lda, lda, Bt + c0, ldb, K, C + r * ldc + c0, ldc);
    switch (R - r) {
      case 3: tile_ab_nv<O, 3>(nv, A + r * lda, lda, Bt + c0, ldb, K, C + r * ldc + c0, ldc); break;
      case 2: tile_ab_nv<O, 2>(nv, A + r * lda, lda, Bt + c0, ldb, K, C + r * ldc + c0, ldc); break;
      case 1: tile_ab_nv<O, 1>(nv, A + r * lda, lda, Bt + c0, ldb, K, C + r * ldc + c0, ldc); break;
      default: break;
    }
  }
}

// C[r][d] = pre[r]·C[r][d] + Σ_{c<N} P[r·prs + c·pcs]·B[c·ldb + d]   r < RR, d < (NV−1)·W + nlast
// (pre null: 1). The last vector of a row has nlast ≤ W valid lanes.
template <class O, int RR, int NV>
inline void tile_acc(const typename O::T* P, int64_t prs, int64_t pcs, const typename O::T* B, int64_t ldb,
                     int64_t N, typename O::T* C, int64_t ldc, const typename O::T* pre, int64_t nlast) {
  using V = typename O::V;
  constexpr int W = O::W;
  const bool full = nlast == W;
  V acc[RR][NV];
  for (int r = 0; r < RR; ++r) {
    for (int u = 0; u < NV; ++u)
      acc[r][u] = (u < NV - 1 || full) ? O::load(C + r * ldc + u * W) : O::loadn(C + r * ldc + u * W, nlast, 0);
    if (pre) {
      const V s = O::set1(pre[r]);
      for (int u = 0; u < NV; ++u) acc[r][u] = O::mul(acc[r][u], s);
    }
  }
  for (int64_t c = 0; c < N; ++c) {
    V b[NV];
    for (int u = 0; u < NV; ++u)
      b[u] = (u < NV - 1 || full) ? O::load(B + c * ldb + u * W) : O::loadn(B + c * ldb + u * W, nlast, 0);
    for (int r = 0; r < RR; ++r) {
      const V p = O::set1(P[r * prs + c * pcs]);
      for (int u = 0; u < NV; ++u) acc[r][u] = O::fmadd(p, b[u], acc[r][u]);
    }
  }
  for (int r = 0; r < RR; ++r)
    for (int u = 0; u < NV; ++u) {
      if (u < NV - 1 || full) O::store(C + r * ldc + u * W, acc[r][u]);
      else O::storen(C + r * ldc + u * W, acc[r][u], nlast);
    }
}

template <class O, int RR>
inline void tile_acc_nv(int nv, const typename O::T* P, int64_t prs, int64_t pcs, const typename O::T* B, int64_t ldb,
                        int64_t N, typename O::T* C, int64_t ldc, const typename O::T* pre, int64_t nlast) {
  constexpr int NV = TileShape<O>::NV;
  if (nv >= NV) return tile_acc<O, RR, NV>(P, prs, pcs, B, ldb, N, C, ldc, pre, nlast);
  if (NV > 2 && nv == 3) return tile_acc<O, RR, (NV > 2 ? 3 : 1)>(P, prs, pcs, B, ldb, N, C, ldc, pre, nlast);
  if (nv == 2) return tile_acc<O, RR, 2>(P, prs, pcs, B, ldb, N, C, ldc, pre, nlast);
  tile_acc<O, RR, 1>(P, prs, pcs, B, ldb, N, C, ldc, pre, nlast);
}

// C (R × D) = pre∘C + P·B; P (R × N) element (r, c) at P[r·prs + c·pcs]; B (N × D) rows ldb
// apart; C rows ldc apart; pre (R,) or null.
template <class O>
inline void gemm_acc(int64_t R, int64_t D, int64_t N, const typename O::T* P, int64_t prs, int64_t pcs,
                     const typename O::T* B, int64_t ldb, typename O::T* C, int64_t ldc, const typename O::T* pre) {
  constexpr int W = O::W, RR = TileShape<O>::RR, NV = TileShape<O>::NV;
  for (int64_t d0 = 0; d0 < D; d0 += NV * W) {
    const int64_t rem = D - d0;
    const int nv = (int)std::min<int64_t>(NV, (rem + W - 1) / W);
    const int64_t nlast = rem - (int64_t)(nv - 1) * W >= W ? W : rem - (int64_t)(nv - 1) * W;
    int64_t r = 0;
    for (; r + RR <= R; r += RR)
      tile_acc_nv<O, RR>(nv, P + r * prs, prs, pcs, B + d0, ldb, N, C + r * ldc + d0, ldc, pre ? pre + r : nullptr,
                         nlast);
    const typename O::T* pr = pre ? pre + r : nullptr;
    switch (R - r) {
      case 3: tile_acc_nv<O, 3>(nv, P + r * prs, prs, pcs, B + d0, ldb, N, C + r * ldc + d0, ldc, pr, nlast); break;
      case 2: tile_acc_nv<O, 2>(nv, P + r * prs, prs, pcs, B + d0, ldb, N, C + r * ldc + d0, ldc, pr, nlast); break;
      case 1: tile_acc_nv<O, 1>(nv, P + r * prs, prs, pcs, B + d0, ldb, N, C + r * ldc + d0, ldc, pr, nlast); break;
      default: break;
    }
  }
}

}  // namespace attn_tiles
}  // namespace tl
