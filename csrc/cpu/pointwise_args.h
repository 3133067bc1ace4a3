// Scalar parameters of the pointwise kernels arrive from Python as doubles; they become the
// row's element type by pw::from_double (csrc/math/pointwise.h: no undefined behaviour for a
// double outside int64's range, or NaN).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../core/dtype.h"
#include "../math/pointwise.h"
#include "pointwise.h"

namespace tl {

template <class T>
inline pw::Args<T> pw_args(const double* p) {
  return pw::args_from<T>(p[0], p[1], p[2]);
}

template <class T>
inline T pw_from_double(double v) {
  return pw::from_double<T>(v);
}

// Whether the scalar s is exactly a value of an integer dtype (comparisons with one that is
// not run in double).
inline bool pw_scalar_fits(DType d, double s) {
  if (d == DType::Bool) return s == 0.0 || s == 1.0;
  return s == std::floor(s) && std::fabs(s) < 9.0e18;
}

}  // namespace tl
