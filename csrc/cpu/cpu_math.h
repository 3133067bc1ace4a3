// The CPU's math library for the pointwise formulas (csrc/math/pointwise.h): `CpuMath`.
// float32 exp/log/tanh/erfc/log1p/expm1 are our own branch-free versions (tl::vm), which GCC
// vectorises inside the per-target loops; everything else, and every float64 function, is
// the C library's. A .cpp using vm:: math should start with
// #pragma GCC optimize("no-trapping-math") (before its includes): without it GCC will not
// if-convert the selects for AVX2/SSE targets.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "../math/pointwise.h"
#include "simd_math.h"

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
  // shifted as unsigned: for NaN input ni is garbage, and a signed shift of it would be UB
  return p * i2f((int32_t)((uint32_t)(n1 + 127) << 23)) * i2f((int32_t)((uint32_t)(n2 + 127) << 23));
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

// log1p(u) for float32 with vm::log: with w = 1 + u rounded, ln(1+u) = ln(w)·u/(w − 1)
// corrects the rounding of w (Goldberg); exact for tiny u, inf/NaN pass through.
TL_INLINE float log1p(float u) {
  float w = 1.0f + u;
  float r = vm::log(w) * (u / (w - 1.0f));
  r = w == 1.0f ? u : r;
  return (w == __builtin_inff() || u != u) ? vm::log(w) : r;
}

// expm1(x) for float32 with vm::exp/log: u = eˣ rounded, eˣ − 1 = (u − 1)·x/ln u (Kahan);
// exact for tiny x, −1 far below, eˣ (inf) above.
TL_INLINE float expm1(float x) {
  float u = vm::exp(x);
  float r = (u - 1.0f) * (x / vm::log(u));
  r = u == 1.0f ? x : r;
  r = (u - 1.0f == -1.0f) ? -1.0f : r;
  return (x > 80.0f || x != x) ? u : r;
}

}  // namespace vm

// erf⁻¹ x: Giles' single-precision approximation ("Approximating the erfinv function",
// GPU Gems 2010) evaluated in double, then two Newton steps on erf(y) = x in double:
// full double accuracy. ±1 → ±inf, |x| > 1 → NaN.
inline double erfinv_d(double x) {
  if (!(x >= -1.0 && x <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 1.0 || x == -1.0) return x * std::numeric_limits<double>::infinity();
  double w = -std::log((1.0 - x) * (1.0 + x)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double y = p * x;
  for (int i = 0; i < 2; ++i) y -= (std::erf(y) - x) / (1.1283791670955126 * std::exp(-y * y));
  return y;
}

// The math policy of the CPU kernels. T is float, double, int64_t or bool; the integer
// forms exist only where a NUMERIC op needs them (rounding is the identity, % is Python's).
struct CpuMath {
  template <class T> static TL_INLINE T exp(T x) {
    if constexpr (std::is_same<T, float>::value) return vm::exp(x); else return std::exp(x);
  }
  template <class T> static TL_INLINE T log(T x) {
    if constexpr (std::is_same<T, float>::value) return vm::log(x); else return std::log(x);
  }
  template <class T> static TL_INLINE T tanh(T x) {
    if constexpr (std::is_same<T, float>::value) return vm::tanh(x); else return std::tanh(x);
  }
  template <class T> static TL_INLINE T log1p(T x) {
    if constexpr (std::is_same<T, float>::value) return vm::log1p(x); else return std::log1p(x);
  }
  template <class T> static TL_INLINE T expm1(T x) {
    if constexpr (std::is_same<T, float>::value) return vm::expm1(x); else return std::expm1(x);
  }
  // Φ(x) = ½ erfc(−x/√2)
  template <class T> static TL_INLINE T norm_cdf(T x) {
    if constexpr (std::is_same<T, float>::value) return vm::norm_cdf(x);
    else return T(0.5) * std::erfc(-x * T(0.70710678118654752440));
  }
  template <class T> static TL_INLINE T sqrt(T x) { return std::sqrt(x); }
  template <class T> static TL_INLINE T sin(T x) { return std::sin(x); }
  template <class T> static TL_INLINE T cos(T x) { return std::cos(x); }
  template <class T> static TL_INLINE T tan(T x) { return std::tan(x); }
  template <class T> static TL_INLINE T asin(T x) { return std::asin(x); }
  template <class T> static TL_INLINE T acos(T x) { return std::acos(x); }
  template <class T> static TL_INLINE T atan(T x) { return std::atan(x); }
  template <class T> static TL_INLINE T sinh(T x) { return std::sinh(x); }
  template <class T> static TL_INLINE T cosh(T x) { return std::cosh(x); }
  template <class T> static TL_INLINE T asinh(T x) { return std::asinh(x); }
  template <class T> static TL_INLINE T acosh(T x) { return std::acosh(x); }
  template <class T> static TL_INLINE T atanh(T x) { return std::atanh(x); }
  template <class T> static TL_INLINE T erf(T x) { return std::erf(x); }
  template <class T> static TL_INLINE T erfc(T x) { return std::erfc(x); }
  template <class T> static TL_INLINE T erfinv(T x) { return (T)erfinv_d((double)x); }
  template <class T> static TL_INLINE T pow(T a, T b) { return std::pow(a, b); }
  template <class T> static TL_INLINE T atan2(T a, T b) { return std::atan2(a, b); }
  template <class T> static TL_INLINE T floor(T x) {
    if constexpr (std::is_integral<T>::value) return x; else return std::floor(x);
  }
  template <class T> static TL_INLINE T ceil(T x) {
    if constexpr (std::is_integral<T>::value) return x; else return std::ceil(x);
  }
  template <class T> static TL_INLINE T trunc(T x) {
    if constexpr (std::is_integral<T>::value) return x; else return std::trunc(x);
  }
  template <class T> static TL_INLINE T rint(T x) {
    if constexpr (std::is_integral<T>::value) return x; else return std::nearbyint(x);
  }
  template <class T> static TL_INLINE bool signbit(T x) {
    if constexpr (std::is_integral<T>::value) return x < T(0); else return std::signbit(x);
  }
  template <class T> static TL_INLINE T inf() {
    if constexpr (std::is_integral<T>::value) return std::numeric_limits<T>::max();  // never equal by accident: ints have no inf
    else return std::numeric_limits<T>::infinity();
  }
  // integers: Python's % and //, C's fmod (pw::int_* in csrc/math/pointwise.h)
  template <class T> static TL_INLINE T fmod(T a, T b) {
    if constexpr (std::is_integral<T>::value) return pw::int_fmod(a, b);
    else return std::fmod(a, b);
  }
  template <class T> static TL_INLINE T remainder(T a, T b) {
    if constexpr (std::is_integral<T>::value) {
      return pw::int_remainder(a, b);
    } else {
      T r = std::fmod(a, b);
      return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? r + b : r;
    }
  }
  template <class T> static TL_INLINE T floor_divide(T a, T b) {
    if constexpr (std::is_integral<T>::value) {
      return pw::int_floor_divide(a, b);
    } else {  // torch's div_floor_floating: from fmod, so -1 // inf is -1 (floor(a/b) would give -0)
      if (b == T(0)) return a / b;
      const T mod = std::fmod(a, b);
      T div = (a - mod) / b;
      if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
      if (div == T(0)) return std::copysign(T(0), a / b);
      T fl = std::floor(div);
      if (div - fl > T(0.5)) fl += T(1);
      return fl;
    }
  }
};

}  // namespace tl
