// Creation kernels: full, arange.
#include "fill.h"

#include <cmath>
#include <type_traits>

#include "../core/parallel.h"
#include "../math/pointwise.h"

namespace tl {

namespace {

// A Python number as an element of T: bool is (v != 0); integers go through int64 (saturating
// as pw::from_double, then wrapping to a narrower width as torch's casts do); floats round.
template <class T>
T element_from_double(double v) {
  if constexpr (std::is_same<T, bool>::value) return v != 0;
  else if constexpr (std::is_integral<T>::value) return (T)pw::from_double<int64_t>(v);
  else if constexpr (std::is_same<T, double>::value) return v;
  else return T((float)v);
}

}  // namespace

// out[i] = (T) value for every i of a contiguous (shape).
Array full(const Shape& shape, double value, DType dtype) {
  for (int64_t d : shape) TL_CHECK(d >= 0, ValueError, "full: negative size in shape " << shape_str(shape));
  Array out = Array::empty(shape, dtype);
  const int64_t n = out.numel();
  TL_DISPATCH_STORAGE(dtype, "full", [&] {
    const scalar_t v = element_from_double<scalar_t>(value);
    scalar_t* p = out.data<scalar_t>();
    parallel_for(n, n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = v;
    });
  });
  return out;
}

// out[i] = start + i·step, n = ceil((stop − start)/step) (floats: computed in double, then cast).
Array arange(double start, double stop, double step, DType dtype) {
  const char* op = "arange";
  TL_CHECK(dtype != DType::Bool, TypeError, op << ": not implemented for bool");
  TL_CHECK(std::isfinite(start) && std::isfinite(stop), ValueError,
           op << ": unsupported range: " << start << " -> " << stop);
  TL_CHECK(step != 0 && std::isfinite(step), ValueError, op << ": step must be nonzero and finite, got " << step);
  TL_CHECK((step > 0 && stop >= start) || (step < 0 && stop <= start), ValueError,
           op << ": upper bound and larger bound inconsistent with step sign (start " << start << ", stop " << stop
              << ", step " << step << ")");
  const double len = std::ceil((stop - start) / step);
  TL_CHECK(len >= 0 && len < 9.0e18, ValueError, op << ": invalid length " << len);
  const int64_t n = (int64_t)len;
  if (!is_compute_dtype(dtype))  // a storage dtype: computed in float32 / int64, then converted
    return arange(start, stop, step, is_floating_point(dtype) ? DType::Float32 : DType::Int64).astype(dtype);
  Array out = Array::empty({n}, dtype);
  if (dtype == DType::Int64) {
    const int64_t s0 = (int64_t)start, st = (int64_t)step;
    TL_CHECK(st != 0, ValueError, op << ": step " << step << " truncates to 0 for int64");
    int64_t* p = out.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = s0 + i * st;
  } else {
    TL_DISPATCH_FLOATING(dtype, op, [&] {
      scalar_t* p = out.data<scalar_t>();
      for (int64_t i = 0; i < n; ++i) p[i] = (scalar_t)(start + (double)i * step);
    });
  }
  return out;
}

}  // namespace tl
