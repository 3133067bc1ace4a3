// Element types of the core. Storage is untyped bytes; an Array's dtype says how to read it.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "errors.h"

namespace tl {

enum class DType : uint8_t { Float32 = 0, Float64 = 1, Int64 = 2, Bool = 3 };

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

inline bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }

// Type promotion for binary ops, torch's rule restricted to our four dtypes:
// bool < int64 < float32 < float64.
inline DType promote(DType a, DType b) {
  auto rank = [](DType d) {
    switch (d) {
      case DType::Bool: return 0;
      case DType::Int64: return 1;
      case DType::Float32: return 2;
      case DType::Float64: return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

// Value conversion between element types, defined for every input. C++ leaves float → integer
// undefined when the value is NaN, ±inf or outside the integer's range; here such a value becomes
// the integer's minimum (INT64_MIN): what x86's cvttsd2si returns, so torch on x86 gives the same.
// An unsigned D goes through int64 and wraps (torch: uint8 ← -1.0 is 255). bool ← x is x != 0
// (NaN → true).
template <typename D, typename S>
inline D convert(S v) {
  if constexpr (std::is_same<D, bool>::value) {
    return v != S(0);
  } else if constexpr (std::is_integral<D>::value && std::is_unsigned<D>::value &&
                       std::is_floating_point<S>::value) {
    return (D)convert<int64_t>(v);
  } else if constexpr (std::is_integral<D>::value && std::is_floating_point<S>::value) {
    // [min, -min) of a signed D: both ends are powers of two, exact in float and double.
    constexpr S lo = (S)std::numeric_limits<D>::min();
    return (v >= lo && v < -lo) ? (D)v : std::numeric_limits<D>::min();
  } else {
    return (D)v;
  }
}

// Read one element. A bool is read as its byte != 0: memory from outside (numpy views, files)
// may hold other byte values, and loading such a byte as C++ bool is undefined.
template <typename T>
inline T load(const void* p) {
  if constexpr (std::is_same<T, bool>::value) {
    return *(const uint8_t*)p != 0;
  } else {
    return *(const T*)p;
  }
}

template <typename T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };

}  // namespace tl

// Dispatch on a runtime dtype to a lambda that uses `scalar_t`:
//   TL_DISPATCH_FLOATING(x.dtype, "exp", [&] { exp_kernel<scalar_t>(...); });
#define TL_CASE_(ENUM, TYPE, ...) \
  case ::tl::DType::ENUM: {       \
    using scalar_t = TYPE;        \
    __VA_ARGS__();                \
    break;                        \
  }

#define TL_DISPATCH_FLOATING(DT, OPNAME, ...)                                              \
  do {                                                                                    \
    switch (DT) {                                                                         \
      TL_CASE_(Float32, float, __VA_ARGS__)                                               \
      TL_CASE_(Float64, double, __VA_ARGS__)                                              \
      default:                                                                            \
        throw ::tl::TypeError(std::string(OPNAME) + ": expected a floating dtype, got " + \
                              ::tl::dtype_name(DT));                                      \
    }                                                                                     \
  } while (0)

#define TL_DISPATCH_NUMERIC(DT, OPNAME, ...)                                               \
  do {                                                                                    \
    switch (DT) {                                                                         \
      TL_CASE_(Float32, float, __VA_ARGS__)                                               \
      TL_CASE_(Float64, double, __VA_ARGS__)                                              \
      TL_CASE_(Int64, int64_t, __VA_ARGS__)                                               \
      default:                                                                            \
        throw ::tl::TypeError(std::string(OPNAME) + ": expected a numeric dtype, got " +  \
                              ::tl::dtype_name(DT));                                      \
    }                                                                                     \
  } while (0)

#define TL_DISPATCH_ALL(DT, OPNAME, ...)    \
  do {                                     \
    switch (DT) {                          \
      TL_CASE_(Float32, float, __VA_ARGS__) \
      TL_CASE_(Float64, double, __VA_ARGS__) \
      TL_CASE_(Int64, int64_t, __VA_ARGS__) \
      TL_CASE_(Bool, bool, __VA_ARGS__)     \
    }                                      \
  } while (0)
