// Normalisation kernels (csrc/cpu/norm.cpp).
#include "../cpu/norm.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_norm(py::module_& m) {
  m.def("batch_norm", &batch_norm, py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"),
        py::arg("running_var"), py::arg("use_batch_stats"), py::arg("momentum"), py::arg("eps"),
        "(y, mean, invstd): y = (x − μ_c)/√(σ²_c + ε)·w_c + b_c; batch stats update the running ones in place");
  m.def("batch_norm_backward", &batch_norm_backward, py::arg("x"), py::arg("g"), py::arg("weight"), py::arg("mean"),
        py::arg("invstd"), py::arg("use_batch_stats"), "(gx, gw, gb) of batch_norm");
  m.def("group_norm", &group_norm, py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("groups"),
        py::arg("eps"), "(y, mean (N, G), invstd (N, G)): statistics per sample and group of channels");
  m.def("group_norm_backward", &group_norm_backward, py::arg("x"), py::arg("g"), py::arg("weight"), py::arg("mean"),
        py::arg("invstd"), py::arg("groups"), "(gx, gw, gb) of group_norm");
}
TL_REGISTER_BINDINGS(bind_norm)

}  // namespace tl
