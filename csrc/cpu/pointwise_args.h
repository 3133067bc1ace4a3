// Scalar parameters of the pointwise kernels arrive from Python as doubles; here they become
// the row's element type without undefined behaviour (a double outside int64's range, or
// NaN, converted with a plain cast is UB in C++).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../core/dtype.h"
#include "../math/pointwise.h"
#include "pointwise.h"

namespace tl {

// double → T: floats round, bool is (v != 0), int64 truncates toward zero and saturates
// (NaN → 0).
template <class T>
inline T pw_from_double(double v) {
  if constexpr (std::is_same<T, bool>::value) {
    return v != 0.0;
  } else if constexpr (std::is_integral<T>::value) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return (T)v;
  } else {
    return (T)v;
  }
}

template <class T>
inline pw::Args<T> pw_args(const double* p) {
  return {pw_from_double<T>(p[0]), pw_from_double<T>(p[1]), pw_from_double<T>(p[2])};
}

// Whether the scalar s is exactly a value of an integer dtype (comparisons with one that is
// not run in double).
inline bool pw_scalar_fits(DType d, double s) {
  if (d == DType::Bool) return s == 0.0 || s == 1.0;
  return s == std::floor(s) && std::fabs(s) < 9.0e18;
}

}  // namespace tl
