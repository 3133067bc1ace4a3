// LayerNorm and RMSNorm forward and backward (see norm.h for the math).
//
// x is viewed as (R, C) rows, contiguous. Each row is read from memory once: its statistics
// pass brings it into L1 and the passes after it (centred sum of squares, the write of y)
// hit L1. Float32 rows use the SIMD toolkit of softmax.h (AVX-512 / AVX2 / portable, picked at
// run time), float64 rows the one-lane path. Statistics are two-pass (mean first, then the
// centred sum of squares): no cancellation, as accurate as the dtype allows.
//
// Backward: dx row by row (two passes over a row: its sums, then the write); dw, db are sums
// over rows, accumulated per block of rows into a private buffer and added up in block order
// afterwards, so the result is the same on every run with a given thread count.
#include "softmax.h"  // first: its diagnostic pragmas cover the intrinsics headers
#include "layer_norm.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"

namespace tl {
using namespace nnsimd;

namespace {

// Σ over lanes of f(i, n) for i = 0, W, 2W, ... < C (n = lanes valid at i; f must return zeros
// in lanes ≥ n). Four accumulators hide the add latency.
template <class O, class F>
inline typename O::T sum_row(int64_t C, F&& f) {
  using V = typename O::V;
  constexpr int W = O::W;
  V a0 = O::zero(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * W <= C; i += 4 * W) {
    a0 = O::add(a0, f(i, W));
    a1 = O::add(a1, f(i + W, W));
    a2 = O::add(a2, f(i + 2 * W, W));
    a3 = O::add(a3, f(i + 3 * W, W));
  }
  for (; i + W <= C; i += W) a0 = O::add(a0, f(i, W));
  if (i < C) a1 = O::add(a1, f(i, C - i));
  return O::hsum(O::add(O::add(a0, a1), O::add(a2, a3)));
}

// acc[i..i+n) += f(i, n) over the row (a per-block dw / db accumulator).
template <class O, class F>
inline void add_row(typename O::T* acc, int64_t C, F&& f) {
  constexpr int W = O::W;
  int64_t i = 0;
  for (; i + W <= C; i += W) O::store(acc + i, O::add(O::load(acc + i), f(i, W)));
  if (i < C) O::storen(acc + i, O::add(O::loadn(acc + i, C - i, 0), f(i, C - i)), C - i);
}

// Rows [r0, r1) of x (R, C):
//   LN:  μ = mean(x), ρ = 1/√(mean((x − μ)²) + ε), y = (x − μ)·ρ·w + b
//   RMS: μ = 0,       ρ = 1/√(mean(x²) + ε),       y = x·ρ·w
// w, b may be null (1 and 0). mean may be null (RMS).
template <class O, bool LN>
inline void norm_fwd_rows(const typename O::T* x, const typename O::T* w, const typename O::T* b,
                          typename O::T* y, typename O::T* mean, typename O::T* rstd, int64_t r0, int64_t r1,
                          int64_t C, typename O::T eps, bool nt) {
  using T = typename O::T;
  using V = typename O::V;
  const T invC = T(1) / T(C);
  for (int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * C;
    T mu = 0;
    if (LN) mu = sum_row<O>(C, [&](int64_t i, int64_t n) { return load_part<O>(xr + i, n, 0); }) * invC;
    const V vmu = O::set1(mu);
    // lanes beyond n are filled with μ, so they add (μ − μ)² = 0
    const T ss = sum_row<O>(C, [&](int64_t i, int64_t n) {
      V d = O::sub(load_part<O>(xr + i, n, mu), vmu);
      return O::mul(d, d);
    });
    const T rs = T(1) / std::sqrt(ss * invC + eps);
    if (mean) mean[r] = mu;
    rstd[r] = rs;
    const V vrs = O::set1(rs);
    write_row<O>(y + r * C, C, nt, [&](int64_t i, int64_t n) {
      V h = O::mul(O::sub(load_part<O>(xr + i, n, 0), vmu), vrs);
      if (w) h = O::mul(h, load_part<O>(w + i, n, 0));
      if (b) h = O::add(h, load_part<O>(b + i, n, 0));
      return h;
    });
  }
  if (nt) O::fence();
}

// Rows [r0, r1): x̂ = (x − μ)ρ, ĝ = g·w (g if no w),
//   LN:  dx = ρ·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))      RMS: dx = ρ·(ĝ − x̂·mean(ĝ·x̂))
// and, when dw / db are given, dw += g·x̂, db += g over these rows.
template <class O, bool LN>
inline void norm_bwd_rows(const typename O::T* g, const typename O::T* x, const typename O::T* mean,
                          const typename O::T* rstd, const typename O::T* w, typename O::T* dx, typename O::T* dw,
                          typename O::T* db, int64_t r0, int64_t r1, int64_t C, bool nt) {
  using T = typename O::T;
  using V = typename O::V;
  const T invC = T(1) / T(C);
  for (int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * C;
    const T* gr = g + r * C;
    const V vmu = O::set1(LN ? mean[r] : T(0)), vrs = O::set1(rstd[r]);
    auto xhat = [&](int64_t i, int64_t n) { return O::mul(O::sub(load_part<O>(xr + i, n, 0), vmu), vrs); };
    auto ghat = [&](int64_t i, int64_t n) {
      V gv = load_part<O>(gr + i, n, 0);
      return w ? O::mul(gv, load_part<O>(w + i, n, 0)) : gv;
    };
    // g is zero-filled beyond n, so ĝ and ĝ·x̂ are zero there
    const T mg = LN ? sum_row<O>(C, ghat) * invC : T(0);
    const T mgx = sum_row<O>(C, [&](int64_t i, int64_t n) { return O::mul(ghat(i, n), xhat(i, n)); }) * invC;
    if (dx) {
      const V vmg = O::set1(mg), vmgx = O::set1(mgx);
      write_row<O>(dx + r * C, C, nt, [&](int64_t i, int64_t n) {
        return O::mul(vrs, O::sub(O::sub(ghat(i, n), vmg), O::mul(xhat(i, n), vmgx)));
      });
    }
    if (dw) add_row<O>(dw, C, [&](int64_t i, int64_t n) { return O::mul(load_part<O>(gr + i, n, 0), xhat(i, n)); });
    if (db) add_row<O>(db, C, [&](int64_t i, int64_t n) { return load_part<O>(gr + i, n, 0); });
  }
  if (nt) O::fence();
}

// nt: stream the output past the caches (it is larger than they are; see softmax.h)
TL_NN_ENTRIES(ln_fwd, (const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int64_t r0, int64_t r1,
                       int64_t C, T eps, bool ln, bool nt), {
  if (ln) norm_fwd_rows<O, true>(x, w, b, y, mean, rstd, r0, r1, C, eps, nt);
  else norm_fwd_rows<O, false>(x, w, b, y, mean, rstd, r0, r1, C, eps, nt);
})
TL_NN_ENTRIES(ln_bwd, (const T* g, const T* x, const T* mean, const T* rstd, const T* w, T* dx, T* dw, T* db,
                       int64_t r0, int64_t r1, int64_t C, bool ln, bool nt), {
  if (ln) norm_bwd_rows<O, true>(g, x, mean, rstd, w, dx, dw, db, r0, r1, C, nt);
  else norm_bwd_rows<O, false>(g, x, mean, rstd, w, dx, dw, db, r0, r1, C, nt);
})

// The (R, C) split of x around normalized_shape, validated; `op` names the caller.
void split_rows(const Array& x, const Shape& ns, int64_t& R, int64_t& C, Shape& stat_shape, const char* op) {
  check_cpu(x, op);
  TL_CHECK(is_floating(x.dtype), TypeError, op << ": expected a floating dtype, got " << dtype_name(x.dtype));
  TL_CHECK(!ns.empty(), ValueError, op << ": normalized_shape must have at least one dimension");
  const int64_t k = (int64_t)ns.size(), nd = x.ndim();
  bool ok = nd >= k;
  for (int64_t d = 0; ok && d < k; ++d) ok = x.shape[nd - k + d] == ns[d];
  if (!ok) {
    std::ostringstream dims;
    for (int64_t d : ns) dims << ", " << d;
    TL_FAIL(ValueError, op << ": given normalized_shape=" << shape_str(ns) << ", expected input with shape (*"
                           << dims.str() << "), but got input of size " << shape_str(x.shape));
  }
  C = shape_numel(ns);
  stat_shape.assign(x.shape.begin(), x.shape.end() - k);
  R = shape_numel(stat_shape);
}

void check_param(const std::optional<Array>& p, const Array& x, const Shape& ns, const char* what, const char* op) {
  if (!p) return;
  check_same_device(*p, x, op);
  TL_CHECK(p->dtype == x.dtype, TypeError,
           op << ": " << what << " dtype " << dtype_name(p->dtype) << " differs from the input's " << dtype_name(x.dtype));
  TL_CHECK(p->shape == ns, ValueError,
           op << ": " << what << " has shape " << shape_str(p->shape) << ", expected normalized_shape " << shape_str(ns));
}

void check_stat(const Array& s, const Array& x, const Shape& stat_shape, const char* what, const char* op) {
  check_same_device(s, x, op);
  TL_CHECK(s.dtype == x.dtype && shape_numel(s.shape) == shape_numel(stat_shape), ValueError,
           op << ": " << what << " has shape " << shape_str(s.shape) << " " << dtype_name(s.dtype) << ", expected "
              << shape_str(stat_shape) << " " << dtype_name(x.dtype));
}

template <typename T>
const T* ptr_or_null(const std::optional<Array>& a) {
  return a ? a->data<T>() : nullptr;
}

std::tuple<Array, Array, Array> norm_forward(const Array& x_in, const Shape& ns, const std::optional<Array>& w_in,
                                             const std::optional<Array>& b_in, double eps, bool ln) {
  const char* op = ln ? "layer_norm" : "rms_norm";
  int64_t R, C;
  Shape stat_shape;
  split_rows(x_in, ns, R, C, stat_shape, op);
  check_param(w_in, x_in, ns, "weight", op);
  check_param(b_in, x_in, ns, "bias", op);
  Array x = x_in.contiguous();
  std::optional<Array> w, b;
  if (w_in) w = w_in->contiguous();
  if (b_in) b = b_in->contiguous();
  Array y = Array::empty(x.shape, x.dtype);
  Array mean = Array::empty(ln ? stat_shape : Shape{0}, x.dtype), rstd = Array::empty(stat_shape, x.dtype);
  if (x.numel() == 0) return {y, mean, rstd};
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    auto f = ln_fwd_pick<T>();
    const T *xp = x.data<T>(), *wp = ptr_or_null<T>(w), *bp = ptr_or_null<T>(b);
    T *yp = y.data<T>(), *mp = ln ? mean.data<T>() : nullptr, *sp = rstd.data<T>();
    const bool nt = x.numel() * (int64_t)sizeof(T) >= kStreamBytes;
    parallel_for(R, R * C * 4, [&](int64_t r0, int64_t r1) { f(xp, wp, bp, yp, mp, sp, r0, r1, C, (T)eps, ln, nt); });
  });
  return {y, mean, rstd};
}

// → (dx, dw or None, db or None)
std::tuple<Array, std::optional<Array>, std::optional<Array>> norm_backward(
    const Array& g_in, const Array& x_in, const Shape& ns, const std::optional<Array>& mean_in, const Array& rstd_in,
    const std::optional<Array>& w_in, bool want_w, bool want_b, bool ln) {
  const char* op = ln ? "layer_norm_backward" : "rms_norm_backward";
  int64_t R, C;
  Shape stat_shape;
  split_rows(x_in, ns, R, C, stat_shape, op);
  check_same_device(g_in, x_in, op);
  TL_CHECK(g_in.dtype == x_in.dtype && g_in.shape == x_in.shape, ValueError,
           op << ": gradient " << shape_str(g_in.shape) << " " << dtype_name(g_in.dtype) << " does not match input "
              << shape_str(x_in.shape) << " " << dtype_name(x_in.dtype));
  if (ln) check_stat(*mean_in, x_in, stat_shape, "mean", op);
  check_stat(rstd_in, x_in, stat_shape, "rstd", op);
  check_param(w_in, x_in, ns, "weight", op);
  Array x = x_in.contiguous(), g = g_in.contiguous(), rstd = rstd_in.contiguous();
  std::optional<Array> mean, w;
  if (ln) mean = mean_in->contiguous();
  if (w_in) w = w_in->contiguous();
  Array dx = Array::empty(x.shape, x.dtype);
  std::optional<Array> dw, db;
  if (want_w) dw = Array::empty(ns, x.dtype);
  if (want_b) db = Array::empty(ns, x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    auto f = ln_bwd_pick<T>();
    const T *gp = g.data<T>(), *xp = x.data<T>(), *mp = ptr_or_null<T>(mean), *sp = rstd.data<T>();
    const T* wp = ptr_or_null<T>(w);
    T* dxp = dx.data<T>();
    const bool nt = x.numel() * (int64_t)sizeof(T) >= kStreamBytes;
    // rows in P blocks, each with its own dw/db accumulator (P = 1 for small inputs)
    const int64_t work = R * C * 6;
    const int64_t P = (work >= kParallelGrain && R > 1) ? std::min<int64_t>(get_num_threads(), R) : 1;
    const bool acc = want_w || want_b;
    std::vector<T> part(acc ? (size_t)(P * 2 * C) : 0, T(0));
    parallel_for(P, work, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        T* pw = want_w ? part.data() + p * 2 * C : nullptr;
        T* pb = want_b ? part.data() + p * 2 * C + C : nullptr;
        f(gp, xp, mp, sp, wp, dxp, pw, pb, R * p / P, R * (p + 1) / P, C, ln, nt);
      }
    });
    for (int s = 0; s < 2; ++s) {
      std::optional<Array>& out = s == 0 ? dw : db;
      if (!out) continue;
      T* o = out->data<T>();
      std::memcpy(o, part.data() + s * C, (size_t)C * sizeof(T));
      for (int64_t p = 1; p < P; ++p)
        for (int64_t c = 0; c < C; ++c) o[c] += part[(size_t)(p * 2 * C + s * C + c)];
    }
  });
  return {dx, dw, db};
}

}  // namespace

std::tuple<Array, Array, Array> layer_norm(const Array& x, const Shape& normalized_shape,
                                           const std::optional<Array>& weight, const std::optional<Array>& bias,
                                           double eps) {
  return norm_forward(x, normalized_shape, weight, bias, eps, true);
}

std::tuple<Array, std::optional<Array>, std::optional<Array>> layer_norm_backward(
    const Array& g, const Array& x, const Shape& normalized_shape, const Array& mean, const Array& rstd,
    const std::optional<Array>& weight, bool want_weight, bool want_bias) {
  return norm_backward(g, x, normalized_shape, mean, rstd, weight, want_weight, want_bias, true);
}

std::tuple<Array, Array> rms_norm(const Array& x, const Shape& normalized_shape, const std::optional<Array>& weight,
                                  double eps) {
  auto r = norm_forward(x, normalized_shape, weight, std::nullopt, eps, false);
  return {std::get<0>(r), std::get<2>(r)};
}

std::tuple<Array, std::optional<Array>> rms_norm_backward(const Array& g, const Array& x,
                                                          const Shape& normalized_shape, const Array& rstd,
                                                          const std::optional<Array>& weight, bool want_weight) {
  auto r = norm_backward(g, x, normalized_shape, std::nullopt, rstd, weight, want_weight, false, false);
  return {std::get<0>(r), std::get<1>(r)};
}

}  // namespace tl
