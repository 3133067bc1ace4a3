// GEMM driver: blocking, packing, threads (see gemm.h). The micro-kernels live in
// gemm_avx512.cpp, gemm_avx2.cpp and gemm_portable.cpp; the one for the current
// tl::simd_level() and this CPU, with its cache blocks, comes from gemm_select.cpp.
#include "gemm.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <type_traits>

#include "../core/errors.h"
#include "../core/parallel.h"
#include "gemm_pool.h"

namespace tl {

namespace {

// A grow-only 64-byte-aligned scratch buffer, one per thread.
struct Scratch {
  void* p = nullptr;
  size_t n = 0;
  ~Scratch() { std::free(p); }
  void* get(size_t bytes) {
    if (bytes > n) {
      std::free(p);
      // Buffers of 1 MiB or more in 2 MiB pages when the kernel gives them: a 4 MiB packed B
      // block then needs 2 TLB entries, not 1024.
      const size_t align = bytes >= (1 << 20) ? (2 << 20) : 4096;
      n = (bytes + align - 1) / align * align;
      p = std::aligned_alloc(align, n);
      if (!p) {
        n = 0;
        throw RuntimeError("gemm: out of memory for packing buffers");
      }
#ifdef MADV_HUGEPAGE
      if (align > 4096) madvise(p, n, MADV_HUGEPAGE);
#endif
    }
    return p;
  }
};

Scratch& scratch_a() {
  static thread_local Scratch s;
  return s;
}
Scratch& scratch_b() {
  static thread_local Scratch s;
  return s;
}

// Pack r lanes × depth [0, kc) of a strided matrix into an R-lane panel d[k*R + l] =
// s[l*ls + k*ks], zero-padded to R lanes. An A panel is lanes = rows (ls = rsa, ks = csa), a
// B panel lanes = columns (ls = csb, ks = rsb): one routine, the strides swapped.
template <typename T>
inline void pack_panel(int R, int64_t r, int64_t kc, const T* s, int64_t ls, int64_t ks, T* __restrict d) {
  if (ls == 1) {  // lanes contiguous: one row copy per k
    for (int64_t k = 0; k < kc; ++k) {
      const T* sk = s + k * ks;
      if (r == R) {
        std::memcpy(d + k * R, sk, sizeof(T) * R);
      } else {
        for (int64_t l = 0; l < r; ++l) d[k * R + l] = sk[l];
        for (int64_t l = r; l < R; ++l) d[k * R + l] = T(0);
      }
    }
    return;
  }
  for (int64_t l = 0; l < r; ++l) {
    const T* sl = s + l * ls;
    if (ks == 1)
      for (int64_t k = 0; k < kc; ++k) d[k * R + l] = sl[k];
    else
      for (int64_t k = 0; k < kc; ++k) d[k * R + l] = sl[k * ks];
  }
  for (int64_t l = r; l < R; ++l)
    for (int64_t k = 0; k < kc; ++k) d[k * R + l] = T(0);
}

// Generic B-block packing (PackBlockFn in gemm.h): row by row across all panels.
template <typename T>
void pack_block_generic(int NR, int64_t kc, int64_t nc, const T* src, int64_t ld, T* __restrict d) {
  const int64_t npan = (nc + NR - 1) / NR;
  for (int64_t k = 0; k < kc; ++k) {
    const T* s = src + k * ld;
    for (int64_t p = 0; p < npan; ++p) {
      const int64_t r = std::min<int64_t>(NR, nc - p * NR);
      T* dp = d + p * NR * kc + k * NR;
      for (int64_t j = 0; j < r; ++j) dp[j] = s[p * NR + j];
      for (int64_t j = r; j < NR; ++j) dp[j] = T(0);
    }
  }
}

template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t rsc, int64_t csc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T& c = C[i * rsc + j * csc];
      c = beta == T(0) ? T(0) : beta * c;
    }
}


template <typename T>
void gemv_dot_generic(int64_t M, int64_t K, const T* A, int64_t lda, const T* x, T* y,
                      int64_t incy, T alpha, T beta) {
  for (int64_t i = 0; i < M; ++i) {
    const T* a = A + i * lda;
    T acc = T(0);
#pragma omp simd reduction(+ : acc)
    for (int64_t k = 0; k < K; ++k) acc += a[k] * x[k];
    T& d = y[i * incy];
    d = beta == T(0) ? alpha * acc : alpha * acc + beta * d;
  }
}

template <typename T>
void gemv_axpy_generic(int64_t M, int64_t K, const T* A, int64_t lda, const T* x, T* y,
                       int64_t incy, T alpha, T beta) {
  alignas(64) T acc[512];
  for (int64_t i0 = 0; i0 < M; i0 += 512) {
    const int64_t mb = std::min<int64_t>(512, M - i0);
    for (int64_t i = 0; i < mb; ++i) acc[i] = T(0);
    for (int64_t k = 0; k < K; ++k) {
      const T xk = x[k];
      const T* col = A + k * lda + i0;
#pragma omp simd
      for (int64_t i = 0; i < mb; ++i) acc[i] += col[i] * xk;
    }
    for (int64_t i = 0; i < mb; ++i) {
      T& d = y[(i0 + i) * incy];
      d = beta == T(0) ? alpha * acc[i] : alpha * acc[i] + beta * d;
    }
  }
}

Scratch& scratch_x() {
  static thread_local Scratch s;
  return s;
}

// N == 1 with A rows or columns contiguous: a matrix-vector product, memory-bound, no packing.
template <typename T>
bool try_gemv(const GemmKernel<T>& kr, int64_t M, int64_t K, T alpha, const T* A, int64_t rsa,
              int64_t csa, const T* x, int64_t incx, T beta, T* y, int64_t incy) {
  const bool dot = csa == 1, axpy = !dot && rsa == 1;
  if (!dot && !axpy) return false;
  if (incx != 1) {
    T* xc = static_cast<T*>(scratch_x().get(sizeof(T) * (size_t)K + 64));
    for (int64_t k = 0; k < K; ++k) xc[k] = x[k * incx];
    x = xc;
  }
  if (dot)
    (kr.gemv_dot ? kr.gemv_dot : gemv_dot_generic<T>)(M, K, A, rsa, x, y, incy, alpha, beta);
  else
    (kr.gemv_axpy ? kr.gemv_axpy : gemv_axpy_generic<T>)(M, K, A, csa, x, y, incy, alpha, beta);
  return true;
}

// One thread, one product: jc → pc (pack B) → ic (pack A) → MR×NR tiles.
template <typename T>
void gemm_serial(const GemmKernel<T>& kr, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t rsa, int64_t csa, const T* B, int64_t rsb, int64_t csb, T beta, T* C,
                 int64_t rsc, int64_t csc) {
  const int NR = kr.nr;
  // Register tile height: the default, or a shorter one that pads a small M less
  // (each row fewer costs a little: a lower FMA-to-load ratio).
  int MR = kr.mr;
  UkrFn<T> ukr = kr.ukr;
  if (M < 16 * kr.mr) {
    double best = double((M + MR - 1) / MR * MR);
    for (int m = 1; m <= 16; ++m) {
      if (!kr.by_mr[m] || m == kr.mr) continue;
      double cost = double((M + m - 1) / m * m) * (1.0 + 0.015 * (kr.mr - m));
      if (cost < best) best = cost, MR = m, ukr = kr.by_mr[m];
    }
  }
  int64_t MC = kr.mc / MR * MR;
  {
    int64_t nm = (M + MC - 1) / MC;
    int64_t per = (M + nm - 1) / nm;
    MC = std::min<int64_t>(MC, (per + MR - 1) / MR * MR);
  }
  // Depth block: the default, deeper when A is short (the A block MC×KC keeps its L2 budget).
  int64_t KC = kr.kc;
  if (MC < kr.mc) KC = std::min<int64_t>(2048, std::max<int64_t>(KC, int64_t(kr.kc) * kr.mc / MC));
  {
    int64_t nk = (K + KC - 1) / KC;
    KC = (K + nk - 1) / nk;
  }
  const int64_t NC = std::min<int64_t>(kr.nc, (N + NR - 1) / NR * NR);
  // Short A (one block of few panels) and B with unit column stride: the micro-kernel reads
  // B in place (rows rsb apart) instead of packing it; only a ragged last panel is packed.
  const bool direct_b = csb == 1 && M <= 8 * MR;
  // Short or small (≤ 256 KiB, stays in L2) row-major A: the micro-kernel broadcasts from A's
  // rows in place (MR row streams), unless the row stride is near a multiple of 4 KiB (the
  // rows would share L1 sets); a stride so small that MR rows span ≤ 4 KiB never aliases.
  const int64_t lda_bytes = (rsa * (int64_t)sizeof(T)) % 4096;
  const bool a_rows_ok = (lda_bytes >= 512 && lda_bytes <= 4096 - 512) ||
                         rsa * (int64_t)sizeof(T) * MR <= 4096;
  // (Or few B panels, N ≤ 4·NR: A is swept that many times, and reading it in place overlaps its
  // trip from memory with the FMAs, where a copy first would stall on it: P·V in attention.)
  const bool a_small = M <= 8 * MR || M * K * (int64_t)sizeof(T) <= (256 << 10) || N <= 4 * NR;
  const bool direct_a = csa == 1 && a_small && kr.sa_by_mr[MR] && rsa > 0 && a_rows_ok;
  // Any other row-major A: its block is copied row by row (memcpy speed) with a padded row stride
  // (one cache line more than a multiple of 64 bytes: the MR rows fall in different L1 sets) and
  // the in-place micro-kernel reads the copy. A transposing pack costs about 4× more per element,
  // which shows when N is small: P·V in attention (N = d = 64) packs an element of A per 64 FMAs.
  const bool a_copy_rows = csa == 1 && !direct_a && kr.sa_by_mr[MR] != nullptr;
  const int64_t lda_p = (KC + 15) / 16 * 16 + 64 / (int64_t)sizeof(T);
  const UkrSaFn<T> ukr_sa = direct_a || a_copy_rows ? kr.sa_by_mr[MR] : nullptr;
  // One A block covers all of M: each B panel is used by one sweep over the A panels only, so it
  // is packed right before that sweep into a one-panel buffer that stays in L1/L2, instead of
  // packing the whole KC×NC block first (for a short A and deep KC that block is tens of MiB,
  // written to DRAM and read back: 4× slower skinny products).
  const bool b_per_panel = M <= MC && !direct_b;
  T* Ap = static_cast<T*>(scratch_a().get(sizeof(T) * (size_t)MC * (a_copy_rows ? lda_p : KC) + 256));
  T* Bp = static_cast<T*>(scratch_b().get(sizeof(T) * (size_t)(b_per_panel ? NR : NC) * KC + 256));
  alignas(64) T tmp[16 * 64];  // edge tile (MR*NR <= 1024)

  // Pack B panel p (columns jc + p*NR …) of depth block pc into dst.
  auto pack_b_panel = [&](int64_t jc, int64_t nc, int64_t pc, int64_t kc, int64_t p, T* dst) {
    const int64_t j0 = p * NR;
    const int64_t nr = std::min<int64_t>(NR, nc - j0);
    const T* src = B + pc * rsb + (jc + j0) * csb;
    if (kr.pack_copy && csb == 1)
      kr.pack_copy(NR, nr, kc, src, rsb, dst);
    else if (kr.pack_tr && rsb == 1)
      kr.pack_tr(NR, nr, kc, src, csb, dst);
    else
      pack_panel<T>(NR, nr, kc, src, csb, rsb, dst);  // B: lanes = columns
  };
  // One MR×NR tile (mr×nr valid) of C at c, from A panel a (or A in place at ad) and B at b.
  // (ad: A rows lda apart, read by the in-place micro-kernel.)
  auto tile = [&](int64_t kc, const T* a, const T* ad, int64_t lda, const T* b, int64_t ldb, T* c,
                  int64_t mr, int64_t nr, T beta_eff) {
    const bool sa = ad != nullptr;
    if (mr == MR && nr == NR && csc == 1) {
      if (sa) ukr_sa(kc, ad, lda, b, ldb, c, rsc, alpha, beta_eff);
      else ukr(kc, a, b, ldb, c, rsc, alpha, beta_eff);
      return;
    }
    if (sa) ukr_sa(kc, ad, lda, b, ldb, tmp, NR, alpha, T(0));
    else ukr(kc, a, b, ldb, tmp, NR, alpha, T(0));
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j) {
        T& dst = c[i * rsc + j * csc];
        dst = beta_eff == T(0) ? tmp[i * NR + j] : tmp[i * NR + j] + beta_eff * dst;
      }
  };

  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    const int64_t npan_b = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const T beta_eff = pc == 0 ? beta : T(1);
      if (b_per_panel) {
        // packed below, panel by panel
      } else if (csb == 1 && !direct_b) {
        (kr.pack_block ? kr.pack_block : pack_block_generic<T>)(NR, kc, nc, B + pc * rsb + jc, rsb, Bp);
      } else {
        for (int64_t p = direct_b ? nc / NR : 0; p < npan_b; ++p) pack_b_panel(jc, nc, pc, kc, p, Bp + p * NR * kc);
      }
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        const int64_t npan_a = (mc + MR - 1) / MR;
        if (a_copy_rows) {
          for (int64_t i = 0; i < npan_a * MR; ++i) {
            T* d = Ap + i * lda_p;
            if (i < mc) std::memcpy(d, A + (ic + i) * rsa + pc, sizeof(T) * (size_t)kc);
            else std::memset(d, 0, sizeof(T) * (size_t)kc);  // rows past M: a ragged last panel
          }
        } else if (rsa == 1 && !direct_a) {  // Aᵀ stored row-major: the lanes of A's panels are contiguous
          (kr.pack_block ? kr.pack_block : pack_block_generic<T>)(MR, kc, mc, A + ic + pc * csa, csa, Ap);
        } else for (int64_t p = direct_a ? mc / MR : 0; p < npan_a; ++p) {
          const int64_t i0 = p * MR;
          const int64_t mr = std::min<int64_t>(MR, mc - i0);
          const T* src = A + (ic + i0) * rsa + pc * csa;
          if (kr.pack_copy && rsa == 1)
            kr.pack_copy(MR, mr, kc, src, csa, Ap + p * MR * kc);
          else if (kr.pack_tr && csa == 1)
            kr.pack_tr(MR, mr, kc, src, rsa, Ap + p * MR * kc);
          else
            pack_panel<T>(MR, mr, kc, src, rsa, csa, Ap + p * MR * kc);  // A: lanes = rows
        }
        auto b_of = [&](int64_t jr, int64_t& ldb) -> const T* {
          const int64_t j0 = jr * NR;
          const bool in_place = direct_b && nc - j0 >= NR;
          ldb = in_place ? rsb : NR;
          return in_place ? B + pc * rsb + (jc + j0) : Bp + (b_per_panel ? 0 : jr * NR * kc);
        };
        auto run = [&](int64_t ir, int64_t jr, const T* b, int64_t ldb) {
          const int64_t i0 = ir * MR, j0 = jr * NR;
          const int64_t mr = std::min<int64_t>(MR, mc - i0), nr = std::min<int64_t>(NR, nc - j0);
          const T* ad = direct_a && mr == MR ? A + (ic + i0) * rsa + pc
                        : a_copy_rows        ? Ap + i0 * lda_p
                                             : nullptr;
          tile(kc, Ap + ir * MR * kc, ad, direct_a ? rsa : lda_p, b, ldb, C + (ic + i0) * rsc + (jc + j0) * csc, mr,
               nr, beta_eff);
        };
        if (kr.a_stationary && !b_per_panel) {  // each A micro-panel stays in L1, B panels stream
          for (int64_t ir = 0; ir < npan_a; ++ir)
            for (int64_t jr = 0; jr < npan_b; ++jr) {
              int64_t ldb;
              const T* b = b_of(jr, ldb);
              run(ir, jr, b, ldb);
            }
        } else {  // each B micro-panel stays in L1/L2, A panels stream from the A block in L2
          for (int64_t jr = 0; jr < npan_b; ++jr) {
            if (b_per_panel) pack_b_panel(jc, nc, pc, kc, jr, Bp);
            int64_t ldb;
            const T* b = b_of(jr, ldb);
            for (int64_t ir = 0; ir < npan_a; ++ir) run(ir, jr, b, ldb);
          }
        }
      }
    }
  }
}

// Threads: C is cut into chunks along its longer side (the other operand's packing is then
// repeated per chunk, a small cost); each chunk is a whole serial product with the thread's
// own packing buffers, claimed from a shared counter. No barriers: on a shared machine a
// descheduled thread delays only the chunk it holds.
template <typename T>
void gemm_impl(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
               const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, int64_t csc,
               int nthreads) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    if (beta != T(1)) scale_c(M, N, beta, C, rsc, csc);
    return;
  }
  const GemmKernel<T>& kr = gemm_kernel<T>();
  const int MR = kr.mr, NR = kr.nr;
  // Matrix-vector products (x·A as Aᵀ·x).
  if (N == 1 && try_gemv<T>(kr, M, K, alpha, A, rsa, csa, B, rsb, beta, C, rsc)) return;
  if (M == 1 && try_gemv<T>(kr, N, K, alpha, B, csb, rsb, A, csa, beta, C, csc)) return;
  // Skinny products against a weight read in place with contiguous rows (x·wᵀ, decode): stream
  // the weight once (gemm_skinny.cpp). A short A·B with B's columns contiguous is the same
  // product transposed: Cᵀ = Bᵀ·Aᵀ with Bᵀ short.
  if constexpr (std::is_same_v<T, float>) {
    if (M <= 16 && rsb == 1 && csa == 1 && N >= 4 &&
        gemm_skinny_f32(M, N, K, alpha, A, rsa, B, csb, beta, C, rsc, csc, nthreads))
      return;
    if (N <= 16 && csa == 1 && rsb == 1 && M >= 4 &&
        gemm_skinny_f32(N, M, K, alpha, B, csb, A, rsa, beta, C, csc, rsc, nthreads))
      return;
  }
  // Cᵀ = Bᵀ·Aᵀ when that pads the register tiles much less (N = 10 in a 32-wide tile).
  {
    auto padded = [](int64_t x, int r) { return (x + r - 1) / r * r; };
    const int64_t cost = padded(M, MR) * padded(N, NR), cost_t = padded(N, MR) * padded(M, NR);
    if (cost_t * 5 < cost * 4)
      return gemm_impl<T>(N, M, K, alpha, B, csb, rsb, A, csa, rsa, beta, C, csc, rsc, nthreads);
  }
  int nt = std::max(1, nthreads);
  if (M * N * K < gemm_thread_min_work()) nt = 1;
  if (nt > 1) {
    // Each chunk is a whole product: splitting M repacks all of B (K×N) per chunk, splitting N
    // all of A (M×K). Split the side whose duplicated packing is cheaper, counting a transposing
    // pack 3× a contiguous copy and a short A read in place as free, as long as that side has a
    // register tile per thread (else the other side).
    const int64_t tm = (M + MR - 1) / MR, tn = (N + NR - 1) / NR;
    auto pack_cost = [](bool in_place, bool contiguous) { return in_place ? 0.0 : contiguous ? 1.0 : 3.0; };
    const double cost_m = double(K) * N * pack_cost(csb == 1 && M <= 8 * MR * nt, csb == 1);
    const double cost_n = double(M) * K * pack_cost(csa == 1 && M * K * (int64_t)sizeof(T) <= (256 << 10),
                                                     csa == 1 || rsa == 1);
    bool split_m = cost_m < cost_n || (cost_m == cost_n && tm * NR >= tn * MR);
    if ((split_m ? tm : tn) < nt) split_m = !split_m;
    const int64_t units = split_m ? tm : tn, unit = split_m ? MR : NR;
    // One chunk per thread, or more while each keeps ≥ 512 rows (columns): a late or descheduled
    // helper then leaves the caller less to do, and the repacking stays ≤ ~2 % of a chunk's work
    // (the old rule, chunks of mc rows, packed B eight times at 1024³: ~10 %).
    const int64_t min_units = std::max<int64_t>(1, 512 / unit);
    int64_t chunks = std::min<int64_t>(int64_t(nt) * 4, std::max<int64_t>(units / min_units, 1));
    chunks = std::max<int64_t>(chunks / nt * nt, std::min<int64_t>(nt, units));  // balanced
    if (chunks > 1) {
      const int64_t per = (units + chunks - 1) / chunks;  // tiles per chunk
      chunks = (units + per - 1) / per;
      nt = (int)std::min<int64_t>(nt, chunks);
      std::function<void(int64_t)> fn = [&](int64_t c) {
        const int64_t lo = c * per * unit;
        if (split_m) {
          const int64_t m = std::min(M - lo, per * unit);
          gemm_serial<T>(kr, m, N, K, alpha, A + lo * rsa, rsa, csa, B, rsb, csb, beta,
                         C + lo * rsc, rsc, csc);
        } else {
          const int64_t n = std::min(N - lo, per * unit);
          gemm_serial<T>(kr, M, n, K, alpha, A, rsa, csa, B + lo * csb, rsb, csb, beta,
                         C + lo * csc, rsc, csc);
        }
      };
      if (gemm_pool_run(nt, chunks, fn)) return;
    }
  }
  gemm_serial<T>(kr, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
}

}  // namespace

bool gemm_wants_threads(int64_t M, int64_t N, int64_t K) {
  return get_num_threads() > 1 && M * N * K >= gemm_thread_min_work();
}

void gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
              int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C,
              int64_t rsc, int64_t csc, int nthreads) {
  gemm_impl<float>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc, nthreads);
}

void gemm_f64(int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t rsa,
              int64_t csa, const double* B, int64_t rsb, int64_t csb, double beta, double* C,
              int64_t rsc, int64_t csc, int nthreads) {
  gemm_impl<double>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc, nthreads);
}

}  // namespace tl
