// Fused cross-entropy forward (one read of the logits) and backward (one read of the logits,
// one write of dlogits). SIMD row kernels from softmax.h, runtime-dispatched.
#include "softmax.h"  // first: its diagnostic pragmas cover the intrinsics headers
#include "cross_entropy.h"

#include <algorithm>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "simd.h"

namespace tl {
using namespace nnsimd;

namespace {

// x: (N, C) rows contiguous, t: (N,) int64 (validated), rows [r0, r1).
// lse[n]  = m[n] + ls[n],  ls[n] = log Σ_c exp(x[n,c] − m[n]),  m[n] = max_c x[n,c]
// loss[n] = (1−ε)·((m[n] − x[n,t_n]) + ls[n]) + ε·(ls[n] − (1/C)·Σ_c (x[n,c] − m[n]))
// loss[n] = 0 where t_n == ignore_index.
// m − x is taken before ls is added (torch's order): with logits near 1e8, m + ls rounds ls away in
// float32, and lse − x would give 0 where log C is right.
template <class O, bool SMOOTH>
inline void ce_fwd_rows(const typename O::T* x, const int64_t* t, typename O::T* lse, typename O::T* loss,
                        int64_t r0, int64_t r1, int64_t C, int64_t ignore, typename O::T eps) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  const T ninf = -std::numeric_limits<T>::infinity();
  for (int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * C;
    T m, ls, sd = 0;  // sd = Σ_c (x[n,c] − m): summed after m is known, so large logits cancel first
    if (W > 1 && C <= W) {  // the whole row in one (masked) vector
      V v = O::loadn(xr, C, ninf);
      m = O::hmax(v);
      ls = std::log(O::hsum(O::exp(O::sub(v, O::set1(m)))));
      if (SMOOTH) sd = O::hsum(O::sub(O::loadn(xr, C, m), O::set1(m)));  // masked lanes: m − m = 0
    } else {
      m = row_max<O>(xr, C);
      ls = std::log(row_sumexp<O, false>(xr, C, m, nullptr, r + 1 < r1 ? xr + C : nullptr));
      if (SMOOTH)
        for (int64_t c = 0; c < C; ++c) sd += xr[c] - m;
    }
    lse[r] = m + ls;
    const int64_t ti = t[r];
    if (ti == ignore) {
      loss[r] = 0;
    } else {
      T l = (m - xr[ti]) + ls;
      if (SMOOTH) l = (T(1) - eps) * l + eps * (ls - sd / T(C));
      loss[r] = l;
    }
  }
}

// dx[n,c] = g_n·exp(x[n,c] − lse[n]) − g_n·ε/C − g_n·(1−ε)·[c == t_n];  dx[n,:] = 0 if t_n ignored.
// A row whose |lse| ≥ 64 (the saved lse has lost ls to rounding beyond what float32 keeps of a
// probability) takes exp(x − m)·(1/Σ exp(x − m)) instead, m and Σ recomputed from the row.
// g_n = gvec[n] when gvec (reduction none), else gscalar (already divided by the count for mean).
template <class O, bool PF = true>
inline void ce_bwd_rows(const typename O::T* x, const int64_t* t, const typename O::T* lse,
                        const typename O::T* gvec, typename O::T gscalar, typename O::T* dx, int64_t r0,
                        int64_t r1, int64_t C, int64_t ignore, typename O::T eps, bool nt) {
  using T = typename O::T;
  using V = typename O::V;
  for (int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * C;
    T* dr = dx + r * C;
    const int64_t ti = t[r];
    if (ti == ignore) {
      const V z = O::zero();
      write_row<O>(dr, C, nt, [&](int64_t, int64_t) { return z; });
      continue;
    }
    const T g = gvec ? gvec[r] : gscalar;
    T shift = lse[r], scale = g;
    if (std::abs(shift) >= T(64) && std::abs(shift) < std::numeric_limits<T>::infinity()) {
      shift = row_max<O>(xr, C);
      scale = g / row_sumexp<O, false>(xr, C, shift, nullptr, nullptr);
    }
    const V vl = O::set1(shift), vg = O::set1(scale), vb = O::set1(-g * eps / T(C));
    const T* pf = xr + C;  // the next row, prefetched while this one computes
    const T hit = g * (T(1) - eps);
    // the target's lane gets −g·(1−ε) before the (possibly streaming) store
    write_row<O>(dr, C, nt, [&](int64_t i, int64_t n) {
      if (PF) __builtin_prefetch(pf + i);
      V d = O::fmadd(O::exp(O::sub(load_part<O>(xr + i, n, 0), vl)), vg, vb);
      if (ti >= i && ti < i + n) d = O::sub_lane(d, ti - i, hit);
      return d;
    });
  }
  if (nt) O::fence();
}

// ---- per-ISA entry points: fwd_*, bwd_* (_512, _256, _scalar, _pick) ----
TL_NN_ENTRIES(fwd, (const T* x, const int64_t* t, T* lse, T* loss, int64_t r0, int64_t r1, int64_t C, int64_t ig,
                    T eps, bool sm), {
  if (sm) ce_fwd_rows<O, true>(x, t, lse, loss, r0, r1, C, ig, eps);
  else ce_fwd_rows<O, false>(x, t, lse, loss, r0, r1, C, ig, eps);
})
TL_NN_ENTRIES(bwd, (const T* x, const int64_t* t, const T* lse, const T* gv, T gs, T* dx, int64_t r0, int64_t r1,
                    int64_t C, int64_t ig, T eps, bool nt), {
  ce_bwd_rows<O>(x, t, lse, gv, gs, dx, r0, r1, C, ig, eps, nt);
})

// Shared validation; returns (N, C).
void check_inputs(const Array& logits, const Array& target, int64_t ignore_index, double eps,
                  int64_t reduction, const char* op) {
  check_cpu(logits, op);
  check_same_device(logits, target, op);
  TL_CHECK(is_floating(logits.dtype), TypeError,
           op << ": expected floating logits, got " << dtype_name(logits.dtype));
  TL_CHECK(target.dtype == DType::Int64, TypeError,
           op << ": expected int64 class-index targets, got " << dtype_name(target.dtype));
  TL_CHECK(logits.ndim() == 2, ValueError,
           op << ": expected logits of shape (N, C), got " << shape_str(logits.shape));
  TL_CHECK(target.ndim() == 1 && target.shape[0] == logits.shape[0], ValueError,
           op << ": target shape " << shape_str(target.shape) << " does not match logits "
              << shape_str(logits.shape) << " (expected (" << logits.shape[0] << ",))");
  TL_CHECK(reduction >= 0 && reduction <= 2, ValueError,
           op << ": reduction must be 0 (none), 1 (mean) or 2 (sum), got " << reduction);
  TL_CHECK(eps >= 0.0 && eps <= 1.0, ValueError,
           op << ": label_smoothing must be in [0, 1], got " << eps);
  TL_CHECK(logits.shape[1] > 0 || logits.shape[0] == 0, ValueError,
           op << ": logits " << shape_str(logits.shape) << " have no classes");
  const int64_t N = logits.shape[0], C = logits.shape[1];
  (void)ignore_index;
  (void)N;
  (void)C;
}

// Bounds-check the targets; returns the number of non-ignored rows.
int64_t check_targets(const int64_t* t, int64_t N, int64_t C, int64_t ignore, const char* op) {
  int64_t count = 0;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t v = t[n];
    if (v == ignore) continue;
    TL_CHECK(v >= 0 && v < C, IndexError,
             op << ": target " << v << " at row " << n << " is out of bounds for " << C << " classes");
    ++count;
  }
  return count;
}

template <typename T>
std::pair<Array, Array> ce_forward(const Array& x, const Array& tg, int64_t ignore, double eps,
                                   int64_t reduction) {
  const int64_t N = x.shape[0], C = x.shape[1];
  const int64_t* t = tg.data<int64_t>();
  const int64_t count = check_targets(t, N, C, ignore, "cross_entropy");
  Array lse = Array::empty({N}, x.dtype);
  Array rows = Array::empty({N}, x.dtype);
  auto f = fwd_pick<T>();
  const T* xp = x.data<T>();
  T *lp = lse.data<T>(), *rp = rows.data<T>();
  const T te = (T)eps;
  const bool sm = eps != 0.0;
  parallel_for(N, N * C * 4, [&](int64_t b, int64_t e) { f(xp, t, lp, rp, b, e, C, ignore, te, sm); });
  if (reduction == 0) return {rows, lse};
  double acc = 0;  // fixed order: the same result for any thread count
  for (int64_t n = 0; n < N; ++n) acc += (double)rp[n];
  Array loss = Array::empty({}, x.dtype);
  *loss.data<T>() = reduction == 1 ? (T)(acc / (double)count) : (T)acc;
  return {loss, lse};
}

template <typename T>
Array ce_backward(const Array& x, const Array& tg, const Array& lse, const Array& gl, int64_t ignore, double eps,
                  int64_t reduction) {
  const int64_t N = x.shape[0], C = x.shape[1];
  const int64_t* t = tg.data<int64_t>();
  const int64_t count = check_targets(t, N, C, ignore, "cross_entropy_backward");
  Array dx = Array::empty(x.shape, x.dtype);
  if (dx.numel() == 0) return dx;
  const T* gv = nullptr;
  T gs = 0;
  if (reduction == 0) gv = gl.data<T>();
  else gs = reduction == 1 ? (T)((double)*gl.data<T>() / (double)count) : *gl.data<T>();
  auto f = bwd_pick<T>();
  const T* xp = x.data<T>();
  const T* lp = lse.data<T>();
  T* dp = dx.data<T>();
  const T te = (T)eps;
  const bool nt = dx.numel() * (int64_t)sizeof(T) >= kStreamBytes;
  parallel_for(N, N * C * 4, [&](int64_t b, int64_t e) { f(xp, t, lp, gv, gs, dp, b, e, C, ignore, te, nt); });
  return dx;
}

}  // namespace

std::pair<Array, Array> cross_entropy(const Array& logits, const Array& target, int64_t ignore_index,
                                      double label_smoothing, int64_t reduction) {
  check_inputs(logits, target, ignore_index, label_smoothing, reduction, "cross_entropy");
  Array x = logits.contiguous(), t = target.contiguous();
  std::pair<Array, Array> out;
  TL_DISPATCH_FLOATING(x.dtype, "cross_entropy",
                       [&] { out = ce_forward<scalar_t>(x, t, ignore_index, label_smoothing, reduction); });
  return out;
}

Array cross_entropy_backward(const Array& logits, const Array& target, const Array& lse, const Array& grad_loss,
                             int64_t ignore_index, double label_smoothing, int64_t reduction) {
  const char* op = "cross_entropy_backward";
  check_inputs(logits, target, ignore_index, label_smoothing, reduction, op);
  check_same_device(logits, lse, op);
  check_same_device(logits, grad_loss, op);
  const int64_t N = logits.shape[0];
  TL_CHECK(lse.dtype == logits.dtype && grad_loss.dtype == logits.dtype, TypeError,
           op << ": lse (" << dtype_name(lse.dtype) << ") and grad_loss (" << dtype_name(grad_loss.dtype)
              << ") must have the logits' dtype " << dtype_name(logits.dtype));
  TL_CHECK(lse.ndim() == 1 && lse.shape[0] == N, ValueError,
           op << ": lse shape " << shape_str(lse.shape) << " does not match logits " << shape_str(logits.shape));
  if (reduction == 0)
    TL_CHECK(grad_loss.ndim() == 1 && grad_loss.shape[0] == N, ValueError,
             op << ": reduction none needs grad_loss of shape (" << N << ",), got " << shape_str(grad_loss.shape));
  else
    TL_CHECK(grad_loss.numel() == 1, ValueError,
             op << ": reduction mean/sum needs a one-element grad_loss, got " << shape_str(grad_loss.shape));
  Array x = logits.contiguous(), t = target.contiguous(), l = lse.contiguous(), g = grad_loss.contiguous();
  Array out;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    out = ce_backward<scalar_t>(x, t, l, g, ignore_index, label_smoothing, reduction);
  });
  return out;
}

}  // namespace tl
