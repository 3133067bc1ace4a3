// Binary elementwise kernels (KERNELS.md "Elementwise"): broadcasting arithmetic and
// comparisons, where, logical_not, tensor-scalar ops and the in-place updates.
// FP ops never trap here: lets GCC if-convert the selects in vm::exp & co. and vectorise
// them on every target (with trapping math only the AVX-512 path vectorises).
#pragma GCC optimize("no-trapping-math")
#include <type_traits>

#include "elementwise.h"

namespace tl {

namespace {

using ew::check_pair;

// ---- arithmetic functors ----
struct AddOp { template <class T> static TL_INLINE T f(T a, T b) { return a + b; } };
struct SubOp { template <class T> static TL_INLINE T f(T a, T b) { return a - b; } };
struct MulOp { template <class T> static TL_INLINE T f(T a, T b) { return a * b; } };
struct DivOp { template <class T> static TL_INLINE T f(T a, T b) { return a / b; } };
struct PowOp { template <class T> static TL_INLINE T f(T a, T b) { return std::pow(a, b); } };
struct SquareOp { template <class T> static TL_INLINE T f(T a, T) { return a * a; } };
// maximum/minimum propagate NaN (torch semantics).
struct MaxOp { template <class T> static TL_INLINE T f(T a, T b) { return (a > b || a != a) ? a : b; } };
struct MinOp { template <class T> static TL_INLINE T f(T a, T b) { return (a < b || a != a) ? a : b; } };
struct SecondOp { template <class T> static TL_INLINE T f(T, T b) { return b; } };

// ---- comparison functors → bool ----
struct EqOp { template <class T> static TL_INLINE bool f(T a, T b) { return a == b; } };
struct NeOp { template <class T> static TL_INLINE bool f(T a, T b) { return a != b; } };
struct LtOp { template <class T> static TL_INLINE bool f(T a, T b) { return a < b; } };
struct LeOp { template <class T> static TL_INLINE bool f(T a, T b) { return a <= b; } };
struct GtOp { template <class T> static TL_INLINE bool f(T a, T b) { return a > b; } };
struct GeOp { template <class T> static TL_INLINE bool f(T a, T b) { return a >= b; } };
struct NotOp { template <class T> static TL_INLINE bool f(T a) { return a == T(0); } };

template <class T> T from_double(double s) {
  if constexpr (std::is_same<T, bool>::value) return s != 0.0;
  else return (T)s;
}

// x: any shape/strides, dtype T; y = Op::f(x, s) (or Op::f(s, x)), contiguous, dtype R.
// No allocation beyond the output.
template <class Op, class T, class R = T>
Array scalar_apply(const Array& x, T s, bool scalar_first, const char*) {
  Array y = Array::empty(x.shape, dtype_of<R>::value);
  const int64_t n = y.numel();
  if (n == 0) return y;
  R* yp = y.data<R>();
  if (x.is_contiguous()) {
    const T* xp = x.data<T>();
    auto body = [&](int64_t lo, int64_t hi) {
      if (scalar_first) ew::Binary<Op, T, R>::run_sv(s, xp + lo, yp + lo, hi - lo);
      else ew::Binary<Op, T, R>::run_vs(xp + lo, s, yp + lo, hi - lo);
    };
    if (n < kParallelGrain) body(0, n);
    else parallel_for(n, n, body);
    return y;
  }
  strided_loop<2>(y.shape, {&y.strides, &x.strides}, {(char*)yp, (char*)x.raw()},
                  {(int64_t)sizeof(R), (int64_t)sizeof(T)}, [s, scalar_first](char** p, const int64_t* st, int64_t m) {
                    if (st[0] == (int64_t)sizeof(R) && st[1] == (int64_t)sizeof(T)) {
                      if (scalar_first) ew::Binary<Op, T, R>::run_sv(s, (const T*)p[1], (R*)p[0], m);
                      else ew::Binary<Op, T, R>::run_vs((const T*)p[1], s, (R*)p[0], m);
                      return;
                    }
                    for (int64_t i = 0; i < m; ++i) {
                      T v = *(const T*)(p[1] + i * st[1]);
                      *(R*)(p[0] + i * st[0]) = scalar_first ? Op::f(s, v) : Op::f(v, s);
                    }
                  });
  return y;
}

template <class Op>
Array cmp_dispatch(const Array& a, const Array& b, const char* op) {
  check_pair(a, b, op);
  Array y;
  TL_DISPATCH_ALL(a.dtype, op, [&] { y = ew::binary_apply<Op, scalar_t, bool>(a, b, op); });
  return y;
}

const char* cmp_name(CmpOp op) {
  switch (op) {
    case CmpOp::Eq: return "eq";
    case CmpOp::Ne: return "ne";
    case CmpOp::Lt: return "lt";
    case CmpOp::Le: return "le";
    case CmpOp::Gt: return "gt";
    default: return "ge";
  }
}

// ---- in place: a = Op(a, b), b broadcast to a's shape; a may be any strided view ----
template <class Op, class T>
void inplace_inner(char** p, const int64_t* s, int64_t n) {
  constexpr int64_t st = sizeof(T);
  if (s[0] == st && s[1] == st) return ew::Binary<Op, T, T>::run_vv((T*)p[0], (const T*)p[1], (T*)p[0], n);
  if (s[0] == st && s[1] == 0) return ew::Binary<Op, T, T>::run_vs((T*)p[0], *(const T*)p[1], (T*)p[0], n);
  for (int64_t i = 0; i < n; ++i) {
    T* d = (T*)(p[0] + i * s[0]);
    *d = Op::f(*d, *(const T*)(p[1] + i * s[1]));
  }
}

template <class Op, class T>
void inplace_apply(Array& a, const Array& b, const char* op) {
  const int64_t n = a.numel();
  if (a.shape == b.shape && a.is_contiguous() && b.is_contiguous()) {
    T* ap = a.data<T>();
    const T* bp = b.data<T>();
    if (n < kParallelGrain) ew::Binary<Op, T, T>::run_vv(ap, bp, ap, n);
    else parallel_for(n, n, [&](int64_t lo, int64_t hi) { ew::Binary<Op, T, T>::run_vv(ap + lo, bp + lo, ap + lo, hi - lo); });
    return;
  }
  TL_CHECK(broadcast_shapes(a.shape, b.shape, op) == a.shape, ValueError,
           op << ": cannot broadcast " << shape_str(b.shape) << " into the in-place target " << shape_str(a.shape));
  if (n == 0) return;
  if (b.numel() == 1 && a.is_contiguous()) {
    T* ap = a.data<T>();
    const T bv = *b.data<T>();
    parallel_for(n, n, [&](int64_t lo, int64_t hi) { ew::Binary<Op, T, T>::run_vs(ap + lo, bv, ap + lo, hi - lo); });
    return;
  }
  if (a.is_contiguous() && ew::is_row_of(b, a.shape)) {  // a (M, N) op= row (N,)
    T* ap = a.data<T>();
    const T* bp = b.data<T>();
    const int64_t N = a.shape.back();
    parallel_for(n / N, n, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) ew::Binary<Op, T, T>::run_vv(ap + r * N, bp, ap + r * N, N);
    });
    return;
  }
  Array eb = b.expand(a.shape);
  strided_loop<2>(a.shape, {&a.strides, &eb.strides}, {(char*)a.raw(), (char*)eb.raw()},
                  {(int64_t)sizeof(T), (int64_t)sizeof(T)}, inplace_inner<Op, T>);
}

// a = Op(a, s), a any strided view.
template <class Op, class T>
void inplace_scalar(Array& a, T s) {
  const int64_t n = a.numel();
  if (n == 0) return;
  if (a.is_contiguous()) {
    T* ap = a.data<T>();
    if (n < kParallelGrain) ew::Binary<Op, T, T>::run_vs(ap, s, ap, n);
    else parallel_for(n, n, [&](int64_t lo, int64_t hi) { ew::Binary<Op, T, T>::run_vs(ap + lo, s, ap + lo, hi - lo); });
    return;
  }
  strided_loop<1>(a.shape, {&a.strides}, {(char*)a.raw()}, {(int64_t)sizeof(T)},
                  [s](char** p, const int64_t* st, int64_t m) {
                    if (st[0] == (int64_t)sizeof(T)) return ew::Binary<Op, T, T>::run_vs((T*)p[0], s, (T*)p[0], m);
                    for (int64_t i = 0; i < m; ++i) {
                      T* d = (T*)(p[0] + i * st[0]);
                      *d = Op::f(*d, s);
                    }
                  });
}

template <class Op>
void inplace_numeric(Array& a, const Array& b, const char* op) {
  check_pair(a, b, op);
  TL_DISPATCH_NUMERIC(a.dtype, op, [&] { inplace_apply<Op, scalar_t>(a, b, op); });
}

// a += alpha·b: y[i] = a[i] + alpha·b[i].
template <class T>
struct Axpy {
  TL_EW_DEF(vv, (T* a, const T* b, T alpha, int64_t n), {
    for (int64_t i = 0; i < n; ++i) a[i] = a[i] + alpha * b[i];
  })
  static void run(T* a, const T* b, T alpha, int64_t n) { TL_SIMD_DISPATCH(vv, a, b, alpha, n); }
};

}  // namespace

// a, b: same dtype, shapes broadcast (numpy); y = a op b, contiguous, same dtype.
// div and pow are float only; the rest numeric.
Array binary(BinOp op, const Array& a, const Array& b) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"};
  const char* name = names[(int)op];
  check_pair(a, b, name);
  Array y;
  switch (op) {
    case BinOp::Add: TL_DISPATCH_NUMERIC(a.dtype, name, [&] { y = ew::binary_apply<AddOp, scalar_t, scalar_t>(a, b, name); }); break;
    case BinOp::Sub: TL_DISPATCH_NUMERIC(a.dtype, name, [&] { y = ew::binary_apply<SubOp, scalar_t, scalar_t>(a, b, name); }); break;
    case BinOp::Mul: TL_DISPATCH_NUMERIC(a.dtype, name, [&] { y = ew::binary_apply<MulOp, scalar_t, scalar_t>(a, b, name); }); break;
    case BinOp::Div: TL_DISPATCH_FLOATING(a.dtype, name, [&] { y = ew::binary_apply<DivOp, scalar_t, scalar_t>(a, b, name); }); break;
    case BinOp::Pow: TL_DISPATCH_FLOATING(a.dtype, name, [&] { y = ew::binary_apply<PowOp, scalar_t, scalar_t>(a, b, name); }); break;
    case BinOp::Max: TL_DISPATCH_NUMERIC(a.dtype, name, [&] { y = ew::binary_apply<MaxOp, scalar_t, scalar_t>(a, b, name); }); break;
    case BinOp::Min: TL_DISPATCH_NUMERIC(a.dtype, name, [&] { y = ew::binary_apply<MinOp, scalar_t, scalar_t>(a, b, name); }); break;
  }
  return y;
}

// a, b: same dtype (any, bool included), broadcast; y = a cmp b, bool.
Array compare(CmpOp op, const Array& a, const Array& b) {
  switch (op) {
    case CmpOp::Eq: return cmp_dispatch<EqOp>(a, b, "eq");
    case CmpOp::Ne: return cmp_dispatch<NeOp>(a, b, "ne");
    case CmpOp::Lt: return cmp_dispatch<LtOp>(a, b, "lt");
    case CmpOp::Le: return cmp_dispatch<LeOp>(a, b, "le");
    case CmpOp::Gt: return cmp_dispatch<GtOp>(a, b, "gt");
    default: return cmp_dispatch<GeOp>(a, b, "ge");
  }
}

// x: any dtype; y = (x == 0), bool.
Array logical_not(const Array& x) {
  Array y;
  TL_DISPATCH_ALL(x.dtype, "logical_not", [&] { y = ew::unary_apply<NotOp, scalar_t, bool>(x); });
  return y;
}

// cond (bool), a, b (equal dtypes): all three broadcast; y = cond ? a : b.
Array where(const Array& cond, const Array& a, const Array& b) {
  const char* op = "where";
  TL_CHECK(cond.dtype == DType::Bool, TypeError,
           "where: expected a bool condition, got " << dtype_name(cond.dtype) << " " << shape_str(cond.shape));
  check_pair(a, b, op);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape, a.shape, op), b.shape, op);
  Array y = Array::empty(shape, a.dtype);
  const int64_t n = y.numel();
  if (n == 0) return y;
  TL_DISPATCH_ALL(a.dtype, op, [&] {
    using T = scalar_t;
    T* yp = y.data<T>();
    if (cond.shape == shape && a.shape == shape && b.shape == shape && cond.is_contiguous() && a.is_contiguous() &&
        b.is_contiguous()) {
      const bool* cp = cond.data<bool>();
      const T *ap = a.data<T>(), *bp = b.data<T>();
      parallel_for(n, n, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) yp[i] = cp[i] ? ap[i] : bp[i];
      });
      return;
    }
    Array ec = cond.expand(shape), ea = a.expand(shape), eb = b.expand(shape);
    strided_loop<4>(shape, {&y.strides, &ec.strides, &ea.strides, &eb.strides},
                    {(char*)yp, (char*)ec.raw(), (char*)ea.raw(), (char*)eb.raw()},
                    {(int64_t)sizeof(T), 1, (int64_t)sizeof(T), (int64_t)sizeof(T)},
                    [](char** p, const int64_t* s, int64_t m) {
                      for (int64_t i = 0; i < m; ++i)
                        *(T*)(p[0] + i * s[0]) = *(const bool*)(p[1] + i * s[1]) ? *(const T*)(p[2] + i * s[2])
                                                                                 : *(const T*)(p[3] + i * s[3]);
                    });
  });
  return y;
}

// x: any shape/strides; y = x op s (or s op x for the r-variants), contiguous, x's dtype.
Array binary_scalar(ScalarOp op, const Array& x, double s) {
  static const char* names[] = {"add_scalar", "mul_scalar", "div_scalar", "rsub_scalar", "rdiv_scalar",
                                "pow_scalar", "rpow_scalar", "maximum_scalar", "minimum_scalar"};
  const char* name = names[(int)op];
  Array y;
  switch (op) {
    case ScalarOp::Add: TL_DISPATCH_NUMERIC(x.dtype, name, [&] { y = scalar_apply<AddOp, scalar_t>(x, (scalar_t)s, false, name); }); break;
    case ScalarOp::Mul: TL_DISPATCH_NUMERIC(x.dtype, name, [&] { y = scalar_apply<MulOp, scalar_t>(x, (scalar_t)s, false, name); }); break;
    case ScalarOp::RSub: TL_DISPATCH_NUMERIC(x.dtype, name, [&] { y = scalar_apply<SubOp, scalar_t>(x, (scalar_t)s, true, name); }); break;
    case ScalarOp::Max: TL_DISPATCH_NUMERIC(x.dtype, name, [&] { y = scalar_apply<MaxOp, scalar_t>(x, (scalar_t)s, false, name); }); break;
    case ScalarOp::Min: TL_DISPATCH_NUMERIC(x.dtype, name, [&] { y = scalar_apply<MinOp, scalar_t>(x, (scalar_t)s, false, name); }); break;
    case ScalarOp::Div: TL_DISPATCH_FLOATING(x.dtype, name, [&] { y = scalar_apply<DivOp, scalar_t>(x, (scalar_t)s, false, name); }); break;
    case ScalarOp::RDiv: TL_DISPATCH_FLOATING(x.dtype, name, [&] { y = scalar_apply<DivOp, scalar_t>(x, (scalar_t)s, true, name); }); break;
    case ScalarOp::RPow: TL_DISPATCH_FLOATING(x.dtype, name, [&] { y = scalar_apply<PowOp, scalar_t>(x, (scalar_t)s, true, name); }); break;
    case ScalarOp::Pow:
      TL_DISPATCH_FLOATING(x.dtype, name, [&] {
        if (s == 2.0) y = scalar_apply<SquareOp, scalar_t>(x, (scalar_t)s, false, name);
        else y = scalar_apply<PowOp, scalar_t>(x, (scalar_t)s, false, name);
      });
      break;
  }
  return y;
}

// x: any dtype/shape; y = x cmp s, bool. Floats compare against s rounded to x's dtype
// (torch); int64 and bool compare exactly in double.
Array compare_scalar(CmpOp op, const Array& x, double s) {
  const char* name = cmp_name(op);
  if (x.dtype == DType::Int64 || x.dtype == DType::Bool) {
    bool exact = x.dtype == DType::Int64 ? (s == std::floor(s) && std::fabs(s) < 9.0e18) : (s == 0.0 || s == 1.0);
    if (!exact) {  // e.g. int64 < 2.5: compare in double
      Array xd = x.astype(DType::Float64);
      Array sd = Array::empty({}, DType::Float64);
      *sd.data<double>() = s;
      return compare(op, xd, sd);
    }
  }
  Array y;
  TL_DISPATCH_ALL(x.dtype, name, [&] {
    using T = scalar_t;
    T v = from_double<T>(s);
    switch (op) {
      case CmpOp::Eq: y = scalar_apply<EqOp, T, bool>(x, v, false, name); break;
      case CmpOp::Ne: y = scalar_apply<NeOp, T, bool>(x, v, false, name); break;
      case CmpOp::Lt: y = scalar_apply<LtOp, T, bool>(x, v, false, name); break;
      case CmpOp::Le: y = scalar_apply<LeOp, T, bool>(x, v, false, name); break;
      case CmpOp::Gt: y = scalar_apply<GtOp, T, bool>(x, v, false, name); break;
      case CmpOp::Ge: y = scalar_apply<GeOp, T, bool>(x, v, false, name); break;
    }
  });
  return y;
}

void add_(Array& a, const Array& b) { inplace_numeric<AddOp>(a, b, "add_"); }
void sub_(Array& a, const Array& b) { inplace_numeric<SubOp>(a, b, "sub_"); }
void mul_(Array& a, const Array& b) { inplace_numeric<MulOp>(a, b, "mul_"); }

// a (any strided view) op= s.
void add_scalar_(Array& a, double s) {
  TL_DISPATCH_NUMERIC(a.dtype, "add_scalar_", [&] { inplace_scalar<AddOp, scalar_t>(a, (scalar_t)s); });
}
void mul_scalar_(Array& a, double s) {
  TL_DISPATCH_NUMERIC(a.dtype, "mul_scalar_", [&] { inplace_scalar<MulOp, scalar_t>(a, (scalar_t)s); });
}
void fill_(Array& a, double s) {
  TL_DISPATCH_ALL(a.dtype, "fill_", [&] { inplace_scalar<SecondOp, scalar_t>(a, from_double<scalar_t>(s)); });
}

// a (any strided view, float or int64) += alpha·b, b broadcast to a's shape.
void axpy_(Array& a, double alpha, const Array& b) {
  const char* op = "axpy_";
  check_pair(a, b, op);
  TL_DISPATCH_NUMERIC(a.dtype, op, [&] {
    using T = scalar_t;
    const T al = (T)alpha;
    const int64_t n = a.numel();
    if (a.shape == b.shape && a.is_contiguous() && b.is_contiguous()) {
      T* ap = a.data<T>();
      const T* bp = b.data<T>();
      if (n < kParallelGrain) Axpy<T>::run(ap, bp, al, n);
      else parallel_for(n, n, [&](int64_t lo, int64_t hi) { Axpy<T>::run(ap + lo, bp + lo, al, hi - lo); });
      return;
    }
    TL_CHECK(broadcast_shapes(a.shape, b.shape, op) == a.shape, ValueError,
             op << ": cannot broadcast " << shape_str(b.shape) << " into the in-place target " << shape_str(a.shape));
    if (n == 0) return;
    Array eb = b.expand(a.shape);
    strided_loop<2>(a.shape, {&a.strides, &eb.strides}, {(char*)a.raw(), (char*)eb.raw()},
                    {(int64_t)sizeof(T), (int64_t)sizeof(T)}, [al](char** p, const int64_t* s, int64_t m) {
                      if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T))
                        return Axpy<T>::run((T*)p[0], (const T*)p[1], al, m);
                      for (int64_t i = 0; i < m; ++i) {
                        T* d = (T*)(p[0] + i * s[0]);
                        *d = *d + al * *(const T*)(p[1] + i * s[1]);
                      }
                    });
  });
}

}  // namespace tl
