// Bindings of the matmul family: matmul, linear (gemm_info lives in cpu/gemm.cpp).
#include "../cpu/matmul.h"
#include "registry.h"

namespace tl {

static void bind_matmul(pybind11::module_& m) {
  m.def("matmul", &matmul, pybind11::arg("a"), pybind11::arg("b"),
        "torch.matmul semantics (1-D, 2-D, batched with broadcast); strided operands read in place");
  m.def("linear", &linear, pybind11::arg("x"), pybind11::arg("w"), pybind11::arg("bias") = pybind11::none(),
        "x·wᵀ + bias, x (..., in), w (out, in), bias (out,) or None");
}
TL_REGISTER_BINDINGS(bind_matmul)

}  // namespace tl
