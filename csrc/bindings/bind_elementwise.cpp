// Python bindings for the elementwise kernels that are not pointwise-table rows
// (csrc/cpu/elementwise.cpp): where and the in-place updates. Scalars arrive as double.
// Every array is checked to be on the CPU; the kernels validate dtypes and shapes.
#include "../cpu/elementwise.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {
namespace {

void bind_elementwise(py::module_& m) {
  m.def("where", [](const Array& cond, const Array& a, const Array& b) {
    check_cpu(cond, "where");
    check_cpu(a, "where");
    check_cpu(b, "where");
    return nogil_if_large(std::max(a.numel(), b.numel()), [&] { return tl::where(cond, a, b); });
  }, py::arg("cond"), py::arg("a"), py::arg("b"));

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
