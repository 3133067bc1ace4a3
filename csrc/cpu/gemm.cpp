// GEMM driver: blocking, packing, threads (see gemm.h). The micro-kernels live in
// gemm_avx512.cpp, gemm_avx2.cpp and gemm_portable.cpp; the one for the current
// tl::simd_level() is picked per call.
#include "gemm.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <ctime>
#include <vector>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../bindings/registry.h"
#include "../core/parallel.h"
#include "simd.h"

namespace tl {

namespace {

// Blocking overrides for tuning (0 = the kernel's default); set by _C.gemm_set_blocking.
int g_mc = 0, g_kc = 0, g_nc = 0;
// Products with fewer multiply-adds than this stay on the calling thread.
int64_t g_thread_min_work = int64_t(1) << 19;

template <typename T>
GemmKernel<T> pick_kernel();

template <>
GemmKernel<float> pick_kernel<float>() {
  GemmKernel<float> k;
  SimdLevel l = simd_level();
  if (l == SimdLevel::AVX512 && gemm_kernel_avx512_f32(k)) return k;
  if (l >= SimdLevel::AVX2 && gemm_kernel_avx2_f32(k)) return k;
  gemm_kernel_portable_f32(k);
  return k;
}

template <>
GemmKernel<double> pick_kernel<double>() {
  GemmKernel<double> k;
  SimdLevel l = simd_level();
  if (l == SimdLevel::AVX512 && gemm_kernel_avx512_f64(k)) return k;
  if (l >= SimdLevel::AVX2 && gemm_kernel_avx2_f64(k)) return k;
  gemm_kernel_portable_f64(k);
  return k;
}

template <typename T>
GemmKernel<T> tuned_kernel() {
  GemmKernel<T> k = pick_kernel<T>();
  if (g_mc > 0) k.mc = std::max(k.mr, g_mc / k.mr * k.mr);
  if (g_kc > 0) k.kc = g_kc;
  if (g_nc > 0) k.nc = std::max(k.nr, g_nc / k.nr * k.nr);
  return k;
}

// A grow-only 64-byte-aligned scratch buffer, one per thread.
struct Scratch {
  void* p = nullptr;
  size_t n = 0;
  ~Scratch() { std::free(p); }
  void* get(size_t bytes) {
    if (bytes > n) {
      std::free(p);
      n = (bytes + 4095) / 4096 * 4096;
      p = std::aligned_alloc(4096, n);
      if (!p) {
        n = 0;
        throw RuntimeError("gemm: out of memory for packing buffers");
      }
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

template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t rsc, int64_t csc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T& c = C[i * rsc + j * csc];
      c = beta == T(0) ? T(0) : beta * c;
    }
}


// The GEMM's own worker threads. Why not `omp parallel`: a parallel region ends in a join
// that waits for every team member, and on a machine shared with other processes a member
// that the OS has not scheduled yet costs a whole time slice (milliseconds for a 60 µs
// product). Here the caller works too, claiming chunks from a counter; a helper joins when
// it runs, and the caller waits only for chunks that a helper has actually claimed. At
// worst the caller does everything itself, at single-thread speed. Helpers spin briefly
// after a job (back-to-back products find them awake), then sleep.
class GemmPool {
 public:
  static GemmPool& get() {
    static bool registered = [] {
      // A forked child has none of the helper threads (and maybe a mutex held by one):
      // it starts a fresh pool. The old one is leaked on purpose.
      pthread_atfork(nullptr, nullptr, [] { instance() = new GemmPool(); });
      return true;
    }();
    (void)registered;
    return *instance();
  }

  // Run fn(c) for c in [0, nchunks) on the caller plus up to nt - 1 helpers. Returns false
  // (nothing run) when another caller is using the pool: the caller then runs serially.
  bool run(int nt, int64_t nchunks, const std::function<void(int64_t)>& fn) {
    std::unique_lock<std::mutex> busy(run_mu_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    ensure_workers(nt - 1);
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      nchunks_ = nchunks;
      next_ = 0;
      helpers_allowed_ = nt - 1;
      error_ = nullptr;
      done_.store(0, std::memory_order_relaxed);
      epoch_.store(epoch_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    cv_.notify_all();
    work(epoch_.load(std::memory_order_relaxed));
    for (int spins = 0; done_.load(std::memory_order_acquire) < nchunks; ++spins) {
      if (spins < 4096) cpu_relax();
      else std::this_thread::yield();
    }
    std::exception_ptr err;
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = nullptr;
      err = error_;
    }
    if (err) std::rethrow_exception(err);
    return true;
  }

 public:
  // Chunks run by the caller / by helpers since start (a diagnostic for gemm_info).
  int64_t caller_chunks_ = 0, helper_chunks_ = 0;

 private:
  static GemmPool*& instance() {
    static GemmPool* p = new GemmPool();  // never destroyed: threads outlive static dtors
    return p;
  }

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  void ensure_workers(int n) {
    while ((int)workers_ < n) {
      std::thread([this] { worker(); }).detach();
      ++workers_;
    }
  }

  // Claim and run chunks of job `epoch` until none is left.
  void work(uint64_t epoch, bool helper = false) {
    for (;;) {
      int64_t c;
      const std::function<void(int64_t)>* f;
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (epoch_.load(std::memory_order_relaxed) != epoch || next_ >= nchunks_) return;
        c = next_++;
        f = fn_;
        if (helper) ++helper_chunks_;
        else ++caller_chunks_;
      }
      try {
        (*f)(c);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void worker() {
    uint64_t seen = epoch_.load(std::memory_order_acquire);
    for (;;) {
      // Spin a little (about 50 µs) for the next job, then sleep.
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; epoch_.load(std::memory_order_acquire) == seen; ++i) {
        cpu_relax();
        if ((i & 255) == 255 && std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(50)) {
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait(lk, [&] { return epoch_.load(std::memory_order_relaxed) != seen; });
          break;
        }
      }
      uint64_t e;
      {
        std::lock_guard<std::mutex> lk(mu_);
        e = epoch_.load(std::memory_order_relaxed);
        seen = e;
        if (helpers_allowed_ <= 0 || next_ >= nchunks_) continue;
        --helpers_allowed_;
      }
      work(e, true);
    }
  }

  std::mutex run_mu_;  // one job at a time
  std::mutex mu_;      // guards the job fields below
  std::condition_variable cv_;
  std::atomic<uint64_t> epoch_{0};
  std::atomic<int64_t> done_{0};
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t nchunks_ = 0, next_ = 0;
  int helpers_allowed_ = 0;
  std::exception_ptr error_;
  size_t workers_ = 0;
};

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
  const bool a_small = M <= 8 * MR || M * K * (int64_t)sizeof(T) <= (256 << 10);
  const bool direct_a = csa == 1 && a_small && kr.sa_by_mr[MR] && rsa > 0 && a_rows_ok;
  const UkrSaFn<T> ukr_sa = direct_a ? kr.sa_by_mr[MR] : nullptr;
  T* Ap = static_cast<T*>(scratch_a().get(sizeof(T) * (size_t)MC * KC + 256));
  T* Bp = static_cast<T*>(scratch_b().get(sizeof(T) * (size_t)NC * KC + 256));
  alignas(64) T tmp[16 * 64];  // edge tile (MR*NR <= 1024)

  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    const int64_t npan_b = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const T beta_eff = pc == 0 ? beta : T(1);
      for (int64_t p = direct_b ? nc / NR : 0; p < npan_b; ++p) {
        const int64_t j0 = p * NR;
        const int64_t nr = std::min<int64_t>(NR, nc - j0);
        const T* src = B + pc * rsb + (jc + j0) * csb;
        if (kr.pack_copy && csb == 1)
          kr.pack_copy(NR, nr, kc, src, rsb, Bp + p * NR * kc);
        else if (kr.pack_tr && rsb == 1)
          kr.pack_tr(NR, nr, kc, src, csb, Bp + p * NR * kc);
        else
          pack_panel<T>(NR, nr, kc, src, csb, rsb, Bp + p * NR * kc);  // B: lanes = columns
      }
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        const int64_t npan_a = (mc + MR - 1) / MR;
        for (int64_t p = direct_a ? mc / MR : 0; p < npan_a; ++p) {
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
        for (int64_t jr = 0; jr < npan_b; ++jr) {
          const int64_t j0 = jr * NR;
          const int64_t nr = std::min<int64_t>(NR, nc - j0);
          const bool in_place = direct_b && nr == NR;
          const T* b = in_place ? B + pc * rsb + (jc + j0) : Bp + jr * NR * kc;
          const int64_t ldb = in_place ? rsb : NR;
          for (int64_t ir = 0; ir < npan_a; ++ir) {
            const int64_t i0 = ir * MR;
            const int64_t mr = std::min<int64_t>(MR, mc - i0);
            T* c = C + (ic + i0) * rsc + (jc + j0) * csc;
            const T* a = Ap + ir * MR * kc;
            if (direct_a && mr == MR) {
              const T* ad = A + (ic + i0) * rsa + pc;
              if (nr == NR && csc == 1) {
                ukr_sa(kc, ad, rsa, b, ldb, c, rsc, alpha, beta_eff);
              } else {
                ukr_sa(kc, ad, rsa, b, ldb, tmp, NR, alpha, T(0));
                for (int64_t i = 0; i < mr; ++i)
                  for (int64_t j = 0; j < nr; ++j) {
                    T& dst = c[i * rsc + j * csc];
                    dst = beta_eff == T(0) ? tmp[i * NR + j] : tmp[i * NR + j] + beta_eff * dst;
                  }
              }
            } else if (mr == MR && nr == NR && csc == 1) {
              ukr(kc, a, b, ldb, c, rsc, alpha, beta_eff);
            } else {
              ukr(kc, a, b, ldb, tmp, NR, alpha, T(0));
              for (int64_t i = 0; i < mr; ++i)
                for (int64_t j = 0; j < nr; ++j) {
                  T& dst = c[i * rsc + j * csc];
                  dst = beta_eff == T(0) ? tmp[i * NR + j] : tmp[i * NR + j] + beta_eff * dst;
                }
            }
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
  const GemmKernel<T> kr = tuned_kernel<T>();
  const int MR = kr.mr, NR = kr.nr;
  // Matrix-vector products (x·A as Aᵀ·x).
  if (N == 1 && try_gemv<T>(kr, M, K, alpha, A, rsa, csa, B, rsb, beta, C, rsc)) return;
  if (M == 1 && try_gemv<T>(kr, N, K, alpha, B, csb, rsb, A, csa, beta, C, csc)) return;
  // Cᵀ = Bᵀ·Aᵀ when that pads the register tiles much less (N = 10 in a 32-wide tile).
  {
    auto padded = [](int64_t x, int r) { return (x + r - 1) / r * r; };
    const int64_t cost = padded(M, MR) * padded(N, NR), cost_t = padded(N, MR) * padded(M, NR);
    if (cost_t * 5 < cost * 4)
      return gemm_impl<T>(N, M, K, alpha, B, csb, rsb, A, csa, rsa, beta, C, csc, rsc, nthreads);
  }
  int nt = std::max(1, nthreads);
  if (M * N * K < g_thread_min_work) nt = 1;
  if (nt > 1) {
    // Split the side with more register tiles.
    const int64_t tm = (M + MR - 1) / MR, tn = (N + NR - 1) / NR;
    const bool split_m = tm * NR >= tn * MR;  // compare in elements
    const int64_t units = split_m ? tm : tn, unit = split_m ? MR : NR;
    // Several chunks per thread: a late or descheduled helper leaves the caller less to do.
    // But each chunk repacks the whole other operand (K×N or M×K): a chunk gets at least
    // mc rows / columns, so that packing stays a small share of its work (1024³ in 8 chunks
    // packed B eight times: 32 MiB of copying, ~10 % of the product).
    const int64_t min_units = M * N * K >= (int64_t(1) << 27) ? std::max<int64_t>(1, kr.mc / unit) : 1;
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
      if (GemmPool::get().run(nt, chunks, fn)) return;
    }
  }
  gemm_serial<T>(kr, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
}

}  // namespace

void gemm_parallel_chunks(int nthreads, int64_t n, const std::function<void(int64_t)>& fn) {
  if (nthreads > 1 && n > 1 && GemmPool::get().run((int)std::min<int64_t>(nthreads, n), n, fn)) return;
  for (int64_t c = 0; c < n; ++c) fn(c);
}

bool gemm_wants_threads(int64_t M, int64_t N, int64_t K) {
  return get_num_threads() > 1 && M * N * K >= g_thread_min_work;
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

// Micro-kernel alone on L1-resident panels (no packing, no C traffic beyond one tile):
// the ceiling the driver can reach. Returns GF/s of thread CPU time.
static double ukr_probe(int64_t kc, int64_t reps, int mr) {
  GemmKernel<float> kr = tuned_kernel<float>();
  UkrFn<float> ukr = kr.ukr;
  if (mr > 0 && mr <= 16 && kr.by_mr[mr]) ukr = kr.by_mr[mr];
  else mr = kr.mr;
  std::vector<float> a((size_t)mr * kc, 0.5f), b((size_t)kr.nr * kc, 0.25f),
      c((size_t)mr * kr.nr, 0.f);
  ukr(kc, a.data(), b.data(), kr.nr, c.data(), kr.nr, 1.f, 0.f);
  // Thread CPU time: on a shared machine, time spent descheduled is not the kernel's.
  auto now = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
  };
  double t0 = now();
  for (int64_t r = 0; r < reps; ++r) ukr(kc, a.data(), b.data(), kr.nr, c.data(), kr.nr, 1.f, 1.f);
  double s = now() - t0;
  return 2.0 * mr * kr.nr * kc * reps / s / 1e9;
}

static void bind_gemm(pybind11::module_& m) {
  m.def("gemm_ukr_probe", &ukr_probe, pybind11::arg("kc") = 256, pybind11::arg("reps") = 20000, pybind11::arg("mr") = 0,
        "GF/s of the float32 micro-kernel alone on L1-resident panels (benchmark helper)");
  m.def("gemm_info", [] {
    pybind11::dict d;
    GemmKernel<float> kf = tuned_kernel<float>();
    GemmKernel<double> kd = tuned_kernel<double>();
    d["simd"] = std::string(simd_name(simd_level()));
    d["f32_kernel"] = std::string(kf.name);
    d["f32_mr"] = kf.mr;
    d["f32_nr"] = kf.nr;
    d["f32_mc"] = kf.mc;
    d["f32_kc"] = kf.kc;
    d["f32_nc"] = kf.nc;
    d["f64_kernel"] = std::string(kd.name);
    d["f64_mr"] = kd.mr;
    d["f64_nr"] = kd.nr;
    d["f64_mc"] = kd.mc;
    d["f64_kc"] = kd.kc;
    d["f64_nc"] = kd.nc;
    d["thread_min_work"] = g_thread_min_work;
    d["num_threads"] = get_num_threads();
    d["threading"] = std::string("own pool: caller + helpers claim chunks of C; no join barrier");
    d["pool_caller_chunks"] = GemmPool::get().caller_chunks_;
    d["pool_helper_chunks"] = GemmPool::get().helper_chunks_;
    return d;
  }, "the GEMM path in use: SIMD level, micro-kernel, register tile and cache blocks");
  m.def("gemm_set_blocking", [](int mc, int kc, int nc, int64_t thread_min_work) {
    g_mc = mc; g_kc = kc; g_nc = nc;
    if (thread_min_work >= 0) g_thread_min_work = thread_min_work;
  }, pybind11::arg("mc") = 0, pybind11::arg("kc") = 0, pybind11::arg("nc") = 0,
     pybind11::arg("thread_min_work") = -1,
     "tuning knob: override the cache blocks (0 = default) and the threading threshold");
}
TL_REGISTER_BINDINGS(bind_gemm)

}  // namespace tl
