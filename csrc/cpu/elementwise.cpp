// The elementwise kernels that are not rows of the pointwise table: where, and the
// in-place updates optimizers and initialisers use (add_, sub_, mul_, add_scalar_,
// mul_scalar_, fill_, axpy_), on any strided view, with the other operand broadcast.
#pragma GCC optimize("no-trapping-math")
#include <type_traits>

#include "../math/pointwise.h"
#include "elementwise.h"
#include "pointwise_args.h"

namespace tl {

namespace {

using ew::check_pair;

// The table's formulas as in-place functors: a = fn(a, b).
template <class F>
struct Apply {
  template <class T> TL_INLINE T operator()(T a, T b) const { return F::template f<CpuMath>(a, b); }
};
using AddOp = Apply<pw::Add>;
using SubOp = Apply<pw::Sub>;
using MulOp = Apply<pw::Mul>;
struct SecondOp {
  template <class T> TL_INLINE T operator()(T, T b) const { return b; }
};

// ---- in place: a = Op(a, b), b broadcast to a's shape; a may be any strided view ----
template <class Op, class T>
void inplace_inner(char** p, const int64_t* s, int64_t n) {
  constexpr int64_t st = sizeof(T);
  if (s[0] == st && s[1] == st) return ew::Binary<Op, T, T>::run_vv(Op{}, (T*)p[0], (const T*)p[1], (T*)p[0], n);
  if (s[0] == st && s[1] == 0) return ew::Binary<Op, T, T>::run_vs(Op{}, (T*)p[0], *(const T*)p[1], (T*)p[0], n);
  for (int64_t i = 0; i < n; ++i) {
    T* d = (T*)(p[0] + i * s[0]);
    *d = Op{}(*d, *(const T*)(p[1] + i * s[1]));
  }
}

template <class Op, class T>
void inplace_apply(Array& a, const Array& b, const char* op) {
  const int64_t n = a.numel();
  if (a.shape == b.shape && a.is_contiguous() && b.is_contiguous()) {
    T* ap = a.data<T>();
    const T* bp = b.data<T>();
    if (n < kParallelGrain) ew::Binary<Op, T, T>::run_vv(Op{}, ap, bp, ap, n);
    else parallel_for(n, n, [&](int64_t lo, int64_t hi) { ew::Binary<Op, T, T>::run_vv(Op{}, ap + lo, bp + lo, ap + lo, hi - lo); });
    return;
  }
  TL_CHECK(broadcast_shapes(a.shape, b.shape, op) == a.shape, ValueError,
           op << ": cannot broadcast " << shape_str(b.shape) << " into the in-place target " << shape_str(a.shape));
  if (n == 0) return;
  if (b.numel() == 1 && a.is_contiguous()) {
    T* ap = a.data<T>();
    const T bv = *b.data<T>();
    parallel_for(n, n, [&](int64_t lo, int64_t hi) { ew::Binary<Op, T, T>::run_vs(Op{}, ap + lo, bv, ap + lo, hi - lo); });
    return;
  }
  if (a.is_contiguous() && ew::is_row_of(b, a.shape)) {  // a (M, N) op= row (N,)
    T* ap = a.data<T>();
    const T* bp = b.data<T>();
    const int64_t N = a.shape.back();
    parallel_for(n / N, n, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) ew::Binary<Op, T, T>::run_vv(Op{}, ap + r * N, bp, ap + r * N, N);
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
    if (n < kParallelGrain) ew::Binary<Op, T, T>::run_vs(Op{}, ap, s, ap, n);
    else parallel_for(n, n, [&](int64_t lo, int64_t hi) { ew::Binary<Op, T, T>::run_vs(Op{}, ap + lo, s, ap + lo, hi - lo); });
    return;
  }
  strided_loop<1>(a.shape, {&a.strides}, {(char*)a.raw()}, {(int64_t)sizeof(T)},
                  [s](char** p, const int64_t* st, int64_t m) {
                    if (st[0] == (int64_t)sizeof(T)) return ew::Binary<Op, T, T>::run_vs(Op{}, (T*)p[0], s, (T*)p[0], m);
                    for (int64_t i = 0; i < m; ++i) {
                      T* d = (T*)(p[0] + i * st[0]);
                      *d = Op{}(*d, s);
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

void add_(Array& a, const Array& b) { inplace_numeric<AddOp>(a, b, "add_"); }
void sub_(Array& a, const Array& b) { inplace_numeric<SubOp>(a, b, "sub_"); }
void mul_(Array& a, const Array& b) { inplace_numeric<MulOp>(a, b, "mul_"); }

// a (any strided view) op= s.
void add_scalar_(Array& a, double s) {
  TL_DISPATCH_NUMERIC(a.dtype, "add_scalar_", [&] { inplace_scalar<AddOp, scalar_t>(a, pw_from_double<scalar_t>(s)); });
}
void mul_scalar_(Array& a, double s) {
  TL_DISPATCH_NUMERIC(a.dtype, "mul_scalar_", [&] { inplace_scalar<MulOp, scalar_t>(a, pw_from_double<scalar_t>(s)); });
}
void fill_(Array& a, double s) {
  TL_DISPATCH_ALL(a.dtype, "fill_", [&] { inplace_scalar<SecondOp, scalar_t>(a, pw_from_double<scalar_t>(s)); });
}

// a (any strided view, float or int64) += alpha·b, b broadcast to a's shape.
void axpy_(Array& a, double alpha, const Array& b) {
  const char* op = "axpy_";
  check_pair(a, b, op);
  TL_DISPATCH_NUMERIC(a.dtype, op, [&] {
    using T = scalar_t;
    const T al = pw_from_double<T>(alpha);
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
