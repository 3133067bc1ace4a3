// Python bindings for the elementwise kernels (csrc/cpu/elementwise*.cpp). Argument order
// as in KERNELS.md; scalars arrive as double. Every array is checked to be on the CPU;
// the kernels validate dtypes and shapes. The GIL is released only for large inputs: for
// small ones the release/acquire would cost more than the kernel.
#include "../cpu/elementwise.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {
namespace {

constexpr int64_t kNoGilElems = 1 << 16;

template <class F>
auto nogil_if_large(int64_t n, F&& f) -> decltype(f()) {
  if (n >= kNoGilElems) {
    py::gil_scoped_release release;
    return f();
  }
  return f();
}

void bind_elementwise(py::module_& m) {
#define TL_UNARY(NAME, DOC)                                                        \
  m.def(#NAME, [](const Array& x) {                                                \
    check_cpu(x, #NAME);                                                           \
    return nogil_if_large(x.numel(), [&] { return tl::NAME(x); });                 \
  }, py::arg("x"), DOC);
  TL_UNARY(exp, "exp(x), float")
  TL_UNARY(log, "log(x), float")
  TL_UNARY(sqrt, "sqrt(x), float")
  TL_UNARY(tanh, "tanh(x), float")
  TL_UNARY(sigmoid, "1/(1+exp(-x)), float")
  TL_UNARY(gelu, "x*Phi(x), float")
  TL_UNARY(gelu_tanh, "x/2*(1+tanh(sqrt(2/pi)(x+0.044715x^3))), float")
  TL_UNARY(sin, "sin(x), float")
  TL_UNARY(cos, "cos(x), float")
  TL_UNARY(neg, "-x, numeric")
  TL_UNARY(abs, "|x|, numeric")
  TL_UNARY(relu, "max(x, 0), numeric")
  TL_UNARY(logical_not, "x == 0 -> bool")
#undef TL_UNARY

#define TL_PAIR(NAME, A, B, EXPR)                                                   \
  m.def(#NAME, [](const Array& A, const Array& B) {                                \
    check_cpu(A, #NAME);                                                           \
    check_cpu(B, #NAME);                                                           \
    return nogil_if_large(std::max(A.numel(), B.numel()), [&] { return EXPR; });   \
  }, py::arg(#A), py::arg(#B));
  TL_PAIR(relu_backward, x, g, tl::relu_backward(x, g))
  TL_PAIR(gelu_backward, x, g, tl::gelu_backward(x, g))
  TL_PAIR(gelu_tanh_backward, x, g, tl::gelu_tanh_backward(x, g))
  TL_PAIR(sigmoid_backward, y, g, tl::sigmoid_backward(y, g))
  TL_PAIR(tanh_backward, y, g, tl::tanh_backward(y, g))
  TL_PAIR(add, a, b, binary(BinOp::Add, a, b))
  TL_PAIR(sub, a, b, binary(BinOp::Sub, a, b))
  TL_PAIR(mul, a, b, binary(BinOp::Mul, a, b))
  TL_PAIR(div, a, b, binary(BinOp::Div, a, b))
  TL_PAIR(pow, a, b, binary(BinOp::Pow, a, b))
  TL_PAIR(maximum, a, b, binary(BinOp::Max, a, b))
  TL_PAIR(minimum, a, b, binary(BinOp::Min, a, b))
  TL_PAIR(eq, a, b, compare(CmpOp::Eq, a, b))
  TL_PAIR(ne, a, b, compare(CmpOp::Ne, a, b))
  TL_PAIR(lt, a, b, compare(CmpOp::Lt, a, b))
  TL_PAIR(le, a, b, compare(CmpOp::Le, a, b))
  TL_PAIR(gt, a, b, compare(CmpOp::Gt, a, b))
  TL_PAIR(ge, a, b, compare(CmpOp::Ge, a, b))
#undef TL_PAIR

  m.def("where", [](const Array& cond, const Array& a, const Array& b) {
    check_cpu(cond, "where");
    check_cpu(a, "where");
    check_cpu(b, "where");
    return nogil_if_large(std::max(a.numel(), b.numel()), [&] { return tl::where(cond, a, b); });
  }, py::arg("cond"), py::arg("a"), py::arg("b"));

#define TL_SCALAR(NAME, EXPR)                                                      \
  m.def(#NAME, [](const Array& x, double s) {                                      \
    check_cpu(x, #NAME);                                                           \
    return nogil_if_large(x.numel(), [&] { return EXPR; });                        \
  }, py::arg("x"), py::arg("s"));
  TL_SCALAR(add_scalar, binary_scalar(ScalarOp::Add, x, s))
  TL_SCALAR(mul_scalar, binary_scalar(ScalarOp::Mul, x, s))
  TL_SCALAR(div_scalar, binary_scalar(ScalarOp::Div, x, s))
  TL_SCALAR(rsub_scalar, binary_scalar(ScalarOp::RSub, x, s))
  TL_SCALAR(rdiv_scalar, binary_scalar(ScalarOp::RDiv, x, s))
  TL_SCALAR(pow_scalar, binary_scalar(ScalarOp::Pow, x, s))
  TL_SCALAR(rpow_scalar, binary_scalar(ScalarOp::RPow, x, s))
  TL_SCALAR(maximum_scalar, binary_scalar(ScalarOp::Max, x, s))
  TL_SCALAR(minimum_scalar, binary_scalar(ScalarOp::Min, x, s))
  TL_SCALAR(eq_scalar, compare_scalar(CmpOp::Eq, x, s))
  TL_SCALAR(ne_scalar, compare_scalar(CmpOp::Ne, x, s))
  TL_SCALAR(lt_scalar, compare_scalar(CmpOp::Lt, x, s))
  TL_SCALAR(le_scalar, compare_scalar(CmpOp::Le, x, s))
  TL_SCALAR(gt_scalar, compare_scalar(CmpOp::Gt, x, s))
  TL_SCALAR(ge_scalar, compare_scalar(CmpOp::Ge, x, s))
#undef TL_SCALAR

  // in place on the first argument (may be a strided view)
  m.def("add_", [](Array& a, const Array& b) {
    check_cpu(a, "add_");
    check_cpu(b, "add_");
    nogil_if_large(a.numel(), [&] { tl::add_(a, b); });
  }, py::arg("a"), py::arg("b"));
  m.def("sub_", [](Array& a, const Array& b) {
    check_cpu(a, "sub_");
    check_cpu(b, "sub_");
    nogil_if_large(a.numel(), [&] { tl::sub_(a, b); });
  }, py::arg("a"), py::arg("b"));
  m.def("mul_", [](Array& a, const Array& b) {
    check_cpu(a, "mul_");
    check_cpu(b, "mul_");
    nogil_if_large(a.numel(), [&] { tl::mul_(a, b); });
  }, py::arg("a"), py::arg("b"));
  m.def("add_scalar_", [](Array& a, double s) {
    check_cpu(a, "add_scalar_");
    nogil_if_large(a.numel(), [&] { tl::add_scalar_(a, s); });
  },
        py::arg("a"), py::arg("s"));
  m.def("mul_scalar_", [](Array& a, double s) {
    check_cpu(a, "mul_scalar_");
    nogil_if_large(a.numel(), [&] { tl::mul_scalar_(a, s); });
  },
        py::arg("a"), py::arg("s"));
  m.def("fill_", [](Array& a, double s) {
    check_cpu(a, "fill_");
    nogil_if_large(a.numel(), [&] { tl::fill_(a, s); });
  },
        py::arg("a"), py::arg("s"));
  m.def("axpy_", [](Array& a, double alpha, const Array& b) {
    check_cpu(a, "axpy_");
    check_cpu(b, "axpy_");
    nogil_if_large(a.numel(), [&] { tl::axpy_(a, alpha, b); });
  }, py::arg("a"), py::arg("alpha"), py::arg("b"), "a += alpha * b");
}

}  // namespace
TL_REGISTER_BINDINGS(bind_elementwise)
}  // namespace tl
