// Indexing kernels (csrc/cpu/index.cpp).
#include "../cpu/index.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_index(py::module_& m) {
  m.def("index_select", &index_select, py::arg("x"), py::arg("axis"), py::arg("idx"),
        "out[..., k, ...] = x[..., idx[k], ...] (idx 1-D int64; embedding lookup)");
  m.def("index_add", &index_add, py::arg("shape"), py::arg("axis"), py::arg("idx"), py::arg("src"),
        "zeros(shape) with src[..., k, ...] added at [..., idx[k], ...] (repeats accumulate)");
  m.def("gather", &gather, py::arg("x"), py::arg("axis"), py::arg("idx"), "torch.gather");
  m.def("scatter_add", &scatter_add, py::arg("shape"), py::arg("axis"), py::arg("idx"), py::arg("src"),
        "zeros(shape).scatter_add_(axis, idx, src)");
  m.def("scatter", &scatter, py::arg("x"), py::arg("axis"), py::arg("idx"), py::arg("src"),
        "a copy of x with src written at idx along axis (torch.scatter)");
  m.def("cat", &cat, py::arg("xs"), py::arg("axis"), "concatenate along axis");
  m.def("nonzero", &nonzero, py::arg("x"), "(K, ndim) int64 coordinates of the non-zero elements");
}
TL_REGISTER_BINDINGS(bind_index)

}  // namespace tl
