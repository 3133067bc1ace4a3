// Unary elementwise kernels and fused activation backwards (KERNELS.md "Elementwise").
// Binary ops, comparisons, scalar and in-place ops: elementwise_binary.cpp.
// FP ops never trap here: lets GCC if-convert the selects in vm::exp & co. and vectorise
// them on every target (with trapping math only the AVX-512 path vectorises).
#pragma GCC optimize("no-trapping-math")
#include "elementwise.h"

namespace tl {

namespace {

using ew::check_pair;

// ---- element functors: `static R f(T)` ----
struct ExpOp { template <class T> static TL_INLINE T f(T x) { return t_exp(x); } };
struct LogOp { template <class T> static TL_INLINE T f(T x) { return t_log(x); } };
struct SqrtOp { template <class T> static TL_INLINE T f(T x) { return std::sqrt(x); } };
struct TanhOp { template <class T> static TL_INLINE T f(T x) { return t_tanh(x); } };
struct SigmoidOp { template <class T> static TL_INLINE T f(T x) { return t_sigmoid(x); } };
struct SinOp { template <class T> static TL_INLINE T f(T x) { return std::sin(x); } };
struct CosOp { template <class T> static TL_INLINE T f(T x) { return std::cos(x); } };
struct NegOp { template <class T> static TL_INLINE T f(T x) { return -x; } };
struct AbsOp { template <class T> static TL_INLINE T f(T x) { return x < T(0) ? -x : x; } };
// relu: NaN propagates (x > 0 is false for NaN, so test the other way round).
struct ReluOp { template <class T> static TL_INLINE T f(T x) { return x < T(0) ? T(0) : x; } };
// gelu(x) = x·Φ(x)
struct GeluOp { template <class T> static TL_INLINE T f(T x) { return x * t_norm_cdf(x); } };
// gelu_tanh(x) = x/2·(1+tanh(u)) = x·σ(2u), u = √(2/π)(x + 0.044715x³); the σ form keeps
// relative accuracy for negative x, where 1+tanh(u) cancels.
struct GeluTanhOp {
  template <class T> static TL_INLINE T f(T x) {
    const T k = T(0.79788456080286535588);
    T u = k * (x + T(0.044715) * x * x * x);
    return x * t_sigmoid(T(2) * u);
  }
};

// ---- fused backward functors: `static T f(T x_or_y, T g)` ----
struct ReluBwdOp { template <class T> static TL_INLINE T f(T x, T g) { return x > T(0) ? g : T(0); } };
// d/dx x·Φ(x) = Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π)
struct GeluBwdOp {
  template <class T> static TL_INLINE T f(T x, T g) {
    T pdf = T(0.39894228040143267794) * t_exp(T(-0.5) * x * x);
    return g * (t_norm_cdf(x) + x * pdf);
  }
};
// d/dx x·s, s = σ(2u): s + x·s(1−s)·2u', u' = √(2/π)(1 + 3·0.044715x²)
struct GeluTanhBwdOp {
  template <class T> static TL_INLINE T f(T x, T g) {
    const T k = T(0.79788456080286535588);
    T x2 = x * x;
    T s = t_sigmoid(T(2) * k * (x + T(0.044715) * x2 * x));
    T du = T(2) * k * (T(1) + T(0.134145) * x2);
    return g * (s + x * s * (T(1) - s) * du);
  }
};
struct SigmoidBwdOp { template <class T> static TL_INLINE T f(T y, T g) { return g * y * (T(1) - y); } };
struct TanhBwdOp { template <class T> static TL_INLINE T f(T y, T g) { return g * (T(1) - y * y); } };

template <class Op>
Array unary_float(const Array& x, const char* op) {
  Array y;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] { y = ew::unary_apply<Op, scalar_t, scalar_t>(x); });
  return y;
}

template <class Op>
Array unary_numeric(const Array& x, const char* op) {
  Array y;
  TL_DISPATCH_NUMERIC(x.dtype, op, [&] { y = ew::unary_apply<Op, scalar_t, scalar_t>(x); });
  return y;
}

// x (any shape), g broadcastable to x's shape, same float dtype → shape of x (broadcast).
template <class Op>
Array backward_float(const Array& x, const Array& g, const char* op) {
  check_pair(x, g, op);
  TL_CHECK(broadcast_shapes(x.shape, g.shape, op) == x.shape, ValueError,
           op << ": gradient of shape " << shape_str(g.shape) << " does not match input " << shape_str(x.shape));
  Array y;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] { y = ew::binary_apply<Op, scalar_t, scalar_t>(x, g, op); });
  return y;
}

}  // namespace

// x: any shape, strided; y = f(x) elementwise, contiguous, same dtype (float only).
Array exp(const Array& x) { return unary_float<ExpOp>(x, "exp"); }
Array log(const Array& x) { return unary_float<LogOp>(x, "log"); }
Array sqrt(const Array& x) { return unary_float<SqrtOp>(x, "sqrt"); }
Array tanh(const Array& x) { return unary_float<TanhOp>(x, "tanh"); }
Array sigmoid(const Array& x) { return unary_float<SigmoidOp>(x, "sigmoid"); }
Array gelu(const Array& x) { return unary_float<GeluOp>(x, "gelu"); }
Array gelu_tanh(const Array& x) { return unary_float<GeluTanhOp>(x, "gelu_tanh"); }
Array sin(const Array& x) { return unary_float<SinOp>(x, "sin"); }
Array cos(const Array& x) { return unary_float<CosOp>(x, "cos"); }
// x: any shape, strided; numeric (float32/float64/int64).
Array neg(const Array& x) { return unary_numeric<NegOp>(x, "neg"); }
Array abs(const Array& x) { return unary_numeric<AbsOp>(x, "abs"); }
Array relu(const Array& x) { return unary_numeric<ReluOp>(x, "relu"); }

// relu_backward: g·[x>0]; numeric dtypes.
Array relu_backward(const Array& x, const Array& g) {
  const char* op = "relu_backward";
  check_pair(x, g, op);
  TL_CHECK(broadcast_shapes(x.shape, g.shape, op) == x.shape, ValueError,
           op << ": gradient of shape " << shape_str(g.shape) << " does not match input " << shape_str(x.shape));
  Array y;
  TL_DISPATCH_NUMERIC(x.dtype, op, [&] { y = ew::binary_apply<ReluBwdOp, scalar_t, scalar_t>(x, g, op); });
  return y;
}
Array gelu_backward(const Array& x, const Array& g) { return backward_float<GeluBwdOp>(x, g, "gelu_backward"); }
Array gelu_tanh_backward(const Array& x, const Array& g) {
  return backward_float<GeluTanhBwdOp>(x, g, "gelu_tanh_backward");
}
Array sigmoid_backward(const Array& y, const Array& g) { return backward_float<SigmoidBwdOp>(y, g, "sigmoid_backward"); }
Array tanh_backward(const Array& y, const Array& g) { return backward_float<TanhBwdOp>(y, g, "tanh_backward"); }

}  // namespace tl
