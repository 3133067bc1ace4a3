// softmax / log_softmax forward and backward along any axis.
//
// Last axis contiguous: row kernels below (SIMD, runtime-dispatched). Another axis: either the
// inner-dimension kernels (x viewed as (outer, C, inner), lanes run along `inner`), or, for the
// backward kernels, the axis is permuted last and made contiguous.
#include "softmax.h"

#include <algorithm>
#include <vector>

#include "../core/parallel.h"
#include "../core/checks.h"
#include "simd.h"

namespace tl {
using namespace nnsimd;

namespace {

// x: (R, C) rows contiguous, rows [r0, r1).
// LOG = false: y[r,c] = exp(x[r,c] − m[r]) / Σ_c' exp(x[r,c'] − m[r]),  m[r] = max_c x[r,c]
// LOG = true:  y[r,c] = (x[r,c] − m[r]) − log Σ_c' exp(x[r,c'] − m[r]), subtracted in that order
//               (as torch: x − m is exact, while m + log Σ rounds to m's ulp — ~1e-8 for values
//               near 1e8 in float64)
// Memory: x is read once from memory (the later passes hit L1); y written once (streamed
// when nt: exps go to a per-thread scratch row first).
template <class O, bool LOG>
inline void softmax_rows(const typename O::T* x, typename O::T* y, int64_t r0, int64_t r1, int64_t C,
                         bool nt) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  const T ninf = -std::numeric_limits<T>::infinity();
  if (W > 1 && C <= W) {  // the whole row in one (masked) vector
    for (int64_t r = r0; r < r1; ++r) {
      V v = O::loadn(x + r * C, C, ninf);
      V d = O::sub(v, O::set1(O::hmax(v)));
      V e = O::exp(d);
      T s = O::hsum(e);
      if (LOG)
        O::storen(y + r * C, O::sub(d, O::set1(std::log(s))), C);
      else
        O::storen(y + r * C, O::mul(e, O::set1(T(1) / s)), C);
    }
    return;
  }
  std::vector<T> scratch((nt && !LOG) ? (size_t)C : 0);
  for (int64_t r = r0; r < r1; ++r) {
    const T* xr = x + r * C;
    T* yr = y + r * C;
    T m = row_max<O>(xr, C);
    if (LOG) {
      T s = row_sumexp<O, false>(xr, C, m, nullptr, r + 1 < r1 ? xr + C : nullptr);
      const V mv = O::set1(m), ls = O::set1(std::log(s));
      write_row<O>(yr, C, nt,
                   [&](int64_t i, int64_t n) { return O::sub(O::sub(load_part<O>(xr + i, n, 0), mv), ls); });
    } else {
      T* er = nt ? scratch.data() : yr;
      T s = row_sumexp<O, true>(xr, C, m, er, r + 1 < r1 ? xr + C : nullptr);
      const V inv = O::set1(T(1) / s);
      write_row<O>(yr, C, nt, [&](int64_t i, int64_t n) { return O::mul(load_part<O>(er + i, n, 0), inv); });
    }
  }
  if (nt) O::fence();
}

// x: (outer, C, inner) contiguous, inner > 1; lanes along inner. Slabs [o0, o1) of outer.
// Same math as softmax_rows, per (o, j) column over c.
template <class O, bool LOG>
inline void softmax_inner(const typename O::T* x, typename O::T* y, int64_t o0, int64_t o1, int64_t C,
                          int64_t inner) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  const T ninf = -std::numeric_limits<T>::infinity();
  for (int64_t o = o0; o < o1; ++o) {
    const T* xs = x + o * C * inner;
    T* ys = y + o * C * inner;
    for (int64_t j = 0; j < inner; j += W) {
      const int64_t n = std::min<int64_t>(W, inner - j);
      V m = O::set1(ninf);
      for (int64_t c = 0; c < C; ++c) m = O::max(m, load_part<O>(xs + c * inner + j, n, ninf));
      V s = O::zero();
      for (int64_t c = 0; c < C; ++c) {
        V e = O::exp(O::sub(load_part<O>(xs + c * inner + j, n, ninf), m));
        s = O::add(s, e);
        if (!LOG) O::storen(ys + c * inner + j, e, n);
      }
      if (LOG) {
        T sl[W];
        O::storen(sl, s, W);
        for (int k = 0; k < W; ++k) sl[k] = std::log(sl[k]);
        V ls = O::loadn(sl, W, 0);
        for (int64_t c = 0; c < C; ++c)
          O::storen(ys + c * inner + j, O::sub(O::sub(load_part<O>(xs + c * inner + j, n, 0), m), ls), n);
      } else {
        T sl[W];
        O::storen(sl, s, W);
        for (int k = 0; k < W; ++k) sl[k] = T(1) / sl[k];
        V inv = O::loadn(sl, W, 0);
        for (int64_t c = 0; c < C; ++c)
          O::storen(ys + c * inner + j, O::mul(O::loadn(ys + c * inner + j, n, 0), inv), n);
      }
    }
  }
}

// y, g: (R, C) rows contiguous.
// LOG = false (softmax):     dx[r,c] = y[r,c]·(g[r,c] − Σ_c' g[r,c']·y[r,c'])
// LOG = true  (log_softmax): dx[r,c] = g[r,c] − exp(y[r,c])·Σ_c' g[r,c']
template <class O, bool LOG>
inline void softmax_bwd_rows(const typename O::T* y, const typename O::T* g, typename O::T* dx, int64_t r0,
                             int64_t r1, int64_t C, bool nt) {
  using T = typename O::T;
  using V = typename O::V;
  constexpr int W = O::W;
  for (int64_t r = r0; r < r1; ++r) {
    const T* yr = y + r * C;
    const T* gr = g + r * C;
    V a0 = O::zero(), a1 = a0;
    int64_t i = 0;
    for (; i + 2 * W <= C; i += 2 * W) {
      if (LOG) {
        a0 = O::add(a0, O::load(gr + i));
        a1 = O::add(a1, O::load(gr + i + W));
      } else {
        a0 = O::fmadd(O::load(gr + i), O::load(yr + i), a0);
        a1 = O::fmadd(O::load(gr + i + W), O::load(yr + i + W), a1);
      }
    }
    for (; i < C; i += W) {
      const int64_t n = std::min<int64_t>(W, C - i);
      V gv = load_part<O>(gr + i, n, 0);
      a0 = LOG ? O::add(a0, gv) : O::fmadd(gv, load_part<O>(yr + i, n, 0), a0);
    }
    const V s = O::set1(O::hsum(O::add(a0, a1)));
    write_row<O>(dx + r * C, C, nt, [&](int64_t i, int64_t n) {
      V yv = load_part<O>(yr + i, n, 0), gv = load_part<O>(gr + i, n, 0);
      if (LOG) return O::sub(gv, O::mul(O::exp(yv), s));
      return O::mul(yv, O::sub(gv, s));
    });
  }
  if (nt) O::fence();
}

// ---- per-ISA entry points: fwd_rows_*, fwd_inner_*, bwd_rows_* (_512, _256, _scalar, _pick) ----
TL_NN_ENTRIES(fwd_rows, (const T* x, T* y, int64_t r0, int64_t r1, int64_t C, bool nt, bool log), {
  if (log) softmax_rows<O, true>(x, y, r0, r1, C, nt);
  else softmax_rows<O, false>(x, y, r0, r1, C, nt);
})
TL_NN_ENTRIES(fwd_inner, (const T* x, T* y, int64_t o0, int64_t o1, int64_t C, int64_t inner, bool log), {
  if (log) softmax_inner<O, true>(x, y, o0, o1, C, inner);
  else softmax_inner<O, false>(x, y, o0, o1, C, inner);
})
TL_NN_ENTRIES(bwd_rows, (const T* y, const T* g, T* dx, int64_t r0, int64_t r1, int64_t C, bool nt, bool log), {
  if (log) softmax_bwd_rows<O, true>(y, g, dx, r0, r1, C, nt);
  else softmax_bwd_rows<O, false>(y, g, dx, r0, r1, C, nt);
})

// (outer, C, inner) of a shape around axis.
void split_shape(const Shape& s, int64_t axis, int64_t& outer, int64_t& C, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= s[d];
  C = s.empty() ? 1 : s[axis];
  for (int64_t d = axis + 1; d < (int64_t)s.size(); ++d) inner *= s[d];
}

Array softmax_fwd(const Array& x_in, int64_t axis, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_cpu(x_in, op);
  TL_CHECK(is_floating(x_in.dtype), TypeError,
           op << ": expected a floating dtype, got " << dtype_name(x_in.dtype));
  axis = normalize_axis(axis, x_in.ndim(), op);
  Array x = x_in.contiguous();
  Array y = Array::empty(x.shape, x.dtype);
  if (x.numel() == 0) return y;
  int64_t outer, C, inner;
  split_shape(x.shape, axis, outer, C, inner);
  if (inner == 1) {
    const int64_t R = outer;
    const bool nt = x.numel() * (int64_t)x.itemsize() >= kStreamBytes;
    if (x.dtype == DType::Float32) {
      auto f = fwd_rows_pick<float>();
      const float* xp = x.data<float>();
      float* yp = y.data<float>();
      parallel_for(R, R * C * 8, [&](int64_t b, int64_t e) { f(xp, yp, b, e, C, nt, log); });
    } else {
      const double* xp = x.data<double>();
      double* yp = y.data<double>();
      parallel_for(R, R * C * 8, [&](int64_t b, int64_t e) { fwd_rows_scalar<double>(xp, yp, b, e, C, nt, log); });
    }
  } else {
    if (x.dtype == DType::Float32) {
      auto f = fwd_inner_pick<float>();
      const float* xp = x.data<float>();
      float* yp = y.data<float>();
      parallel_for(outer, outer * C * inner * 8, [&](int64_t b, int64_t e) { f(xp, yp, b, e, C, inner, log); });
    } else {
      const double* xp = x.data<double>();
      double* yp = y.data<double>();
      parallel_for(outer, outer * C * inner * 8,
                   [&](int64_t b, int64_t e) { fwd_inner_scalar<double>(xp, yp, b, e, C, inner, log); });
    }
  }
  return y;
}

Array softmax_bwd(const Array& y_in, const Array& g_in, int64_t axis, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  check_cpu(y_in, op);
  check_same_device(y_in, g_in, op);
  TL_CHECK(is_floating(y_in.dtype), TypeError,
           op << ": expected a floating dtype, got " << dtype_name(y_in.dtype));
  TL_CHECK(y_in.dtype == g_in.dtype, TypeError,
           op << ": dtypes differ: " << dtype_name(y_in.dtype) << " and " << dtype_name(g_in.dtype));
  TL_CHECK(y_in.shape == g_in.shape, ValueError,
           op << ": output shape " << shape_str(y_in.shape) << " and gradient shape " << shape_str(g_in.shape)
              << " differ");
  const int64_t nd = y_in.ndim();
  axis = normalize_axis(axis, nd, op);
  if (nd > 0 && axis != nd - 1) {  // move the axis last, compute, move it back
    std::vector<int64_t> perm;
    for (int64_t d = 0; d < nd; ++d)
      if (d != axis) perm.push_back(d);
    perm.push_back(axis);
    std::vector<int64_t> inv(nd);
    for (int64_t d = 0; d < nd; ++d) inv[perm[d]] = d;
    Array r = softmax_bwd(y_in.permute(perm), g_in.permute(perm), nd - 1, log);
    return r.permute(inv).contiguous();
  }
  Array y = y_in.contiguous(), g = g_in.contiguous();
  Array dx = Array::empty(y.shape, y.dtype);
  if (y.numel() == 0) return dx;
  const int64_t C = nd == 0 ? 1 : y.shape[nd - 1];
  const int64_t R = y.numel() / C;
  const bool nt = y.numel() * (int64_t)y.itemsize() >= kStreamBytes;
  if (y.dtype == DType::Float32) {
    auto f = bwd_rows_pick<float>();
    const float *yp = y.data<float>(), *gp = g.data<float>();
    float* dp = dx.data<float>();
    parallel_for(R, R * C * 8, [&](int64_t b, int64_t e) { f(yp, gp, dp, b, e, C, nt, log); });
  } else {
    const double *yp = y.data<double>(), *gp = g.data<double>();
    double* dp = dx.data<double>();
    parallel_for(R, R * C * 8, [&](int64_t b, int64_t e) { bwd_rows_scalar<double>(yp, gp, dp, b, e, C, nt, log); });
  }
  return dx;
}

}  // namespace

Array softmax(const Array& x, int64_t axis) { return softmax_fwd(x, axis, false); }
Array log_softmax(const Array& x, int64_t axis) { return softmax_fwd(x, axis, true); }
Array softmax_backward(const Array& y, const Array& g, int64_t axis) { return softmax_bwd(y, g, axis, false); }
Array log_softmax_backward(const Array& y, const Array& g, int64_t axis) {
  return softmax_bwd(y, g, axis, true);
}

}  // namespace tl
