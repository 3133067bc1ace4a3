// Flash attention on the CPU (see attention.h for the math).
//
// Layout of the work. A query block is kBlockQ rows; its queries are packed transposed and
// pre-scaled, Qt[e][c] = scale·q[i0 + c][e], so that a score tile is computed TRANSPOSED,
// St[j][c] = s(i0 + c, j0 + j): query rows run along the SIMD lanes. Then the softmax
// statistics of a query row (max and sum over j) are lane-wise max / add down the tile,
// with no horizontal reductions, and the keys are read in place, row by row.
//
// Two register-tiled micro-kernels (attention_tiles.h) do all the arithmetic:
//   gemm_ab:  C (R × N) = A (R × K, rows in place) · Bt (K × N, packed, N along lanes)
//             (scores St = K·Qt, and in the backward dPt = V·dOt)
//   gemm_acc: C (R × D) = pre∘C + P (R × N, any strides) · B (N × D, rows in place)
//             (out += P·V, dv += Pᵀ·dO, dk += dSᵀ·Q, dq += dS·K)
// each an RR × NV tile of vector accumulators (4 × 4 zmm with AVX-512).
//
// Forward: one work item per (z, h, query block): walk the key tiles (only those at or left of
// the diagonal when causal), keep a running max m and sum l per row, rescale the output rows
// (written in place in `out`, laid out (Z, L, Hq, Ev)) by e^(m_old − m_new), add P·V; at the
// end divide by l and save lse = m + ln l.
// Backward: one work item per (z, key/value head): for each query head of its group, pack Qt
// and dOt for the whole sequence, then for each key tile j and each query block i at or below
// it, recompute P = e^(S − lse) and accumulate dv_j, dk_j (in place in their outputs) and dq_i.
// An item owns its dk, dv rows and the dq rows of its query heads: no two threads write the
// same memory.
#include "softmax.h"  // first: its diagnostic pragmas cover the intrinsics headers
#include "attention.h"
#include "attention_tiles.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "random.h"

namespace tl {
using namespace nnsimd;
using namespace attn_tiles;

namespace {

constexpr int64_t kBlockQ = 64;  // query rows per block (lanes of a score tile)
constexpr int64_t kBlockK = 64;  // key rows per tile
constexpr int64_t kFewRows = 2;  // L ≤ this: the forward takes dot products (fwd_rows), not score tiles

// ---- the problem ------------------------------------------------------------------------

enum MaskKind { kNoMask = 0, kBoolMask = 1, kFloatMask = 2 };

template <typename T>
struct Problem {
  int64_t Z, Hq, Hk, L, S, E, Ev;
  const T *q, *k, *v;                  // element (z, h, i, e) at q[z·qs[0] + h·qs[1] + i·qs[2] + e]
  int64_t qs[3], ks[3], vs[3];
  const void* mask = nullptr;          // element (z, h, i, j) at mask[z·ms[0] + h·ms[1] + i·ms[2] + j·ms[3]]
  int mask_kind = kNoMask;
  int64_t ms[4] = {0, 0, 0, 0};
  bool causal = false;
  T scale = 1;
  double p = 0;                        // dropout probability
  PhiloxStream rng{0, 0};
  // forward: out (Z, L, Hq, Ev), lse (Z, Hq, L). backward adds g, dq, dk, dv.
  T* out = nullptr;
  T* lse = nullptr;
  const T* g = nullptr;                // (z, h, i, e) at g[z·gs[0] + h·gs[1] + i·gs[2] + e]
  int64_t gs[3] = {0, 0, 0};
  const T* o = nullptr;                // the forward's out (Z, L, Hq, Ev)
  T *dq = nullptr, *dk = nullptr, *dv = nullptr;  // (Z, L, Hq, E), (Z, S, Hk, E), (Z, S, Hk, Ev)

  const T* qrow(int64_t z, int64_t h, int64_t i) const { return q + z * qs[0] + h * qs[1] + i * qs[2]; }
  const T* krow(int64_t z, int64_t h, int64_t j) const { return k + z * ks[0] + h * ks[1] + j * ks[2]; }
  const T* vrow(int64_t z, int64_t h, int64_t j) const { return v + z * vs[0] + h * vs[1] + j * vs[2]; }
  const T* grow(int64_t z, int64_t h, int64_t i) const { return g + z * gs[0] + h * gs[1] + i * gs[2]; }
  // d_ij: 1/(1 − p) if (z, h, i, j) is kept by dropout, else 0 (element ((z·Hq + h)·L + i)·S + j)
  // d[j] = d_{i, j0+j} for j < nc (nc ≤ kBlockK): the row's draws in one bulk call
  void keep_row(int64_t z, int64_t h, int64_t i, int64_t j0, int64_t nc, T* d) const {
    const int64_t n = ((z * Hq + h) * L + i) * S + j0;
    if constexpr (std::is_same<T, float>::value) random_units_f32(rng, n, nc, d);
    else random_units_f64(rng, n, nc, d);
    const T pk = (T)p, kept = T(1.0 / (1.0 - p));
    for (int64_t j = 0; j < nc; ++j) d[j] = d[j] >= pk ? kept : T(0);
  }
};

template <typename T>
struct Scratch {
  std::vector<T> qt, ot, st, st2, m, l, alpha, dvec, lse;
  static T* get(std::vector<T>& b, int64_t n) {
    if ((int64_t)b.size() < n) b.resize((size_t)n);
    return b.data();
  }
};

// St[j][c] (j < nc, c < nb, rows ld apart) for queries i0 + c and keys j0 + j: −∞ where the
// causal or bool mask hides the pair, + the float mask.
template <typename T>
void apply_masks(const Problem<T>& pr, T* St, int64_t ld, int64_t nc, int64_t nb, int64_t z, int64_t h, int64_t i0,
                 int64_t j0) {
  const T ninf = -std::numeric_limits<T>::infinity();
  if (pr.causal && j0 + nc - 1 > i0)
    for (int64_t j = 0; j < nc; ++j)
      for (int64_t c = 0; c < std::min(nb, j0 + j - i0); ++c) St[j * ld + c] = ninf;
  if (pr.mask_kind == kNoMask) return;
  const int64_t base = z * pr.ms[0] + h * pr.ms[1] + i0 * pr.ms[2] + j0 * pr.ms[3];
  if (pr.mask_kind == kBoolMask) {
    const bool* m = static_cast<const bool*>(pr.mask) + base;
    for (int64_t j = 0; j < nc; ++j)
      for (int64_t c = 0; c < nb; ++c)
        if (!m[c * pr.ms[2] + j * pr.ms[3]]) St[j * ld + c] = ninf;
  } else {
    const T* m = static_cast<const T*>(pr.mask) + base;
    for (int64_t j = 0; j < nc; ++j)
      for (int64_t c = 0; c < nb; ++c) St[j * ld + c] += m[c * pr.ms[2] + j * pr.ms[3]];
  }
}

// Qt[e][c] = scale·src_c[e] for c < n, 0 for n ≤ c < ldq; src_c = rows(c) (E contiguous values).
template <typename T, class Rows>
void pack_transposed(T* Qt, int64_t ldq, int64_t n, int64_t E, T scale, Rows&& rows) {
  for (int64_t c = 0; c < n; ++c) {
    const T* src = rows(c);
    for (int64_t e = 0; e < E; ++e) Qt[e * ldq + c] = scale * src[e];
  }
  for (int64_t e = 0; e < E; ++e)
    for (int64_t c = n; c < ldq; ++c) Qt[e * ldq + c] = T(0);
}

// ---- forward: one query block -------------------------------------------------------------
template <class O>
void fwd_block(const Problem<typename O::T>& pr, int64_t item, Scratch<typename O::T>& s) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  const int64_t nblk = (pr.L + kBlockQ - 1) / kBlockQ;
  const int64_t z = item / (pr.Hq * nblk), h = (item / nblk) % pr.Hq, i0 = (item % nblk) * kBlockQ;
  const int64_t hk = h / (pr.Hq / pr.Hk);
  const int64_t nb = std::min(kBlockQ, pr.L - i0), Lp = round_up(nb, W), E = pr.E, Ev = pr.Ev;
  T* Qt = Scratch<T>::get(s.qt, E * Lp);
  T* St = Scratch<T>::get(s.st, kBlockK * Lp);
  T* m = Scratch<T>::get(s.m, Lp);
  T* l = Scratch<T>::get(s.l, Lp);
  T* alpha = Scratch<T>::get(s.alpha, Lp);
  pack_transposed(Qt, Lp, nb, E, pr.scale, [&](int64_t c) { return pr.qrow(z, h, i0 + c); });
  for (int64_t c = 0; c < Lp; ++c) {
    m[c] = std::numeric_limits<T>::lowest();  // finite: e^(−∞ − m) = 0 even for a row masked so far
    l[c] = 0;
  }
  const int64_t ldo = pr.Hq * Ev;
  T* o = pr.out + (z * pr.L + i0) * ldo + h * Ev;  // out rows i0.. of head h, in place
  for (int64_t c = 0; c < nb; ++c) std::memset(o + c * ldo, 0, (size_t)Ev * sizeof(T));
  const int64_t jend = pr.causal ? std::min(pr.S, i0 + nb) : pr.S;
  for (int64_t j0 = 0; j0 < jend; j0 += kBlockK) {
    const int64_t nc = std::min(kBlockK, jend - j0);
    const T* kj = pr.krow(z, hk, j0);
    gemm_ab<O>(nc, Lp, E, kj, pr.ks[2], Qt, Lp, St, Lp);  // St[j][c] = s(i0 + c, j0 + j)
    apply_masks(pr, St, Lp, nc, nb, z, h, i0, j0);
    // online softmax, lane c = query row: m' = max(m, max_j S), P = e^(S − m'), l' = l·e^(m − m') + Σ_j P
    for (int64_t c0 = 0; c0 < Lp; c0 += W) {
      const V mo = O::load(m + c0);
      V mx = mo;
      for (int64_t j = 0; j < nc; ++j) mx = O::max(mx, O::load(St + j * Lp + c0));
      const V a = O::exp(O::sub(mo, mx));
      V sum = O::zero();
      for (int64_t j = 0; j < nc; ++j) {
        const V p = O::exp(O::sub(O::load(St + j * Lp + c0), mx));
        O::store(St + j * Lp + c0, p);
        sum = O::add(sum, p);
      }
      O::store(alpha + c0, a);
      O::store(l + c0, O::fmadd(O::load(l + c0), a, sum));
      O::store(m + c0, mx);
    }
    if (pr.p > 0)
      for (int64_t c = 0; c < nb; ++c) {
        T d[kBlockK];
        pr.keep_row(z, h, i0 + c, j0, nc, d);
        for (int64_t j = 0; j < nc; ++j) St[j * Lp + c] *= d[j];
      }
    // out_c = α_c·out_c + Σ_j P[j][c]·v_j
    gemm_acc<O>(nb, Ev, nc, St, 1, Lp, pr.vrow(z, hk, j0), pr.vs[2], o, ldo, alpha);
  }
  T* lse = pr.lse + (z * pr.Hq + h) * pr.L + i0;
  for (int64_t c = 0; c < nb; ++c) {
    const bool any = l[c] > 0;
    const T inv = any ? T(1) / l[c] : T(0);
    T* orow = o + c * ldo;
    for (int64_t e = 0; e < Ev; ++e) orow[e] *= inv;
    lse[c] = any ? m[c] + std::log(l[c]) : -std::numeric_limits<T>::infinity();
  }
}

// ---- forward, few query rows (decoding with a KV cache): one item per (z, key/value head) ----
// The R = group·L query rows that share key/value head hk are too few to fill the lanes, so the
// scores are dot products along E instead, S[r][j] (rows contiguous in j); the online softmax
// runs along each row and out_r += P[r]·V as in fwd_block.
template <class O>
typename O::T dot_row(const typename O::T* a, const typename O::T* b, int64_t n) {
  using V = typename O::V;
  constexpr int W = O::W;
  V acc0 = O::zero(), acc1 = O::zero();
  int64_t e = 0;
  for (; e + 2 * W <= n; e += 2 * W) {
    acc0 = O::fmadd(O::load(a + e), O::load(b + e), acc0);
    acc1 = O::fmadd(O::load(a + e + W), O::load(b + e + W), acc1);
  }
  for (; e < n; e += W) {
    const int64_t k = std::min<int64_t>(W, n - e);
    acc0 = O::fmadd(load_part<O>(a + e, k, 0), load_part<O>(b + e, k, 0), acc0);
  }
  return O::hsum(O::add(acc0, acc1));
}

template <class O>
void fwd_rows(const Problem<typename O::T>& pr, int64_t item, Scratch<typename O::T>& s) {
  using T = typename O::T;
  const int64_t z = item / pr.Hk, hk = item % pr.Hk, group = pr.Hq / pr.Hk, L = pr.L, R = group * L;
  const int64_t E = pr.E, Ev = pr.Ev, ldo = pr.Hq * Ev;
  const T ninf = -std::numeric_limits<T>::infinity();
  T* S = Scratch<T>::get(s.st, R * kBlockK);
  T* q = Scratch<T>::get(s.qt, R * E);  // the scaled query rows, r = (h − hk·group)·L + i
  T* m = Scratch<T>::get(s.m, R);
  T* l = Scratch<T>::get(s.l, R);
  T* alpha = Scratch<T>::get(s.alpha, R);
  T* out = pr.out + z * L * ldo;  // row (i, h) at out[i·ldo + h·Ev]
  for (int64_t r = 0; r < R; ++r) {
    const int64_t h = hk * group + r / L, i = r % L;
    const T* src = pr.qrow(z, h, i);
    for (int64_t e = 0; e < E; ++e) q[r * E + e] = pr.scale * src[e];
    m[r] = std::numeric_limits<T>::lowest();
    l[r] = 0;
    std::memset(out + i * ldo + h * Ev, 0, (size_t)Ev * sizeof(T));
  }
  for (int64_t j0 = 0; j0 < pr.S; j0 += kBlockK) {
    const int64_t nc = std::min(kBlockK, pr.S - j0);
    for (int64_t j = 0; j < nc; ++j) {
      const T* kj = pr.krow(z, hk, j0 + j);
      for (int64_t r = 0; r < R; ++r) S[r * kBlockK + j] = dot_row<O>(q + r * E, kj, E);
    }
    for (int64_t r = 0; r < R; ++r) {
      const int64_t h = hk * group + r / L, i = r % L;
      T* Sr = S + r * kBlockK;
      if (pr.causal)
        for (int64_t j = std::max<int64_t>(0, i + 1 - j0); j < nc; ++j) Sr[j] = ninf;
      if (pr.mask_kind == kBoolMask) {
        const bool* mk = static_cast<const bool*>(pr.mask) + z * pr.ms[0] + h * pr.ms[1] + i * pr.ms[2];
        for (int64_t j = 0; j < nc; ++j)
          if (!mk[(j0 + j) * pr.ms[3]]) Sr[j] = ninf;
      } else if (pr.mask_kind == kFloatMask) {
        const T* mk = static_cast<const T*>(pr.mask) + z * pr.ms[0] + h * pr.ms[1] + i * pr.ms[2];
        for (int64_t j = 0; j < nc; ++j) Sr[j] += mk[(j0 + j) * pr.ms[3]];
      }
      // online softmax along the row: m' = max(m, max_j S), P = e^(S − m'), l' = l·e^(m − m') + Σ_j P
      const T mx = std::max(m[r], row_max<O>(Sr, nc));
      alpha[r] = std::exp(m[r] - mx);
      l[r] = l[r] * alpha[r] + row_sumexp<O, true>(Sr, nc, mx, Sr);
      m[r] = mx;
      if (pr.p > 0) {
        T d[kBlockK];
        pr.keep_row(z, h, i, j0, nc, d);
        for (int64_t j = 0; j < nc; ++j) Sr[j] *= d[j];
      }
    }
    // out rows of each query head: += P·V (rows of one head are ldo apart)
    for (int64_t g = 0; g < group; ++g)
      gemm_acc<O>(L, Ev, nc, S + g * L * kBlockK, kBlockK, 1, pr.vrow(z, hk, j0), pr.vs[2],
                  out + (hk * group + g) * Ev, ldo, alpha + g * L);
  }
  for (int64_t r = 0; r < R; ++r) {
    const int64_t h = hk * group + r / L, i = r % L;
    const bool any = l[r] > 0;
    const T inv = any ? T(1) / l[r] : T(0);
    T* orow = out + i * ldo + h * Ev;
    for (int64_t e = 0; e < Ev; ++e) orow[e] *= inv;
    pr.lse[(z * pr.Hq + h) * L + i] = any ? m[r] + std::log(l[r]) : ninf;
  }
}

// ---- backward: one key/value head and its query heads -----------------------------------
template <class O>
void bwd_head(const Problem<typename O::T>& pr, int64_t item, Scratch<typename O::T>& s) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  const int64_t z = item / pr.Hk, hk = item % pr.Hk, group = pr.Hq / pr.Hk;
  const int64_t L = pr.L, S = pr.S, E = pr.E, Ev = pr.Ev, Lp = round_up(L, W);
  const T inf = std::numeric_limits<T>::infinity();
  const int64_t ldk = pr.Hk * E, ldv = pr.Hk * Ev, ldq = pr.Hq * E, ldo = pr.Hq * Ev;
  T* dk = pr.dk + z * S * ldk + hk * E;
  T* dv = pr.dv + z * S * ldv + hk * Ev;
  for (int64_t j = 0; j < S; ++j) {
    std::memset(dk + j * ldk, 0, (size_t)E * sizeof(T));
    std::memset(dv + j * ldv, 0, (size_t)Ev * sizeof(T));
  }
  const int64_t Lb = round_up(L, kBlockQ);
  T* Qt = Scratch<T>::get(s.qt, E * Lb);
  T* Gt = Scratch<T>::get(s.ot, Ev * Lb);
  T* Dv = Scratch<T>::get(s.dvec, Lp);
  T* lse = Scratch<T>::get(s.lse, Lp);
  T* St = Scratch<T>::get(s.st, kBlockK * kBlockQ);
  T* dSt = Scratch<T>::get(s.st2, kBlockK * kBlockQ);
  std::vector<T> pd;  // P·d (dropout) when it differs from P
  std::vector<T> dt;  // the tile's dropout multipliers
  if (pr.p > 0) pd.resize((size_t)(kBlockK * kBlockQ)), dt.resize((size_t)(kBlockK * kBlockQ));
  for (int64_t h = hk * group; h < (hk + 1) * group; ++h) {
    // one E × kBlockQ panel per query block (rows 256 B apart: a whole-sequence row stride
    // of 4 KiB would map a panel's rows onto the same L1 sets)
    for (int64_t i0 = 0; i0 < L; i0 += kBlockQ) {
      const int64_t nb = std::min(kBlockQ, L - i0);
      pack_transposed(Qt + i0 * E, kBlockQ, nb, E, pr.scale, [&](int64_t c) { return pr.qrow(z, h, i0 + c); });
      pack_transposed(Gt + i0 * Ev, kBlockQ, nb, Ev, T(1), [&](int64_t c) { return pr.grow(z, h, i0 + c); });
    }
    const T* lse_h = pr.lse + (z * pr.Hq + h) * L;
    const T* o = pr.o + z * L * ldo + h * Ev;
    T* dq = pr.dq + z * L * ldq + h * E;
    for (int64_t i = 0; i < Lp; ++i) {
      if (i < L) {  // D_i = g_i·out_i; a fully masked row (lse −∞) gets lse +∞ so that P = 0
        const T* gi = pr.grow(z, h, i);
        const T* oi = o + i * ldo;
        T d = 0;
        for (int64_t e = 0; e < Ev; ++e) d += gi[e] * oi[e];
        Dv[i] = d;
        lse[i] = lse_h[i] == -inf ? inf : lse_h[i];
        std::memset(dq + i * ldq, 0, (size_t)E * sizeof(T));
      } else {  // padding lanes: P = 0
        Dv[i] = 0;
        lse[i] = inf;
      }
    }
    for (int64_t j0 = 0; j0 < S; j0 += kBlockK) {
      const int64_t nc = std::min(kBlockK, S - j0);
      const T* kj = pr.krow(z, hk, j0);
      const T* vj = pr.vrow(z, hk, j0);
      // causal: key j is seen by queries i ≥ j only
      for (int64_t i0 = pr.causal ? j0 / kBlockQ * kBlockQ : 0; i0 < L; i0 += kBlockQ) {
        const int64_t nb = std::min(kBlockQ, L - i0), NB = round_up(nb, W), ld = kBlockQ;
        gemm_ab<O>(nc, NB, E, kj, pr.ks[2], Qt + i0 * E, kBlockQ, St, ld);  // St[j][c] = s(i0 + c, j0 + j)
        apply_masks(pr, St, ld, nc, nb, z, h, i0, j0);
        for (int64_t j = 0; j < nc; ++j)  // P = e^(S − lse)
          for (int64_t c0 = 0; c0 < NB; c0 += W)
            O::store(St + j * ld + c0, O::exp(O::sub(O::load(St + j * ld + c0), O::load(lse + i0 + c0))));
        const T* P = St;
        if (pr.p > 0) {  // dt[j][c] = d_{i0+c, j0+j}, drawn once for both uses below
          for (int64_t c = 0; c < NB; ++c) {
            T d[kBlockK];
            if (c < nb) pr.keep_row(z, h, i0 + c, j0, nc, d);
            for (int64_t j = 0; j < nc; ++j) dt[j * ld + c] = c < nb ? d[j] : T(0);
          }
          for (int64_t j = 0; j < nc; ++j)
            for (int64_t c = 0; c < NB; ++c) pd[j * ld + c] = c < nb ? St[j * ld + c] * dt[j * ld + c] : T(0);
          P = pd.data();
        }
        // dv_j += Σ_c P[j][c]·g_{i0+c}
        gemm_acc<O>(nc, Ev, nb, P, ld, 1, pr.grow(z, h, i0), pr.gs[2], dv + j0 * ldv, ldv, nullptr);
        // dPt[j][c] = v_j·g_{i0+c}
        gemm_ab<O>(nc, NB, Ev, vj, pr.vs[2], Gt + i0 * Ev, kBlockQ, dSt, ld);
        // dS = P ∘ (dP·d − D)
        for (int64_t j = 0; j < nc; ++j) {
          if (pr.p > 0)
            for (int64_t c = 0; c < nb; ++c) dSt[j * ld + c] *= dt[j * ld + c];
          for (int64_t c0 = 0; c0 < NB; c0 += W) {
            const V ds = O::mul(O::load(St + j * ld + c0), O::sub(O::load(dSt + j * ld + c0), O::load(Dv + i0 + c0)));
            O::store(dSt + j * ld + c0, ds);
          }
        }
        // dk_j += Σ_c dS[j][c]·q_{i0+c};  dq_{i0+c} += Σ_j dS[j][c]·k_j   (× scale at the end)
        gemm_acc<O>(nc, E, nb, dSt, ld, 1, pr.qrow(z, h, i0), pr.qs[2], dk + j0 * ldk, ldk, nullptr);
        gemm_acc<O>(nb, E, nc, dSt, 1, ld, kj, pr.ks[2], dq + i0 * ldq, ldq, nullptr);
      }
    }
    for (int64_t i = 0; i < L; ++i)
      for (int64_t e = 0; e < E; ++e) dq[i * ldq + e] *= pr.scale;
  }
  for (int64_t j = 0; j < S; ++j)
    for (int64_t e = 0; e < E; ++e) dk[j * ldk + e] *= pr.scale;
}

TL_NN_ENTRIES(fwd_item, (const Problem<T>& pr, int64_t item, Scratch<T>& s), { fwd_block<O>(pr, item, s); })
TL_NN_ENTRIES(fwd_rows_item, (const Problem<T>& pr, int64_t item, Scratch<T>& s), { fwd_rows<O>(pr, item, s); })
TL_NN_ENTRIES(bwd_item, (const Problem<T>& pr, int64_t item, Scratch<T>& s), { bwd_head<O>(pr, item, s); })

// fn(item, scratch) for item in [0, n): items handed out one at a time (causal blocks differ in
// cost), one scratch per thread; serial when the work is small.
template <typename T, class F>
void for_items(int64_t n, double work, const F& fn) {
#ifdef _OPENMP
  int nt = get_num_threads();
  if (nt > 1 && n > 1 && work >= (double)kParallelGrain) {
    nt = (int)std::min<int64_t>(nt, n);
#pragma omp parallel num_threads(nt)
    {
      Scratch<T> s;
#pragma omp for schedule(dynamic, 1)
      for (int64_t i = 0; i < n; ++i) fn(i, s);
    }
    return;
  }
#endif
  Scratch<T> s;
  for (int64_t i = 0; i < n; ++i) fn(i, s);
}

// ---- validation ---------------------------------------------------------------------------

// q, k, v: 4-D, CPU, one floating dtype, shapes that fit together. Last-dim stride 1 (copies
// otherwise).
void check_qkv(const Array& q, const Array& k, const Array& v, const char* op) {
  check_cpu(q, op);
  check_same_device(q, k, op);
  check_same_device(q, v, op);
  TL_CHECK(is_floating(q.dtype), TypeError, op << ": expected a floating query, got " << dtype_name(q.dtype));
  TL_CHECK(k.dtype == q.dtype && v.dtype == q.dtype, TypeError,
           op << ": query, key and value must have the same dtype, got " << dtype_name(q.dtype) << ", "
              << dtype_name(k.dtype) << " and " << dtype_name(v.dtype));
  TL_CHECK(q.ndim() == 4 && k.ndim() == 4 && v.ndim() == 4, ValueError,
           op << ": expected 4-D query, key and value (Z, H, T, E), got " << shape_str(q.shape) << ", "
              << shape_str(k.shape) << " and " << shape_str(v.shape));
  const bool ok = k.shape[0] == q.shape[0] && v.shape[0] == q.shape[0] && k.shape[1] == v.shape[1] &&
                  k.shape[1] > 0 && q.shape[1] % k.shape[1] == 0 && k.shape[2] == v.shape[2] &&
                  k.shape[3] == q.shape[3];
  TL_CHECK(ok, ValueError,
           op << ": query " << shape_str(q.shape) << ", key " << shape_str(k.shape) << " and value "
              << shape_str(v.shape)
              << " do not fit: expected (Z, Hq, L, E), (Z, Hk, S, E), (Z, Hk, S, Ev) with Hq a multiple of Hk");
}

Array last_dim_unit(const Array& a) { return a.strides[3] == 1 || a.shape[3] <= 1 ? a : a.contiguous(); }

template <typename T>
void set_rows(const Array& a, const T*& p, int64_t* st) {
  p = a.data<T>();
  for (int d = 0; d < 3; ++d) st[d] = a.strides[d];
}

// The mask broadcast to (Z, Hq, L, S) (a view), checked.
Array expand_mask(const Array& mask, const Array& q, int64_t S, const char* op) {
  check_same_device(mask, q, op);
  TL_CHECK(mask.dtype == DType::Bool || mask.dtype == q.dtype, TypeError,
           op << ": attn_mask must be bool or " << dtype_name(q.dtype) << " (the query's dtype), got "
              << dtype_name(mask.dtype));
  const Shape want = {q.shape[0], q.shape[1], q.shape[2], S};
  bool ok = mask.ndim() <= 4;
  for (int64_t d = 0; ok && d < mask.ndim(); ++d) {
    const int64_t m = mask.shape[mask.ndim() - 1 - d], w = want[3 - d];
    ok = m == w || m == 1;
  }
  TL_CHECK(ok, ValueError,
           op << ": attn_mask of shape " << shape_str(mask.shape) << " cannot be broadcast to the attention shape "
              << shape_str(want) << " (batch, heads, target length, source length)");
  return mask.expand(want);
}

template <typename T>
void set_mask(Problem<T>& pr, const std::optional<Array>& mask) {
  if (!mask) return;
  pr.mask = mask->raw();
  pr.mask_kind = mask->dtype == DType::Bool ? kBoolMask : kFloatMask;
  for (int d = 0; d < 4; ++d) pr.ms[d] = mask->strides[d];
}

void check_dropout_scale(double p, double scale, const char* op) {
  TL_CHECK(p >= 0.0 && p <= 1.0, ValueError, op << ": dropout_p must be in [0, 1], got " << p);
  TL_CHECK(std::isfinite(scale), ValueError, op << ": scale must be finite, got " << scale);
}

}  // namespace

std::tuple<Array, Array, Array> scaled_dot_product_attention(const Array& q_in, const Array& k_in, const Array& v_in,
                                                             const std::optional<Array>& mask_in, double dropout_p,
                                                             bool is_causal, double scale) {
  const char* op = "scaled_dot_product_attention";
  check_qkv(q_in, k_in, v_in, op);
  check_dropout_scale(dropout_p, scale, op);
  const Array q = last_dim_unit(q_in), k = last_dim_unit(k_in), v = last_dim_unit(v_in);
  const int64_t Z = q.shape[0], Hq = q.shape[1], L = q.shape[2], E = q.shape[3];
  const int64_t Hk = k.shape[1], S = k.shape[2], Ev = v.shape[3];
  std::optional<Array> mask;
  if (mask_in) mask = expand_mask(*mask_in, q, S, op);
  Array out = Array::empty({Z, L, Hq, Ev}, q.dtype);
  Array lse = Array::empty({Z, Hq, L}, q.dtype);
  Array rng = Array::empty({2}, DType::Int64);
  PhiloxStream stream{0, 0};
  if (dropout_p > 0) stream = random_reserve(Z * Hq * L * S);
  rng.data<int64_t>()[0] = (int64_t)stream.key;
  rng.data<int64_t>()[1] = (int64_t)stream.base;
  TL_DISPATCH_FLOATING(q.dtype, op, [&] {
    using T = scalar_t;
    if (lse.numel() == 0) return;
    if (S == 0 || dropout_p >= 1.0) {  // nothing to attend to, or everything dropped: zeros
      std::memset(out.raw(), 0, (size_t)out.numel() * sizeof(T));
      T* lp = lse.data<T>();
      for (int64_t i = 0; i < lse.numel(); ++i) lp[i] = S == 0 ? -std::numeric_limits<T>::infinity() : T(0);
      return;
    }
    Problem<T> pr;
    pr.Z = Z, pr.Hq = Hq, pr.Hk = Hk, pr.L = L, pr.S = S, pr.E = E, pr.Ev = Ev;
    set_rows(q, pr.q, pr.qs);
    set_rows(k, pr.k, pr.ks);
    set_rows(v, pr.v, pr.vs);
    set_mask(pr, mask);
    pr.causal = is_causal;
    pr.scale = (T)scale;
    pr.p = dropout_p;
    pr.rng = stream;
    pr.out = out.data<T>();
    pr.lse = lse.data<T>();
    const double work = (double)Z * Hq * L * S * (E + Ev) / (is_causal ? 2 : 1);
    if (L <= kFewRows) {  // decoding: a few query rows per key/value head
      auto f = fwd_rows_item_pick<T>();
      for_items<T>(Z * Hk, work, [&](int64_t item, Scratch<T>& s) { f(pr, item, s); });
      return;
    }
    auto f = fwd_item_pick<T>();
    const int64_t nblk = (L + kBlockQ - 1) / kBlockQ;
    for_items<T>(Z * Hq * nblk, work, [&](int64_t item, Scratch<T>& s) { f(pr, item, s); });
  });
  return {out.permute({0, 2, 1, 3}), lse, rng};
}

std::tuple<Array, Array, Array> scaled_dot_product_attention_backward(
    const Array& g_in, const Array& q_in, const Array& k_in, const Array& v_in, const Array& out,
    const Array& lse_in, const std::optional<Array>& mask_in, double dropout_p, bool is_causal, double scale,
    const Array& rng) {
  const char* op = "scaled_dot_product_attention_backward";
  check_qkv(q_in, k_in, v_in, op);
  check_dropout_scale(dropout_p, scale, op);
  const Array q = last_dim_unit(q_in), k = last_dim_unit(k_in), v = last_dim_unit(v_in);
  const int64_t Z = q.shape[0], Hq = q.shape[1], L = q.shape[2], E = q.shape[3];
  const int64_t Hk = k.shape[1], S = k.shape[2], Ev = v.shape[3];
  const Shape oshape = {Z, Hq, L, Ev};
  for (const Array* a : {&g_in, &out}) {
    check_same_device(*a, q, op);
    TL_CHECK(a->shape == oshape && a->dtype == q.dtype, ValueError,
             op << ": gradient and output must be " << shape_str(oshape) << " " << dtype_name(q.dtype) << ", got "
                << shape_str(a->shape) << " " << dtype_name(a->dtype));
  }
  TL_CHECK(lse_in.shape == (Shape{Z, Hq, L}) && lse_in.dtype == q.dtype, ValueError,
           op << ": lse must be " << shape_str({Z, Hq, L}) << ", got " << shape_str(lse_in.shape));
  TL_CHECK(rng.dtype == DType::Int64 && rng.numel() == 2, ValueError, op << ": rng must be 2 int64 values");
  std::optional<Array> mask;
  if (mask_in) mask = expand_mask(*mask_in, q, S, op);
  const Array g = last_dim_unit(g_in), lse = lse_in.contiguous(), r = rng.contiguous();
  // the forward's out in (Z, L, Hq, Ev) memory (what the forward returns, transposed back)
  const Array o = out.permute({0, 2, 1, 3}).contiguous();
  Array dq = Array::empty({Z, L, Hq, E}, q.dtype), dk = Array::empty({Z, S, Hk, E}, q.dtype);
  Array dv = Array::empty({Z, S, Hk, Ev}, q.dtype);
  TL_DISPATCH_FLOATING(q.dtype, op, [&] {
    using T = scalar_t;
    if (S == 0 || L == 0 || dropout_p >= 1.0) {
      for (Array* a : {&dq, &dk, &dv}) std::memset(a->raw(), 0, (size_t)a->numel() * sizeof(T));
      return;
    }
    Problem<T> pr;
    pr.Z = Z, pr.Hq = Hq, pr.Hk = Hk, pr.L = L, pr.S = S, pr.E = E, pr.Ev = Ev;
    set_rows(q, pr.q, pr.qs);
    set_rows(k, pr.k, pr.ks);
    set_rows(v, pr.v, pr.vs);
    set_rows(g, pr.g, pr.gs);
    set_mask(pr, mask);
    pr.causal = is_causal;
    pr.scale = (T)scale;
    pr.p = dropout_p;
    pr.rng = PhiloxStream{(uint64_t)r.data<int64_t>()[0], (uint64_t)r.data<int64_t>()[1]};
    pr.lse = const_cast<T*>(lse.data<T>());
    pr.o = o.data<T>();
    pr.dq = dq.data<T>();
    pr.dk = dk.data<T>();
    pr.dv = dv.data<T>();
    auto f = bwd_item_pick<T>();
    const double work = 2.5 * (double)Z * Hq * L * S * (E + Ev) / (is_causal ? 2 : 1);
    for_items<T>(Z * Hk, work, [&](int64_t item, Scratch<T>& s) { f(pr, item, s); });
  });
  return {dq.permute({0, 2, 1, 3}), dk.permute({0, 2, 1, 3}), dv.permute({0, 2, 1, 3})};
}

}  // namespace tl
