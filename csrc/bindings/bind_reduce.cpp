// Python bindings for the reductions (csrc/cpu/reduce.cpp); argument order as in backend/interface.py.
// `axes` is a list of ints (empty: all axes); argmax/argmin take an int or None (flattened).
#include "../cpu/reduce.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {
namespace {

using Axes = std::vector<int64_t>;

void bind_reduce(py::module_& m) {
#define TL_RED(NAME, DOC)                                                          \
  m.def(#NAME, [](const Array& x, const Axes& axes, bool keepdim) {                \
    check_cpu(x, #NAME);                                                           \
    return nogil_if_large(x.numel(), [&] { return tl::NAME(x, axes, keepdim); });  \
  }, py::arg("x"), py::arg("axes"), py::arg("keepdim") = false, DOC);
  TL_RED(sum, "sum over axes (empty list: all); int64/bool -> int64")
  TL_RED(mean, "mean over axes (empty list: all); float only")
  TL_RED(max, "max over axes (empty list: all); NaN propagates")
  TL_RED(min, "min over axes (empty list: all); NaN propagates")
#undef TL_RED
  m.def("var", [](const Array& x, const Axes& axes, double correction, bool keepdim) {
    check_cpu(x, "var");
    return nogil_if_large(x.numel(), [&] { return tl::var(x, axes, correction, keepdim); });
  }, py::arg("x"), py::arg("axes"), py::arg("correction") = 1.0, py::arg("keepdim") = false,
     "sum((x - mean)^2) / (N - correction) over axes");
  m.def("argmax", [](const Array& x, std::optional<int64_t> axis, bool keepdim) {
    check_cpu(x, "argmax");
    return nogil_if_large(x.numel(), [&] { return tl::argmax(x, axis, keepdim); });
  }, py::arg("x"), py::arg("axis") = py::none(), py::arg("keepdim") = false, "first index of the max -> int64");
  m.def("argmin", [](const Array& x, std::optional<int64_t> axis, bool keepdim) {
    check_cpu(x, "argmin");
    return nogil_if_large(x.numel(), [&] { return tl::argmin(x, axis, keepdim); });
  }, py::arg("x"), py::arg("axis") = py::none(), py::arg("keepdim") = false, "first index of the min -> int64");
}

}  // namespace
TL_REGISTER_BINDINGS(bind_reduce)
}  // namespace tl
