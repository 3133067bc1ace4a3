// Elementwise loop machinery and the few elementwise kernels that are not table rows
// (where, the in-place updates, fill, axpy). The pointwise ops themselves (csrc/ops/
// pointwise.def, formulas in csrc/math/pointwise.h) are instantiated over these loops in
// pointwise_unary.cpp / pointwise_binary.cpp.
//
// How a loop is organised:
//   * a functor `fn` (a small struct: the formula plus the op's parameters) with
//     `R operator()(T x)` or `R operator()(T a, T b)`, always inlined into whichever
//     target-specific loop calls it;
//   * flat loops over contiguous memory, compiled three times (AVX-512, AVX2+FMA,
//     portable) via __attribute__((target)); GCC auto-vectorises each one; the one used is
//     picked per call from tl::simd_level() (TL_SIMD env / _C.set_simd_level);
//   * the general strided / broadcast case goes through tl::strided_loop, whose inner
//     loop calls the same flat SIMD loops whenever the innermost dimension is contiguous
//     (or a broadcast scalar), so "row vector over matrix" runs at full SIMD speed.
//
// Also exported for other kernel families (reduce, softmax, optimizers): the run-time SIMD
// dispatch helpers (TL_EW_DEF, TL_SIMD_DISPATCH) and the float32 math (cpu_math.h).
#pragma once
#include <cstdint>

#include "../core/array.h"
#include "../core/parallel.h"
#include "../core/strided_loop.h"
#include "cpu_math.h"
#include "simd.h"

#define TL_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma,prefer-vector-width=512")))
#define TL_TARGET_AVX2 __attribute__((target("avx2,fma")))

// Call NAME##_avx512 / _avx2 / _portable per the current SIMD level (same arguments).
#define TL_SIMD_DISPATCH(NAME, ...)                                       \
  do {                                                                    \
    switch (::tl::simd_level()) {                                         \
      case ::tl::SimdLevel::AVX512: NAME##_avx512(__VA_ARGS__); break;    \
      case ::tl::SimdLevel::AVX2: NAME##_avx2(__VA_ARGS__); break;        \
      default: NAME##_portable(__VA_ARGS__); break;                       \
    }                                                                     \
  } while (0)

namespace tl {

// ---------------------------------------------------------------------------------------
// Kernels. Shapes: binary ones broadcast (numpy rules).

// cond (bool), a, b (equal dtypes): all three broadcast; y = cond ? a : b.
Array where(const Array& cond, const Array& a, const Array& b);
// in place on a (which may be a strided view); b broadcast to a's shape, same dtype.
void add_(Array& a, const Array& b);
void sub_(Array& a, const Array& b);
void mul_(Array& a, const Array& b);
void add_scalar_(Array& a, double s);
void mul_scalar_(Array& a, double s);
void fill_(Array& a, double s);
void axpy_(Array& a, double alpha, const Array& b);  // a += alpha·b

// ---------------------------------------------------------------------------------------
// Loop machinery shared by the elementwise and pointwise files and reduce.cpp.
namespace ew {

// Define NAME_avx512, NAME_avx2, NAME_portable: the same loop body compiled per target.
#define TL_EW_DEF(NAME, PARAMS, ...)                           \
  TL_TARGET_AVX512 static void NAME##_avx512 PARAMS __VA_ARGS__ \
  TL_TARGET_AVX2 static void NAME##_avx2 PARAMS __VA_ARGS__     \
  static void NAME##_portable PARAMS __VA_ARGS__

// y[i] = fn(x[i]) over contiguous memory.
template <class F, class T, class R>
struct Unary {
  TL_EW_DEF(loop, (F fn, const T* x, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = fn(x[i]);
  })
  static void run(const F& fn, const T* x, R* y, int64_t n) { TL_SIMD_DISPATCH(loop, fn, x, y, n); }
};

// y[i] = fn(a[i], b[i]) (vv), fn(a[i], b) (vs), fn(a, b[i]) (sv); y may alias a or b.
template <class F, class T, class R>
struct Binary {
  TL_EW_DEF(vv, (F fn, const T* a, const T* b, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = fn(a[i], b[i]);
  })
  TL_EW_DEF(vs, (F fn, const T* a, T b, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = fn(a[i], b);
  })
  TL_EW_DEF(sv, (F fn, T a, const T* b, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = fn(a, b[i]);
  })
  static void run_vv(const F& fn, const T* a, const T* b, R* y, int64_t n) { TL_SIMD_DISPATCH(vv, fn, a, b, y, n); }
  static void run_vs(const F& fn, const T* a, T b, R* y, int64_t n) { TL_SIMD_DISPATCH(vs, fn, a, b, y, n); }
  static void run_sv(const F& fn, T a, const T* b, R* y, int64_t n) { TL_SIMD_DISPATCH(sv, fn, a, b, y, n); }
};

// x: any shape/strides, dtype T; returns y = fn(x) elementwise, contiguous, dtype R.
template <class T, class R, class F>
Array unary_apply(const Array& x, const F& fn) {
  Array y = Array::empty(x.shape, dtype_of<R>::value);
  const int64_t n = y.numel();
  if (n == 0) return y;
  if (x.is_contiguous()) {
    const T* xp = x.data<T>();
    R* yp = y.data<R>();
    if (n < kParallelGrain) Unary<F, T, R>::run(fn, xp, yp, n);
    else parallel_for(n, n, [&](int64_t b, int64_t e) { Unary<F, T, R>::run(fn, xp + b, yp + b, e - b); });
    return y;
  }
  strided_loop<2>(y.shape, {&y.strides, &x.strides}, {(char*)y.raw(), (char*)x.raw()},
                  {(int64_t)sizeof(R), (int64_t)sizeof(T)}, [&fn](char** p, const int64_t* s, int64_t m) {
                    if (s[0] == (int64_t)sizeof(R) && s[1] == (int64_t)sizeof(T)) {
                      Unary<F, T, R>::run(fn, (const T*)p[1], (R*)p[0], m);
                    } else {
                      for (int64_t i = 0; i < m; ++i) *(R*)(p[0] + i * s[0]) = fn(*(const T*)(p[1] + i * s[1]));
                    }
                  });
  return y;
}

// a and b have one dtype (TypeError naming both operands otherwise).
inline void check_pair(const Array& a, const Array& b, const char* op) {
  TL_CHECK(a.dtype == b.dtype, TypeError,
           op << ": expected equal dtypes, got " << dtype_name(a.dtype) << " " << shape_str(a.shape) << " and "
              << dtype_name(b.dtype) << " " << shape_str(b.shape));
}

// r is contiguous and holds exactly one row of `shape` (shape (N,), (1, N), (1, 1, N), ...).
inline bool is_row_of(const Array& r, const Shape& shape) {
  if (shape.empty() || r.shape.empty() || r.shape.back() != shape.back() || r.numel() != shape.back()) return false;
  return r.is_contiguous();
}

// a, b: same dtype T, same shape, both contiguous; y = fn(a, b), contiguous, dtype R. Only the
// vector-vector loop is instantiated (a third of binary_apply's code).
template <class T, class R, class F>
Array binary_apply_flat(const Array& a, const Array& b, const F& fn) {
  Array y = Array::empty(a.shape, dtype_of<R>::value);
  const int64_t n = y.numel();
  const T *ap = a.data<T>(), *bp = b.data<T>();
  R* yp = y.data<R>();
  if (n < kParallelGrain) Binary<F, T, R>::run_vv(fn, ap, bp, yp, n);
  else parallel_for(n, n, [&](int64_t lo, int64_t hi) { Binary<F, T, R>::run_vv(fn, ap + lo, bp + lo, yp + lo, hi - lo); });
  return y;
}

// a, b: same dtype T, shapes broadcast (numpy); y = fn(a, b), broadcast shape, contiguous,
// dtype R. Fast paths: contiguous same shape, tensor-scalar, scalar-tensor, row over
// matrix; everything else via strided_loop with a SIMD inner loop.
template <class T, class R, class F>
Array binary_apply(const Array& a, const Array& b, const F& fn, const char* op) {
  using B = Binary<F, T, R>;
  if (a.shape == b.shape && a.is_contiguous() && b.is_contiguous()) {
    Array y = Array::empty(a.shape, dtype_of<R>::value);
    const int64_t n = y.numel();
    const T *ap = a.data<T>(), *bp = b.data<T>();
    R* yp = y.data<R>();
    if (n < kParallelGrain) B::run_vv(fn, ap, bp, yp, n);
    else parallel_for(n, n, [&](int64_t lo, int64_t hi) { B::run_vv(fn, ap + lo, bp + lo, yp + lo, hi - lo); });
    return y;
  }
  Shape shape = broadcast_shapes(a.shape, b.shape, op);
  Array y = Array::empty(shape, dtype_of<R>::value);
  const int64_t n = y.numel();
  if (n == 0) return y;
  R* yp = y.data<R>();
  if (b.numel() == 1 && a.shape == shape && a.is_contiguous()) {
    const T* ap = a.data<T>();
    const T bv = *b.data<T>();
    parallel_for(n, n, [&](int64_t lo, int64_t hi) { B::run_vs(fn, ap + lo, bv, yp + lo, hi - lo); });
    return y;
  }
  if (a.numel() == 1 && b.shape == shape && b.is_contiguous()) {
    const T* bp = b.data<T>();
    const T av = *a.data<T>();
    parallel_for(n, n, [&](int64_t lo, int64_t hi) { B::run_sv(fn, av, bp + lo, yp + lo, hi - lo); });
    return y;
  }
  if (is_row_of(b, shape) && a.shape == shape && a.is_contiguous()) {
    const int64_t N = shape.back(), M = n / N;
    const T *ap = a.data<T>(), *bp = b.data<T>();
    parallel_for(M, n, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) B::run_vv(fn, ap + r * N, bp, yp + r * N, N);
    });
    return y;
  }
  if (is_row_of(a, shape) && b.shape == shape && b.is_contiguous()) {
    const int64_t N = shape.back(), M = n / N;
    const T *ap = a.data<T>(), *bp = b.data<T>();
    parallel_for(M, n, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) B::run_vv(fn, ap, bp + r * N, yp + r * N, N);
    });
    return y;
  }
  Array ea = a.expand(shape), eb = b.expand(shape);
  strided_loop<3>(shape, {&y.strides, &ea.strides, &eb.strides}, {(char*)yp, (char*)ea.raw(), (char*)eb.raw()},
                  {(int64_t)sizeof(R), (int64_t)sizeof(T), (int64_t)sizeof(T)},
                  [&fn](char** p, const int64_t* s, int64_t m) {
                    constexpr int64_t st = sizeof(T), sr = sizeof(R);
                    if (s[0] == sr) {
                      if (s[1] == st && s[2] == st) return B::run_vv(fn, (const T*)p[1], (const T*)p[2], (R*)p[0], m);
                      if (s[1] == st && s[2] == 0) return B::run_vs(fn, (const T*)p[1], *(const T*)p[2], (R*)p[0], m);
                      if (s[1] == 0 && s[2] == st) return B::run_sv(fn, *(const T*)p[1], (const T*)p[2], (R*)p[0], m);
                    }
                    for (int64_t i = 0; i < m; ++i)
                      *(R*)(p[0] + i * s[0]) = fn(*(const T*)(p[1] + i * s[1]), *(const T*)(p[2] + i * s[2]));
                  });
  return y;
}

}  // namespace ew
}  // namespace tl
