// Element types of the core. Storage is untyped bytes; an Array's dtype says how to read it.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "../math/half.h"
#include "errors.h"

namespace tl {

// Codes are shared with Python (tinygrad_lite/dtypes.py) and the CUDA library (tl_cuda.h):
// append, never renumber. The kernels compute in Float32/Float64/Int64/Bool; the other six are
// storage types (copy, convert, fill, index, views), computed in float32 / int64 by the Python
// op layer (tinygrad_lite/backend/narrow.py) as torch's CPU does.
enum class DType : uint8_t {
  Float32 = 0, Float64 = 1, Int64 = 2, Bool = 3,
  Float16 = 4, BFloat16 = 5, Int32 = 6, Int16 = 7, Int8 = 8, UInt8 = 9,
};
constexpr int kNumDTypes = 10;

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
    case DType::Float16: return 2;
    case DType::BFloat16: return 2;
    case DType::Int32: return 4;
    case DType::Int16: return 2;
    case DType::Int8: return 1;
    case DType::UInt8: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Int32: return "int32";
    case DType::Int16: return "int16";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
  }
  return "?";
}

// A floating dtype the kernels compute in (float32 / float64). Kernels check this before an
// `if float32 ... else double` split, so it must stay false for the 16-bit storage floats.
inline bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }
// Any floating dtype, the 16-bit storage ones included.
inline bool is_floating_point(DType d) { return is_floating(d) || d == DType::Float16 || d == DType::BFloat16; }
// The dtypes kernels compute in; the others are storage dtypes (see the enum).
inline bool is_compute_dtype(DType d) { return (int)d < 4; }

// Type promotion for binary ops, torch's rule (c10's promoteTypes table): bool < every
// integer < every float; among integers the wider wins, and uint8 with int8 gives int16;
// among floats the wider wins, and float16 with bfloat16 gives float32.
inline DType promote(DType a, DType b) {
  if (a == b) return a;
  auto rank = [](DType d) {  // within a kind: 0 bool; 1-4 signed ints by width; 10+ floats
    switch (d) {
      case DType::Bool: return 0;
      case DType::UInt8: return 1;
      case DType::Int8: return 1;
      case DType::Int16: return 2;
      case DType::Int32: return 3;
      case DType::Int64: return 4;
      case DType::Float16: return 10;
      case DType::BFloat16: return 10;
      case DType::Float32: return 11;
      case DType::Float64: return 12;
    }
    return 0;
  };
  const int ra = rank(a), rb = rank(b);
  if (ra == rb) return ra == 1 ? DType::Int16 : DType::Float32;  // {u,}int8 pair; {b,}float16 pair
  return ra > rb ? a : b;
}

// Value conversion between element types, defined for every input. C++ leaves float → integer
// undefined when the value is NaN, ±inf or outside the integer's range; here such a value becomes
// the integer's minimum (INT64_MIN): what x86's cvttsd2si returns, so torch on x86 gives the same.
// An unsigned D goes through int64 and wraps (torch: uint8 ← -1.0 is 255). bool ← x is x != 0
// (NaN → true).
template <typename D, typename S>
inline D convert(S v) {
  constexpr bool s_half = std::is_same<S, Half>::value || std::is_same<S, BFloat16>::value;
  constexpr bool d_half = std::is_same<D, Half>::value || std::is_same<D, BFloat16>::value;
  if constexpr (s_half) {  // float16/bfloat16 → anything: through float (so NaN → int is defined too)
    return convert<D>(static_cast<float>(v));
  } else if constexpr (d_half) {  // → float16/bfloat16: rounded from float, as torch's casts do
    return D(static_cast<float>(v));
  } else if constexpr (std::is_same<D, bool>::value) {
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
template <> struct dtype_of<Half> { static constexpr DType value = DType::Float16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::BFloat16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int16_t> { static constexpr DType value = DType::Int16; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };

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

// The four compute dtypes (kernels that compare or do arithmetic on any of them).
#define TL_DISPATCH_ALL(DT, OPNAME, ...)                                                   \
  do {                                                                                    \
    switch (DT) {                                                                         \
      TL_CASE_(Float32, float, __VA_ARGS__)                                               \
      TL_CASE_(Float64, double, __VA_ARGS__)                                              \
      TL_CASE_(Int64, int64_t, __VA_ARGS__)                                               \
      TL_CASE_(Bool, bool, __VA_ARGS__)                                                   \
      default:                                                                            \
        throw ::tl::TypeError(std::string(OPNAME) + ": not implemented for " +            \
                              ::tl::dtype_name(DT) + " (a storage dtype: convert it first)"); \
    }                                                                                     \
  } while (0)

// Every dtype, as its C++ storage type: for conversions (copy/astype) and fills.
#define TL_DISPATCH_STORAGE(DT, OPNAME, ...)                                               \
  do {                                                                                    \
    switch (DT) {                                                                         \
      TL_CASE_(Float32, float, __VA_ARGS__)                                               \
      TL_CASE_(Float64, double, __VA_ARGS__)                                              \
      TL_CASE_(Int64, int64_t, __VA_ARGS__)                                               \
      TL_CASE_(Bool, bool, __VA_ARGS__)                                                   \
      TL_CASE_(Float16, ::tl::Half, __VA_ARGS__)                                          \
      TL_CASE_(BFloat16, ::tl::BFloat16, __VA_ARGS__)                                     \
      TL_CASE_(Int32, int32_t, __VA_ARGS__)                                               \
      TL_CASE_(Int16, int16_t, __VA_ARGS__)                                               \
      TL_CASE_(Int8, int8_t, __VA_ARGS__)                                                 \
      TL_CASE_(UInt8, uint8_t, __VA_ARGS__)                                               \
      default:                                                                            \
        throw ::tl::TypeError(std::string(OPNAME) + ": unknown dtype code " +             \
                              std::to_string((int)(DT)));                                 \
    }                                                                                     \
  } while (0)

// Kernels that only move elements (gather, select, where): `scalar_t` is an unsigned
// integer of the element's size, so one instantiation per size serves every dtype.
#define TL_DISPATCH_BYTES(DT, OPNAME, ...)                                                 \
  do {                                                                                    \
    switch (::tl::dtype_size(DT)) {                                                       \
      case 1: { using scalar_t = uint8_t; __VA_ARGS__(); break; }                         \
      case 2: { using scalar_t = uint16_t; __VA_ARGS__(); break; }                        \
      case 4: { using scalar_t = uint32_t; __VA_ARGS__(); break; }                        \
      case 8: { using scalar_t = uint64_t; __VA_ARGS__(); break; }                        \
      default:                                                                            \
        throw ::tl::TypeError(std::string(OPNAME) + ": unknown dtype code " +             \
                              std::to_string((int)(DT)));                                 \
    }                                                                                     \
  } while (0)
