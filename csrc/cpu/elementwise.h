// Elementwise kernels (KERNELS.md "Elementwise"): unary math, fused activation backwards,
// broadcasting binary ops and comparisons, tensor-scalar ops, where, in-place updates.
//
// Also exported for other kernel families (softmax, optimizers): the run-time SIMD
// dispatch helpers (TL_SIMD_DISPATCH) and vectorisable float32 math (tl::vm::exp, ...).
//
// A .cpp using vm:: math should start with #pragma GCC optimize("no-trapping-math") (before
// its includes): without it GCC will not if-convert the selects for AVX2/SSE targets.
//
// How a kernel is organised:
//   * a functor `Op` with `static R f(T x)` (or f(T a, T b)) — the math on one element,
//     always_inline so that it inlines into whichever target-specific loop calls it;
//   * flat loops over contiguous memory, compiled three times (AVX-512, AVX2+FMA,
//     portable) via __attribute__((target)); GCC auto-vectorises each one; the one used is
//     picked per call from tl::simd_level() (TL_SIMD env / _C.set_simd_level);
//   * the general strided / broadcast case goes through tl::strided_loop, whose inner
//     loop calls the same flat SIMD loops whenever the innermost dimension is contiguous
//     (or a broadcast scalar), so "row vector over matrix" runs at full SIMD speed.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "../core/array.h"
#include "../core/parallel.h"
#include "../core/strided_loop.h"
#include "simd.h"
#include "simd_math.h"

#define TL_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma,prefer-vector-width=512")))
#define TL_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TL_INLINE inline __attribute__((always_inline))

namespace tl {

// ---------------------------------------------------------------------------------------
// Vectorisable float32 math. Branch-free (selects only) and written with plain
// arithmetic and integer bit tricks so GCC vectorises loops that call them.
namespace vm {

TL_INLINE int32_t f2i(float f) { int32_t i; std::memcpy(&i, &f, 4); return i; }
TL_INLINE float i2f(int32_t i) { float f; std::memcpy(&f, &i, 4); return f; }

// exp(x), float32, ~1 ulp on [-87, 88]; overflows to inf, underflows through the
// denormals to 0; NaN propagates. The reduction and polynomial are expf_math's
// (simd_math.h, shared with softmax's intrinsics); the shape here suits auto-vectorisation:
// round by adding 1.5·2^23, scale by 2^n in two factors so that n in [-151, 128] never
// overflows the exponent field.
TL_INLINE float exp(float x) {
  using A = expf_math::ScalarArith;
  x = x > 89.0f ? 89.0f : x;
  x = x < -105.0f ? -105.0f : x;
  const float magic = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
  float t = x * expf_math::kLog2e + magic;
  float n = t - magic;
  int32_t ni = f2i(t) - f2i(magic);
  float r = expf_math::reduce<A>(x, n);
  float p = expf_math::poly<A>(r);
  p = p * (r * r) + r + 1.0f;
  int32_t n1 = ni >> 1, n2 = ni - n1;
  return p * i2f((n1 + 127) << 23) * i2f((n2 + 127) << 23);
}

// log(x), float32, ~1 ulp (Cephes logf): x = m·2^e with m in [√½, √2), log(1+f) by a
// degree-9 polynomial; denormals rescaled; log(0) = −inf, log(<0) = NaN, log(inf) = inf.
TL_INLINE float log(float x) {
  const bool den = x < 1.17549435e-38f;
  float xs = den ? x * 8388608.0f : x;  // 2^23
  int32_t i = f2i(xs);
  float e = (float)(((i >> 23) & 0xff) - 126) - (den ? 23.0f : 0.0f);
  float m = i2f((i & 0x807fffff) | 0x3f000000);  // [0.5, 1)
  const bool lo = m < 0.707106781186547524f;
  e = lo ? e - 1.0f : e;
  m = lo ? m + m - 1.0f : m - 1.0f;
  float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float y = p * m * z;
  y = y + -2.12194440e-4f * e;
  y = y + -0.5f * z;
  float r = m + y;
  r = r + 0.693359375f * e;
  r = x == 0.0f ? -__builtin_inff() : r;
  r = x < 0.0f ? __builtin_nanf("") : r;
  r = x == __builtin_inff() ? x : r;
  return x != x ? x : r;
}

// tanh: odd polynomial for |x| < 0.625 (Cephes tanhf), else 1 − 2/(e^{2|x|}+1).
TL_INLINE float tanh(float x) {
  float a = x < 0 ? -x : x;
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = p * z * x + x;
  float big = 1.0f - 2.0f / (vm::exp(2.0f * a) + 1.0f);
  big = x < 0 ? -big : big;
  return a < 0.625f ? small : big;
}

// σ(x) = 1/(1+e^{−x}) for x >= 0, e^{x}/(1+e^{x}) below: no overflow, denormal tails kept.
TL_INLINE float sigmoid(float x) {
  float e = vm::exp(x < 0 ? x : -x);
  float s = 1.0f / (1.0f + e);
  return x < 0 ? e * s : s;
}

// erfc(z) for z >= 0, fractional error < 1.2e-7 (Numerical Recipes' Chebyshev fit):
// keeps relative accuracy in the tail, which gelu needs for negative inputs.
TL_INLINE float erfc_pos(float z) {
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return t * vm::exp(-z * z + p);
}

// Φ(x) = P(N(0,1) <= x), accurate relative to its value in both tails that matter.
TL_INLINE float norm_cdf(float x) {
  float a = x < 0 ? -x : x;
  float h = 0.5f * erfc_pos(a * 0.70710678118654752f);
  return x < 0 ? h : 1.0f - h;
}

}  // namespace vm

// Generic math for T = float (vectorisable) or double / int64 (std::).
template <typename T> TL_INLINE T t_exp(T x) { return std::exp(x); }
template <> TL_INLINE float t_exp<float>(float x) { return vm::exp(x); }
template <typename T> TL_INLINE T t_log(T x) { return std::log(x); }
template <> TL_INLINE float t_log<float>(float x) { return vm::log(x); }
template <typename T> TL_INLINE T t_tanh(T x) { return std::tanh(x); }
template <> TL_INLINE float t_tanh<float>(float x) { return vm::tanh(x); }
template <typename T> TL_INLINE T t_sigmoid(T x) {
  T e = std::exp(x < 0 ? x : -x);
  T s = T(1) / (T(1) + e);
  return x < 0 ? e * s : s;
}
template <> TL_INLINE float t_sigmoid<float>(float x) { return vm::sigmoid(x); }
template <typename T> TL_INLINE T t_norm_cdf(T x) { return T(0.5) * std::erfc(-x * T(0.70710678118654752440)); }
template <> TL_INLINE float t_norm_cdf<float>(float x) { return vm::norm_cdf(x); }

// Call NAME##_avx512 / _avx2 / _portable per the current SIMD level (same arguments).
#define TL_SIMD_DISPATCH(NAME, ...)                                       \
  do {                                                                    \
    switch (::tl::simd_level()) {                                         \
      case ::tl::SimdLevel::AVX512: NAME##_avx512(__VA_ARGS__); break;    \
      case ::tl::SimdLevel::AVX2: NAME##_avx2(__VA_ARGS__); break;        \
      default: NAME##_portable(__VA_ARGS__); break;                       \
    }                                                                     \
  } while (0)

// ---------------------------------------------------------------------------------------
// The kernels. Shapes: unary ops keep x's shape; binary ops broadcast (numpy rules).

// unary, float only (TypeError otherwise): y = f(x), same dtype, contiguous.
Array exp(const Array& x);
Array log(const Array& x);
Array sqrt(const Array& x);
Array tanh(const Array& x);
Array sigmoid(const Array& x);
Array gelu(const Array& x);       // x·Φ(x)
Array gelu_tanh(const Array& x);  // x/2·(1+tanh(√(2/π)(x+0.044715x³)))
Array sin(const Array& x);
Array cos(const Array& x);
// unary, numeric (float32/float64/int64)
Array neg(const Array& x);
Array abs(const Array& x);
Array relu(const Array& x);

// fused backward; g has x's shape (broadcast to it).
Array relu_backward(const Array& x, const Array& g);       // g·[x>0]
Array gelu_backward(const Array& x, const Array& g);       // g·(Φ(x) + x·φ(x))
Array gelu_tanh_backward(const Array& x, const Array& g);
Array sigmoid_backward(const Array& y, const Array& g);    // g·y(1−y)
Array tanh_backward(const Array& y, const Array& g);       // g·(1−y²)

// binary, broadcasting, equal dtypes, result has the input dtype.
enum class BinOp { Add, Sub, Mul, Div, Pow, Max, Min };
Array binary(BinOp op, const Array& a, const Array& b);
// comparisons, broadcasting → bool.
enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge };
Array compare(CmpOp op, const Array& a, const Array& b);
Array where(const Array& cond, const Array& a, const Array& b);
Array logical_not(const Array& x);

// tensor-scalar. RSub: s−x, RDiv: s/x, RPow: s^x.
enum class ScalarOp { Add, Mul, Div, RSub, RDiv, Pow, RPow, Max, Min };
Array binary_scalar(ScalarOp op, const Array& x, double s);
Array compare_scalar(CmpOp op, const Array& x, double s);

// in place on a (which may be a strided view); b broadcast to a's shape.
void add_(Array& a, const Array& b);
void sub_(Array& a, const Array& b);
void mul_(Array& a, const Array& b);
void add_scalar_(Array& a, double s);
void mul_scalar_(Array& a, double s);
void fill_(Array& a, double s);
void axpy_(Array& a, double alpha, const Array& b);  // a += alpha·b

// ---------------------------------------------------------------------------------------
// Loop machinery shared by the elementwise*.cpp files and reduce.cpp.
namespace ew {

// Define NAME_avx512, NAME_avx2, NAME_portable: the same loop body compiled per target.
#define TL_EW_DEF(NAME, PARAMS, ...)                           \
  TL_TARGET_AVX512 static void NAME##_avx512 PARAMS __VA_ARGS__ \
  TL_TARGET_AVX2 static void NAME##_avx2 PARAMS __VA_ARGS__     \
  static void NAME##_portable PARAMS __VA_ARGS__

// y[i] = Op::f(x[i]) over contiguous memory.
template <class Op, class T, class R>
struct Unary {
  TL_EW_DEF(loop, (const T* x, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = Op::f(x[i]);
  })
  static void run(const T* x, R* y, int64_t n) { TL_SIMD_DISPATCH(loop, x, y, n); }
};

// y[i] = Op::f(a[i], b[i]) (vv), Op::f(a[i], b) (vs), Op::f(a, b[i]) (sv); y may alias a or b.
template <class Op, class T, class R>
struct Binary {
  TL_EW_DEF(vv, (const T* a, const T* b, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = Op::f(a[i], b[i]);
  })
  TL_EW_DEF(vs, (const T* a, T b, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = Op::f(a[i], b);
  })
  TL_EW_DEF(sv, (T a, const T* b, R* y, int64_t n), {
    for (int64_t i = 0; i < n; ++i) y[i] = Op::f(a, b[i]);
  })
  static void run_vv(const T* a, const T* b, R* y, int64_t n) { TL_SIMD_DISPATCH(vv, a, b, y, n); }
  static void run_vs(const T* a, T b, R* y, int64_t n) { TL_SIMD_DISPATCH(vs, a, b, y, n); }
  static void run_sv(T a, const T* b, R* y, int64_t n) { TL_SIMD_DISPATCH(sv, a, b, y, n); }
};

// x: any shape/strides, dtype T; returns y = Op::f(x) elementwise, contiguous, dtype R.
template <class Op, class T, class R>
Array unary_apply(const Array& x) {
  Array y = Array::empty(x.shape, dtype_of<R>::value);
  const int64_t n = y.numel();
  if (x.is_contiguous()) {
    const T* xp = x.data<T>();
    R* yp = y.data<R>();
    if (n < kParallelGrain) Unary<Op, T, R>::run(xp, yp, n);
    else parallel_for(n, n, [&](int64_t b, int64_t e) { Unary<Op, T, R>::run(xp + b, yp + b, e - b); });
    return y;
  }
  strided_loop<2>(y.shape, {&y.strides, &x.strides}, {(char*)y.raw(), (char*)x.raw()},
                  {(int64_t)sizeof(R), (int64_t)sizeof(T)}, [](char** p, const int64_t* s, int64_t n) {
                    if (s[0] == (int64_t)sizeof(R) && s[1] == (int64_t)sizeof(T)) {
                      Unary<Op, T, R>::run((const T*)p[1], (R*)p[0], n);
                    } else {
                      for (int64_t i = 0; i < n; ++i)
                        *(R*)(p[0] + i * s[0]) = Op::f(*(const T*)(p[1] + i * s[1]));
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

// Inner loop for 3 operands (out, a, b) from strided_loop: SIMD when each operand is
// contiguous or a broadcast scalar along the inner dimension.
template <class Op, class T, class R>
inline void binary_inner(char** p, const int64_t* s, int64_t n) {
  constexpr int64_t st = sizeof(T), sr = sizeof(R);
  if (s[0] == sr) {
    if (s[1] == st && s[2] == st) return Binary<Op, T, R>::run_vv((const T*)p[1], (const T*)p[2], (R*)p[0], n);
    if (s[1] == st && s[2] == 0) return Binary<Op, T, R>::run_vs((const T*)p[1], *(const T*)p[2], (R*)p[0], n);
    if (s[1] == 0 && s[2] == st) return Binary<Op, T, R>::run_sv(*(const T*)p[1], (const T*)p[2], (R*)p[0], n);
  }
  for (int64_t i = 0; i < n; ++i)
    *(R*)(p[0] + i * s[0]) = Op::f(*(const T*)(p[1] + i * s[1]), *(const T*)(p[2] + i * s[2]));
}

// a, b: same dtype T, shapes broadcast (numpy); y = Op::f(a, b), broadcast shape,
// contiguous, dtype R. Fast paths: contiguous same shape, tensor-scalar, scalar-tensor;
// everything else (row broadcast included) via strided_loop with a SIMD inner loop.
template <class Op, class T, class R>
Array binary_apply(const Array& a, const Array& b, const char* op) {
  if (a.shape == b.shape && a.is_contiguous() && b.is_contiguous()) {
    Array y = Array::empty(a.shape, dtype_of<R>::value);
    const int64_t n = y.numel();
    const T *ap = a.data<T>(), *bp = b.data<T>();
    R* yp = y.data<R>();
    if (n < kParallelGrain) Binary<Op, T, R>::run_vv(ap, bp, yp, n);
    else parallel_for(n, n, [&](int64_t lo, int64_t hi) { Binary<Op, T, R>::run_vv(ap + lo, bp + lo, yp + lo, hi - lo); });
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
    parallel_for(n, n, [&](int64_t lo, int64_t hi) { Binary<Op, T, R>::run_vs(ap + lo, bv, yp + lo, hi - lo); });
    return y;
  }
  if (a.numel() == 1 && b.shape == shape && b.is_contiguous()) {
    const T* bp = b.data<T>();
    const T av = *a.data<T>();
    parallel_for(n, n, [&](int64_t lo, int64_t hi) { Binary<Op, T, R>::run_sv(av, bp + lo, yp + lo, hi - lo); });
    return y;
  }
  // Row vector over a matrix: (..., N) contiguous with a contiguous (N,) / (1, N) operand.
  if (is_row_of(b, shape) && a.shape == shape && a.is_contiguous()) {
    const int64_t N = shape.back(), M = n / N;
    const T *ap = a.data<T>(), *bp = b.data<T>();
    parallel_for(M, n, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) Binary<Op, T, R>::run_vv(ap + r * N, bp, yp + r * N, N);
    });
    return y;
  }
  if (is_row_of(a, shape) && b.shape == shape && b.is_contiguous()) {
    const int64_t N = shape.back(), M = n / N;
    const T *ap = a.data<T>(), *bp = b.data<T>();
    parallel_for(M, n, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) Binary<Op, T, R>::run_vv(ap, bp + r * N, yp + r * N, N);
    });
    return y;
  }
  Array ea = a.expand(shape), eb = b.expand(shape);
  strided_loop<3>(shape, {&y.strides, &ea.strides, &eb.strides}, {(char*)yp, (char*)ea.raw(), (char*)eb.raw()},
                  {(int64_t)sizeof(R), (int64_t)sizeof(T), (int64_t)sizeof(T)}, binary_inner<Op, T, R>);
  return y;
}

}  // namespace ew
}  // namespace tl
