// The CUDA math library for the pointwise formulas (csrc/math/pointwise.h): `CudaMath`, the
// twin of tl::CpuMath (csrc/cpu/cpu_math.h). Float and double overloads of CUDA's math API;
// integer forms only where a NUMERIC row needs them (rounding is the identity, % is
// Python's, division by 0 and INT64_MIN / −1 are caught before the launch or defined here).
#pragma once
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include <type_traits>

#include "../math/pointwise.h"

namespace tlc {

#define TLC_M template <class T> __host__ __device__ __forceinline__ static

struct CudaMath {
  TLC_M T exp(T x) { return ::exp(x); }
  TLC_M T log(T x) { return ::log(x); }
  TLC_M T tanh(T x) { return ::tanh(x); }
  TLC_M T log1p(T x) { return ::log1p(x); }
  TLC_M T expm1(T x) { return ::expm1(x); }
  TLC_M T norm_cdf(T x) { return T(0.5) * ::erfc(-x * T(0.70710678118654752440)); }  // Φ(x)
  TLC_M T sqrt(T x) { return ::sqrt(x); }
  TLC_M T sin(T x) { return ::sin(x); }
  TLC_M T cos(T x) { return ::cos(x); }
  TLC_M T tan(T x) { return ::tan(x); }
  TLC_M T asin(T x) { return ::asin(x); }
  TLC_M T acos(T x) { return ::acos(x); }
  TLC_M T atan(T x) { return ::atan(x); }
  TLC_M T sinh(T x) { return ::sinh(x); }
  TLC_M T cosh(T x) { return ::cosh(x); }
  TLC_M T asinh(T x) { return ::asinh(x); }
  TLC_M T acosh(T x) { return ::acosh(x); }
  TLC_M T atanh(T x) { return ::atanh(x); }
  TLC_M T erf(T x) { return ::erf(x); }
  TLC_M T erfc(T x) { return ::erfc(x); }
  TLC_M T erfinv(T x) { return ::erfinv(x); }
  TLC_M T pow(T a, T b) { return ::pow(a, b); }
  TLC_M T atan2(T a, T b) { return ::atan2(a, b); }
  TLC_M T floor(T x) {
    if constexpr (std::is_integral<T>::value) return x; else return ::floor(x);
  }
  TLC_M T ceil(T x) {
    if constexpr (std::is_integral<T>::value) return x; else return ::ceil(x);
  }
  TLC_M T trunc(T x) {
    if constexpr (std::is_integral<T>::value) return x; else return ::trunc(x);
  }
  TLC_M T rint(T x) {  // half to even
    if constexpr (std::is_integral<T>::value) return x; else return ::rint(x);
  }
  TLC_M bool signbit(T x) {
    if constexpr (std::is_integral<T>::value) return x < T(0); else return ::signbit(x);
  }
  template <class T> __host__ __device__ __forceinline__ static T inf() {
    if constexpr (std::is_integral<T>::value) return (T)INT64_MAX;  // ints have no inf
    else return (T)HUGE_VAL;
  }
  // integers: Python's % and //, C's fmod (tl::pw::int_* in csrc/math/pointwise.h)
  TLC_M T fmod(T a, T b) {
    if constexpr (std::is_integral<T>::value) return tl::pw::int_fmod(a, b);
    else return ::fmod(a, b);
  }
  TLC_M T remainder(T a, T b) {
    if constexpr (std::is_integral<T>::value) {
      return tl::pw::int_remainder(a, b);
    } else {
      T r = ::fmod(a, b);
      return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? r + b : r;
    }
  }
  TLC_M T floor_divide(T a, T b) {
    if constexpr (std::is_integral<T>::value) return tl::pw::int_floor_divide(a, b);
    else return ::floor(a / b);
  }
};

#undef TLC_M

}  // namespace tlc
