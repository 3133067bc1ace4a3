// Python bindings for sorting, top-k and scans (csrc/cpu/sort.cpp); argument order as in
// backend/interface.py.
#include "../cpu/sort.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {
namespace {

void bind_sort(py::module_& m) {
  m.def("sort", [](const Array& x, int64_t axis, bool descending) {
    return nogil_if_large(x.numel(), [&] { return tl::sort(x, axis, descending); });
  }, py::arg("x"), py::arg("axis"), py::arg("descending"), "(values, int64 indices), stable; NaN sorts largest");
  m.def("topk", [](const Array& x, int64_t k, int64_t axis, bool largest) {
    return nogil_if_large(x.numel(), [&] { return tl::topk(x, k, axis, largest); });
  }, py::arg("x"), py::arg("k"), py::arg("axis"), py::arg("largest"),
     "(values, int64 indices) of the k largest (or smallest) along axis, ordered");
  m.def("kthvalue", [](const Array& x, int64_t k, int64_t axis) {
    return nogil_if_large(x.numel(), [&] { return tl::kthvalue(x, k, axis); });
  }, py::arg("x"), py::arg("k"), py::arg("axis"),
     "(value, int64 index) of the k-th smallest along axis (size 1 there), ties as torch's quick-select");
  m.def("cumsum", [](const Array& x, int64_t axis) {
    return nogil_if_large(x.numel(), [&] { return tl::cumsum(x, axis); });
  }, py::arg("x"), py::arg("axis"), "running sum along axis");
  m.def("cumprod", [](const Array& x, int64_t axis) {
    return nogil_if_large(x.numel(), [&] { return tl::cumprod(x, axis); });
  }, py::arg("x"), py::arg("axis"), "running product along axis");
  m.def("cumprod_backward", [](const Array& x, const Array& g, int64_t axis) {
    return nogil_if_large(x.numel(), [&] { return tl::cumprod_backward(x, g, axis); });
  }, py::arg("x"), py::arg("g"), py::arg("axis"), "∂L/∂x of y = cumprod(x) (zeros in x allowed)");
}

}  // namespace
TL_REGISTER_BINDINGS(bind_sort)
}  // namespace tl
