// Unary pointwise kernels, one per table row (csrc/ops/pointwise.def): values, predicates
// and their backward passes, instantiated from the formulas of csrc/math/pointwise.h over
// the SIMD loops of elementwise.h.
// FP ops never trap here: lets GCC if-convert the selects in vm::exp & co. and vectorise
// them on every target (with trapping math only the AVX-512 path vectorises).
#pragma GCC optimize("no-trapping-math")
#include "../math/pointwise.h"

#include <cmath>

#include "elementwise.h"
#include "pointwise.h"
#include "pointwise_args.h"

namespace tl {
namespace {

template <class F, class T>
struct Value {  // y = f(x; p)
  pw::Args<T> p;
  TL_INLINE T operator()(T x) const { return F::template f<CpuMath>(x, p); }
};
template <class F, class T>
struct Predicate {  // bool = f(x; p)
  pw::Args<T> p;
  TL_INLINE bool operator()(T x) const { return F::template f<CpuMath>(x, p); }
};
template <class F, class T>
struct Derivative {  // g·∂y/∂x from the saved s (x or y) and g
  pw::Args<T> p;
  TL_INLINE T operator()(T s, T g) const { return F::template df<CpuMath>(s, g, p); }
};

template <class F, PwDtypes DT>
Array run_value(const Array& x, const double* p, const char* name) {
  Array y;
  pw_dispatch<DT>(name, x, [&](auto t) {
    using T = decltype(t);
    y = ew::unary_apply<T, T>(x, Value<F, T>{pw_args<T>(p)});
  });
  return y;
}

template <class F, PwDtypes DT>
Array run_predicate(const Array& x, const double* p, const char* name, int nparams) {
  // An integer compared with a scalar it cannot hold exactly (x < 2.5, or a bool against 2)
  // compares in double, as torch does.
  if (nparams == 1 && !is_floating(x.dtype) && !pw_scalar_fits(x.dtype, p[0]))
    return run_predicate<F, DT>(x.astype(DType::Float64), p, name, nparams);
  Array y;
  pw_dispatch<DT>(name, x, [&](auto t) {
    using T = decltype(t);
    y = ew::unary_apply<T, bool>(x, Predicate<F, T>{pw_args<T>(p)});
  });
  return y;
}

template <class F>
Array run_derivative(const Array& s, const Array& g, const double* p, const char* name) {
  ew::check_pair(s, g, name);
  TL_CHECK(broadcast_shapes(s.shape, g.shape, name) == s.shape, ValueError,
           name << ": gradient of shape " << shape_str(g.shape) << " does not match the saved input "
                << shape_str(s.shape));
  // One flat loop per derivative: the saved input and the gradient are made contiguous at s's
  // shape first. A broadcast or strided g (a sum's backward hands an expanded one) costs one
  // copy; in exchange each of the ~50 derivatives is compiled as 3 loops (one per SIMD target)
  // instead of 10 (vector-vector, vector-scalar, scalar-vector and a strided fallback): the
  // build's largest unit shrank by half (issue 17, set-up time).
  const Array sc = s.contiguous(), gc = (g.shape == s.shape ? g : g.expand(s.shape)).contiguous();
  Array y;
  pw_dispatch<PwDtypes::FLOAT>(name, s, [&](auto t) {
    using T = decltype(t);
    y = ew::binary_apply_flat<T, T>(sc, gc, Derivative<F, T>{pw_args<T>(p)});
  });
  return y;
}

}  // namespace

Array pw_unary(PwOp op, const Array& x, const double* p) {
  switch (op) {
#define TL_UNARY(name, F, dt, saves, np, doc) \
  case PwOp::name: return run_value<pw::F, PwDtypes::dt>(x, p, #name);
#define TL_UNARY_PRED(name, F, dt, np, doc) \
  case PwOp::name: return run_predicate<pw::F, PwDtypes::dt>(x, p, #name, np);
#include "../ops/pointwise.def"
    default: break;
  }
  TL_FAIL(ValueError, "pw_unary: op " << kPwInfo[(int)op].name << " is not a unary op");
}

#define TL_BWD_NONE(name, F) case PwOp::name: return run_derivative<pw::F>(s, g, p, #name "_backward");
#define TL_BWD_X TL_BWD_NONE
#define TL_BWD_Y TL_BWD_NONE
#define TL_BWD_NOGRAD(name, F)
#define TL_BWD_ONE(name, F)

Array pw_unary_backward(PwOp op, const Array& s, const Array& g, const double* p) {
  switch (op) {
#define TL_UNARY(name, F, dt, saves, np, doc) TL_BWD_##saves(name, F)
#include "../ops/pointwise.def"
    default: break;
  }
  TL_FAIL(ValueError, "pw_unary_backward: op " << kPwInfo[(int)op].name << " has no derivative");
}

}  // namespace tl
