// The pointwise kernels generated from the op table (csrc/ops/pointwise.def), CPU side.
// Every row becomes one enumerator of PwOp (its position in the table: the op code the
// CUDA library shares) and one entry of kPwInfo (what the bindings and Python read).
//
// Shapes and dtypes (TypeError / ValueError naming the op and the shapes otherwise):
//   pw_unary(op, x, p)            x any shape/strides → y contiguous, x's shape; dtype of x
//                                 (bool for a predicate row)
//   pw_unary_backward(op, s, g, p) g broadcastable to s's shape, same dtype → g·∂y/∂x, s's shape
//   pw_binary(op, a, b)           equal dtypes, broadcast → broadcast shape
//   pw_binary_backward(op, a, b, g, want_a, want_b)
//                                 g has the broadcast shape → (ga, gb) at g's shape; an
//                                 unwanted one is an empty Array (storage == nullptr)
#pragma once
#include <utility>

#include "../core/array.h"

namespace tl {

enum class PwOp : int {
#define TL_UNARY(name, F, dt, saves, np, doc) name,
#define TL_UNARY_PRED(name, F, dt, np, doc) name,
#define TL_BINARY(name, F, dt, grad, doc) name,
#define TL_BINARY_PRED(name, F, dt, doc) name,
#include "../ops/pointwise.def"
  count_
};

enum class PwKind : int { Unary = 0, UnaryPred = 1, Binary = 2, BinaryPred = 3 };
enum class PwDtypes : int { FLOAT = 0, NUMERIC = 1, ALL = 2, INTEGRAL = 3 };
// What a unary row's backward needs (binary rows: GRAD or NOGRAD).
enum class PwSaves : int { NONE = 0, X = 1, Y = 2, NOGRAD = 3, GRAD = 4, ONE = 5 };

struct PwInfo {
  const char* name;
  PwKind kind;
  PwDtypes dtypes;
  PwSaves saves;
  int nparams;
  const char* doc;
};
extern const PwInfo kPwInfo[(int)PwOp::count_];

constexpr int kPwMaxParams = 3;

Array pw_unary(PwOp op, const Array& x, const double* params);
Array pw_unary_backward(PwOp op, const Array& s, const Array& g, const double* params);
Array pw_binary(PwOp op, const Array& a, const Array& b);
std::pair<Array, Array> pw_binary_backward(PwOp op, const Array& a, const Array& b, const Array& g, bool want_a,
                                           bool want_b);

// Dtype dispatch by a row's dtype class: fn(T{}) for the Array's element type T.
[[noreturn]] void pw_dtype_error(const char* op, PwDtypes want, const Array& x);

template <PwDtypes DT, class Fn>
void pw_dispatch(const char* op, const Array& x, Fn&& fn) {
  switch (x.dtype) {
    case DType::Float32:
      if constexpr (DT != PwDtypes::INTEGRAL) return fn(float());
      break;
    case DType::Float64:
      if constexpr (DT != PwDtypes::INTEGRAL) return fn(double());
      break;
    case DType::Int64:
      if constexpr (DT != PwDtypes::FLOAT) return fn(int64_t());
      break;
    case DType::Bool:
      if constexpr (DT == PwDtypes::ALL || DT == PwDtypes::INTEGRAL) return fn(bool());
      break;
  }
  pw_dtype_error(op, DT, x);
}

}  // namespace tl
