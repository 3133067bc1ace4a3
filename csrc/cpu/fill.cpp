// Creation kernels: full, arange.
#include "fill.h"

#include <cmath>
#include <type_traits>

#include "../core/parallel.h"
#include "../math/pointwise.h"

namespace tl {

namespace {

// out[i] = convert<T>(value) for every i of a new contiguous (shape).
template <typename V>
Array fill_new(const Shape& shape, V value, DType dtype) {
  for (int64_t d : shape) TL_CHECK(d >= 0, ValueError, "full: negative size in shape " << shape_str(shape));
  Array out = Array::empty(shape, dtype);
  const int64_t n = out.numel();
  TL_DISPATCH_STORAGE(dtype, "full", [&] {
    const scalar_t v = convert<scalar_t>(value);
    scalar_t* p = out.data<scalar_t>();
    parallel_for(n, n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = v;
    });
  });
  return out;
}

}  // namespace

Array full(const Shape& shape, double value, DType dtype) {
  // torch: "value cannot be converted to type int64_t without overflow"
  TL_CHECK(dtype != DType::Int64 || (value >= -9223372036854775808.0 && value < 9223372036854775808.0),
           RuntimeError, "full: value " << value << " cannot be converted to type int64 without overflow");
  return fill_new(shape, value, dtype);
}

Array full_int(const Shape& shape, int64_t value, DType dtype) { return fill_new(shape, value, dtype); }

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
  if (dtype == DType::Int64) {  // torch: the length from the doubles, then start and step truncated
    auto fits = [](double v) { return v >= -9223372036854775808.0 && v < 9223372036854775808.0; };
    TL_CHECK(fits(start) && fits(step), RuntimeError,
             op << ": start " << start << " or step " << step << " does not fit in int64");
    const int64_t s0 = (int64_t)start, st = (int64_t)step;
    TL_CHECK(st != 0, ValueError, op << ": step " << step << " truncates to 0 for int64");
    const __int128 last = (__int128)s0 + (__int128)(n > 0 ? n - 1 : 0) * st;
    TL_CHECK(last >= INT64_MIN && last <= INT64_MAX, RuntimeError,
             op << ": range " << start << " -> " << stop << " step " << step << " does not fit in int64");
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

// out[i] = start + i·step, exact in int64; n = ceil((stop − start)/step) computed in 128 bits.
Array arange_int(int64_t start, int64_t stop, int64_t step) {
  const char* op = "arange";
  TL_CHECK(step != 0, ValueError, op << ": step must be nonzero");
  TL_CHECK((step > 0 && stop >= start) || (step < 0 && stop <= start), ValueError,
           op << ": upper bound and larger bound inconsistent with step sign (start " << start << ", stop " << stop
              << ", step " << step << ")");
  const __int128 span = (__int128)stop - start;
  const __int128 len = span == 0 ? 0 : (span - (step > 0 ? 1 : -1)) / step + 1;
  TL_CHECK(len <= INT64_MAX, RuntimeError, op << ": length " << (double)len << " does not fit in int64");
  const int64_t n = (int64_t)len;
  Array out = Array::empty({n}, DType::Int64);
  int64_t* p = out.data<int64_t>();
  // start + i·step lies in [start, stop) (or (stop, start]) for i < n: no overflow.
  for (int64_t i = 0; i < n; ++i) p[i] = (int64_t)((__int128)start + (__int128)i * step);
  return out;
}

}  // namespace tl
