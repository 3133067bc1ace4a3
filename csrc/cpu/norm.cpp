// batch_norm / group_norm forward and backward. Formulas: norm.h.
//
// Layout: x (N, C, L) contiguous. A channel's values are N runs of L contiguous elements
// (batch norm) and a group's one run of C/G·L (group norm); the runs go through the SIMD
// loops below (double accumulators, several in flight). When L = 1 (BatchNorm1d on (N, C))
// the runs would be single elements, so that case walks rows instead, vectorised across
// channels. Threads split channels (batch norm) or (n, group) slabs (group norm).
#include "norm.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "elementwise.h"

#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors inside the per-target entry points

namespace tl {

namespace {

// Loops over one contiguous run. The double sums use GCC's vector extension explicitly (8
// doubles: one AVX-512 register, two AVX2 ones): the compiler would not vectorise a float→double
// reduction on its own. Two accumulators in flight; the lanes are added at the end.
typedef double D8 __attribute__((vector_size(64)));
template <typename T>
struct Vec8 {
  typedef T type __attribute__((vector_size(8 * sizeof(T))));
};

template <typename T>
TL_INLINE D8 load8(const T* p) {
  typename Vec8<T>::type v;
  std::memcpy(&v, p, sizeof(v));
  return __builtin_convertvector(v, D8);
}

TL_INLINE double lanes(D8 v) {
  double s = 0;
  for (int j = 0; j < 8; ++j) s += v[j];
  return s;
}

template <typename T>
struct Run {
  // *s += Σ x
  TL_EW_DEF(sum, (const T* x, int64_t n, double* s), {
    D8 a{}, b{};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) a += load8(x + i), b += load8(x + i + 8);
    double t = lanes(a + b);
    for (; i < n; ++i) t += (double)x[i];
    *s += t;
  })
  // *s += Σ (x − m)²
  TL_EW_DEF(sqdev, (const T* x, int64_t n, double m, double* s), {
    D8 a{}, b{};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      const D8 d0 = load8(x + i) - m, d1 = load8(x + i + 8) - m;
      a += d0 * d0, b += d1 * d1;
    }
    double t = lanes(a + b);
    for (; i < n; ++i) t += ((double)x[i] - m) * ((double)x[i] - m);
    *s += t;
  })
  // *sg += Σ g,  *sgx += Σ g·(x − m)
  TL_EW_DEF(gsums, (const T* g, const T* x, int64_t n, double m, double* sg, double* sgx), {
    D8 a{}, b{};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const D8 gv = load8(g + i);
      a += gv, b += gv * (load8(x + i) - m);
    }
    double ta = lanes(a), tb = lanes(b);
    for (; i < n; ++i) ta += (double)g[i], tb += (double)g[i] * ((double)x[i] - m);
    *sg += ta;
    *sgx += tb;
  })
  // y = ((x − m_hi) − m_lo)·a + c, the mean split in two so that a float32 x loses none of
  // the double mean's digits (x − m_hi is exact when x is near the mean)
  TL_EW_DEF(affine, (const T* x, T* y, int64_t n, T m_hi, T m_lo, T a, T c), {
    for (int64_t i = 0; i < n; ++i) y[i] = ((x[i] - m_hi) - m_lo) * a + c;
  })
  // gx = k1·g + k2·(x − m) + k3
  TL_EW_DEF(dx, (const T* g, const T* x, T* gx, int64_t n, T k1, T k2, T m, T k3), {
    for (int64_t i = 0; i < n; ++i) gx[i] = k1 * g[i] + k2 * (x[i] - m) + k3;
  })
};

template <typename T> void run_sum(const T* x, int64_t n, double* s) { TL_SIMD_DISPATCH(Run<T>::sum, x, n, s); }
template <typename T> void run_sqdev(const T* x, int64_t n, double m, double* s) {
  TL_SIMD_DISPATCH(Run<T>::sqdev, x, n, m, s);
}
template <typename T> void run_gsums(const T* g, const T* x, int64_t n, double m, double* sg, double* sgx) {
  TL_SIMD_DISPATCH(Run<T>::gsums, g, x, n, m, sg, sgx);
}
template <typename T> void run_affine(const T* x, T* y, int64_t n, double m, T a, T c) {
  const T hi = (T)m, lo = std::isfinite((double)hi) ? (T)(m - (double)hi) : T(0);  // inf − inf would be NaN
  TL_SIMD_DISPATCH(Run<T>::affine, x, y, n, hi, lo, a, c);
}
template <typename T> void run_dx(const T* g, const T* x, T* gx, int64_t n, T k1, T k2, T m, T k3) {
  TL_SIMD_DISPATCH(Run<T>::dx, g, x, gx, n, k1, k2, m, k3);
}

struct NCL {
  int64_t N, C, L;
};

NCL ncl(const Array& x, const char* op) {
  TL_CHECK(x.ndim() >= 2, ValueError, op << ": expected an input of at least 2 dims (N, C, ...), got " << shape_str(x.shape));
  NCL d{x.shape[0], x.shape[1], 1};
  for (int64_t i = 2; i < x.ndim(); ++i) d.L *= x.shape[i];
  return d;
}

// A per-channel (C,) array, contiguous, of x's dtype; or none.
std::optional<Array> per_channel(const OptArray& a, const Array& x, int64_t C, const char* op, const char* what) {
  if (!a) return std::nullopt;
  check_cpu(*a, op);
  TL_CHECK(a->dtype == x.dtype, TypeError, op << ": " << what << " has dtype " << dtype_name(a->dtype)
                                              << ", the input " << dtype_name(x.dtype));
  TL_CHECK(a->ndim() == 1 && a->shape[0] == C, ValueError,
           op << ": expected " << what << " of shape (" << C << ",), got " << shape_str(a->shape));
  return a->contiguous();
}

void check_input(const Array& x, const char* op) {
  check_cpu(x, op);
  TL_CHECK(is_floating(x.dtype), TypeError, op << ": expected a floating input, got " << dtype_name(x.dtype));
}

template <typename T> const T* ptr(const std::optional<Array>& a) { return a ? a->data<T>() : nullptr; }

}  // namespace

std::tuple<Array, Array, Array> batch_norm(const Array& x_, const OptArray& weight, const OptArray& bias,
                                           const OptArray& running_mean, const OptArray& running_var,
                                           bool use_batch_stats, double momentum, double eps) {
  const char* op = "batch_norm";
  check_input(x_, op);
  const NCL d = ncl(x_, op);
  auto w = per_channel(weight, x_, d.C, op, "weight"), b = per_channel(bias, x_, d.C, op, "bias");
  TL_CHECK(running_mean.has_value() == running_var.has_value(), ValueError,
           op << ": running_mean and running_var must be given together");
  if (running_mean) {  // updated in place: they must be the caller's own contiguous arrays
    per_channel(running_mean, x_, d.C, op, "running_mean");
    per_channel(running_var, x_, d.C, op, "running_var");
    TL_CHECK(running_mean->is_contiguous() && running_var->is_contiguous(), ValueError,
             op << ": running_mean and running_var must be contiguous");
  } else {
    TL_CHECK(use_batch_stats, ValueError, op << ": running_mean and running_var are required when not training");
  }
  const int64_t M = d.N * d.L;
  if (use_batch_stats)
    TL_CHECK(M > 1 || d.N == 0, ValueError,
             op << ": expected more than 1 value per channel when training, got input of shape " << shape_str(x_.shape));
  Array x = x_.contiguous();
  Array y = Array::empty(x.shape, x.dtype), mean = Array::empty({d.C}, x.dtype), inv = Array::empty({d.C}, x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    const T *wp = ptr<T>(w), *bp = ptr<T>(b);
    T* rm = running_mean ? running_mean->data<T>() : nullptr;
    T* rv = running_var ? running_var->data<T>() : nullptr;
    std::vector<double> mu((size_t)d.C, 0.0), var((size_t)d.C, 0.0);
    if (use_batch_stats && M > 0) {
      if (d.L == 1) {  // rows of C: accumulate across channels, vectorised along the row
        for (int64_t n = 0; n < d.N; ++n)
          for (int64_t c = 0; c < d.C; ++c) mu[(size_t)c] += (double)xp[n * d.C + c];
        for (int64_t c = 0; c < d.C; ++c) mu[(size_t)c] /= (double)M;
        for (int64_t n = 0; n < d.N; ++n)
          for (int64_t c = 0; c < d.C; ++c) {
            const double t = (double)xp[n * d.C + c] - mu[(size_t)c];
            var[(size_t)c] += t * t;
          }
        for (int64_t c = 0; c < d.C; ++c) var[(size_t)c] /= (double)M;
      } else {
        parallel_for(d.C, d.N * d.C * d.L * 2, [&](int64_t c0, int64_t c1) {
          for (int64_t c = c0; c < c1; ++c) {
            double s = 0, q = 0;
            for (int64_t n = 0; n < d.N; ++n) run_sum(xp + (n * d.C + c) * d.L, d.L, &s);
            s /= (double)M;
            for (int64_t n = 0; n < d.N; ++n) run_sqdev(xp + (n * d.C + c) * d.L, d.L, s, &q);
            mu[(size_t)c] = s, var[(size_t)c] = q / (double)M;
          }
        });
      }
    }
    std::vector<T> A((size_t)d.C), Bc((size_t)d.C);
    std::vector<double> Mu((size_t)d.C);
    for (int64_t c = 0; c < d.C; ++c) {
      double m = mu[(size_t)c], v = var[(size_t)c];
      if (!use_batch_stats) m = (double)rm[c], v = (double)rv[c];
      const double s = 1.0 / std::sqrt(v + eps);
      mean.data<T>()[c] = (T)m, inv.data<T>()[c] = (T)s;
      Mu[(size_t)c] = m;
      A[(size_t)c] = (T)(s * (wp ? (double)wp[c] : 1.0));
      Bc[(size_t)c] = bp ? bp[c] : T(0);
      if (use_batch_stats && rm && M > 0) {
        rm[c] = (T)((1.0 - momentum) * (double)rm[c] + momentum * m);
        rv[c] = (T)((1.0 - momentum) * (double)rv[c] + momentum * v * (double)M / (double)std::max<int64_t>(M - 1, 1));
      }
    }
    if (d.L == 1) {
      for (int64_t n = 0; n < d.N; ++n)
        for (int64_t c = 0; c < d.C; ++c) {
          const size_t k = (size_t)c;
          yp[n * d.C + c] = (T)(((double)xp[n * d.C + c] - Mu[k]) * (double)A[k]) + Bc[k];
        }
    } else {
      parallel_for(d.N * d.C, x.numel(), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const size_t c = (size_t)(r % d.C);
          run_affine(xp + r * d.L, yp + r * d.L, d.L, Mu[c], A[c], Bc[c]);
        }
      });
    }
  });
  return {y, mean, inv};
}

std::tuple<Array, Array, Array> batch_norm_backward(const Array& x_, const Array& g_, const OptArray& weight,
                                                    const Array& mean_, const Array& invstd_, bool use_batch_stats) {
  const char* op = "batch_norm_backward";
  check_input(x_, op);
  check_input(g_, op);
  TL_CHECK(x_.shape == g_.shape && x_.dtype == g_.dtype, ValueError,
           op << ": input " << shape_str(x_.shape) << " and gradient " << shape_str(g_.shape) << " must match");
  const NCL d = ncl(x_, op);
  auto w = per_channel(weight, x_, d.C, op, "weight");
  auto mean = *per_channel(mean_, x_, d.C, op, "mean"), inv = *per_channel(invstd_, x_, d.C, op, "invstd");
  Array x = x_.contiguous(), g = g_.contiguous();
  Array gx = Array::empty(x.shape, x.dtype), gw = Array::empty({d.C}, x.dtype), gb = Array::empty({d.C}, x.dtype);
  const int64_t M = d.N * d.L;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    const T *xp = x.data<T>(), *gp = g.data<T>(), *wp = ptr<T>(w), *mp = mean.data<T>(), *sp = inv.data<T>();
    T* gxp = gx.data<T>();
    std::vector<double> sg((size_t)d.C, 0.0), sgx((size_t)d.C, 0.0);
    if (d.L == 1) {
      for (int64_t n = 0; n < d.N; ++n)
        for (int64_t c = 0; c < d.C; ++c) {
          const double gv = (double)gp[n * d.C + c];
          sg[(size_t)c] += gv;
          sgx[(size_t)c] += gv * ((double)xp[n * d.C + c] - (double)mp[c]);
        }
    } else {
      parallel_for(d.C, d.N * d.C * d.L * 2, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t n = 0; n < d.N; ++n)
            run_gsums(gp + (n * d.C + c) * d.L, xp + (n * d.C + c) * d.L, d.L, (double)mp[c], &sg[(size_t)c],
                      &sgx[(size_t)c]);
      });
    }
    std::vector<T> k1((size_t)d.C), k2((size_t)d.C), k3((size_t)d.C);
    for (int64_t c = 0; c < d.C; ++c) {
      const size_t k = (size_t)c;
      const double s = (double)sp[c], wv = wp ? (double)wp[c] : 1.0;
      gb.data<T>()[c] = (T)sg[k];
      gw.data<T>()[c] = (T)(sgx[k] * s);
      k1[k] = (T)(wv * s);
      k2[k] = use_batch_stats && M > 0 ? (T)(-wv * s * s * s * sgx[k] / (double)M) : T(0);
      k3[k] = use_batch_stats && M > 0 ? (T)(-wv * s * sg[k] / (double)M) : T(0);
    }
    if (d.L == 1) {
      for (int64_t n = 0; n < d.N; ++n)
        for (int64_t c = 0; c < d.C; ++c) {
          const size_t k = (size_t)c;
          const int64_t i = n * d.C + c;
          gxp[i] = k1[k] * gp[i] + k2[k] * (xp[i] - mp[c]) + k3[k];
        }
    } else {
      parallel_for(d.N * d.C, x.numel(), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t c = r % d.C;
          const size_t k = (size_t)c;
          run_dx(gp + r * d.L, xp + r * d.L, gxp + r * d.L, d.L, k1[k], k2[k], mp[c], k3[k]);
        }
      });
    }
  });
  return {gx, gw, gb};
}

namespace {
void check_groups(const NCL& d, int64_t groups, const Shape& s, const char* op) {
  TL_CHECK(groups > 0 && d.C % groups == 0, ValueError,
           op << ": expected the number of channels " << d.C << " of input " << shape_str(s)
              << " to be divisible by num_groups=" << groups);
}
}  // namespace

std::tuple<Array, Array, Array> group_norm(const Array& x_, const OptArray& weight, const OptArray& bias,
                                           int64_t groups, double eps) {
  const char* op = "group_norm";
  check_input(x_, op);
  const NCL d = ncl(x_, op);
  check_groups(d, groups, x_.shape, op);
  auto w = per_channel(weight, x_, d.C, op, "weight"), b = per_channel(bias, x_, d.C, op, "bias");
  Array x = x_.contiguous();
  Array y = Array::empty(x.shape, x.dtype), mean = Array::empty({d.N, groups}, x.dtype),
        inv = Array::empty({d.N, groups}, x.dtype);
  const int64_t Cg = d.C / groups, M = Cg * d.L;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    const T *xp = x.data<T>(), *wp = ptr<T>(w), *bp = ptr<T>(b);
    T *yp = y.data<T>(), *mp = mean.data<T>(), *sp = inv.data<T>();
    parallel_for(d.N * groups, x.numel() * 3, [&](int64_t s0, int64_t s1) {
      for (int64_t sl = s0; sl < s1; ++sl) {
        const T* xs = xp + sl * M;
        double s = 0, q = 0;
        run_sum(xs, M, &s);
        const double m = M ? s / (double)M : 0.0;
        run_sqdev(xs, M, m, &q);
        const double r = 1.0 / std::sqrt((M ? q / (double)M : 0.0) + eps);
        mp[sl] = (T)m, sp[sl] = (T)r;
        const int64_t c0 = (sl % groups) * Cg;
        for (int64_t c = 0; c < Cg; ++c) {
          const T a = (T)(r * (wp ? (double)wp[c0 + c] : 1.0));
          run_affine(xs + c * d.L, yp + sl * M + c * d.L, d.L, m, a, bp ? bp[c0 + c] : T(0));
        }
      }
    });
  });
  return {y, mean, inv};
}

std::tuple<Array, Array, Array> group_norm_backward(const Array& x_, const Array& g_, const OptArray& weight,
                                                    const Array& mean_, const Array& invstd_, int64_t groups) {
  const char* op = "group_norm_backward";
  check_input(x_, op);
  check_input(g_, op);
  TL_CHECK(x_.shape == g_.shape && x_.dtype == g_.dtype, ValueError,
           op << ": input " << shape_str(x_.shape) << " and gradient " << shape_str(g_.shape) << " must match");
  const NCL d = ncl(x_, op);
  check_groups(d, groups, x_.shape, op);
  auto w = per_channel(weight, x_, d.C, op, "weight");
  TL_CHECK(mean_.shape == Shape({d.N, groups}) && invstd_.shape == Shape({d.N, groups}), ValueError,
           op << ": expected mean and invstd of shape (" << d.N << ", " << groups << ")");
  Array x = x_.contiguous(), g = g_.contiguous(), mean = mean_.contiguous(), inv = invstd_.contiguous();
  Array gx = Array::empty(x.shape, x.dtype), gw = Array::empty({d.C}, x.dtype), gb = Array::empty({d.C}, x.dtype);
  const int64_t Cg = d.C / groups, M = Cg * d.L;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    using T = scalar_t;
    const T *xp = x.data<T>(), *gp = g.data<T>(), *wp = ptr<T>(w), *mp = mean.data<T>(), *sp = inv.data<T>();
    T* gxp = gx.data<T>();
    // per (n, c): Σ g and Σ g·(x − μ) over the channel's L values
    std::vector<double> sg((size_t)(d.N * d.C), 0.0), sgx((size_t)(d.N * d.C), 0.0);
    parallel_for(d.N * d.C, x.numel() * 2, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / d.C, grp = (r % d.C) / Cg;
        run_gsums(gp + r * d.L, xp + r * d.L, d.L, (double)mp[n * groups + grp], &sg[(size_t)r], &sgx[(size_t)r]);
      }
    });
    for (int64_t c = 0; c < d.C; ++c) {
      double a = 0, bsum = 0;
      for (int64_t n = 0; n < d.N; ++n) {
        const size_t r = (size_t)(n * d.C + c);
        a += sgx[r] * (double)sp[n * groups + c / Cg];
        bsum += sg[r];
      }
      gw.data<T>()[c] = (T)a, gb.data<T>()[c] = (T)bsum;
    }
    // d = g·w_c:  Σd = Σ_c w_c·Σg,  Σ d·x̂ = s·Σ_c w_c·Σ g·(x − μ)
    parallel_for(d.N * groups, x.numel() * 2, [&](int64_t s0, int64_t s1) {
      for (int64_t sl = s0; sl < s1; ++sl) {
        const int64_t n = sl / groups, c0 = (sl % groups) * Cg;
        const double s = (double)sp[sl];
        double sd = 0, sdx = 0;
        for (int64_t c = 0; c < Cg; ++c) {
          const double wv = wp ? (double)wp[c0 + c] : 1.0;
          sd += wv * sg[(size_t)(n * d.C + c0 + c)];
          sdx += wv * sgx[(size_t)(n * d.C + c0 + c)] * s;
        }
        // ∂L/∂x = s·(w·g − Σd/M − x̂·Σ(d·x̂)/M) = (s·w)·g + (−s²·Σ(d·x̂)/M)·(x − μ) + (−s·Σd/M)
        const T k2 = M ? (T)(-s * s * sdx / (double)M) : T(0), k3 = M ? (T)(-s * sd / (double)M) : T(0);
        for (int64_t c = 0; c < Cg; ++c) {
          const int64_t r = n * d.C + c0 + c;
          const T k1 = (T)(s * (wp ? (double)wp[c0 + c] : 1.0));
          run_dx(gp + r * d.L, xp + r * d.L, gxp + r * d.L, d.L, k1, k2, mp[sl], k3);
        }
      }
    });
  });
  return {gx, gw, gb};
}

}  // namespace tl
