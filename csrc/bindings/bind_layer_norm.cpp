// Normalisation kernels: LayerNorm and RMSNorm (csrc/cpu/layer_norm.cpp).
#include "../cpu/layer_norm.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_layer_norm(py::module_& m) {
  m.def("layer_norm",
        [](const Array& x, const Shape& normalized_shape, std::optional<Array> weight, std::optional<Array> bias,
           double eps) {
          return nogil_if_large(x.numel(), [&] { return layer_norm(x, normalized_shape, weight, bias, eps); });
        },
        py::arg("x"), py::arg("normalized_shape"), py::arg("weight"), py::arg("bias"), py::arg("eps"),
        "(y, mean, rstd): y = (x − μ)/√(σ² + ε)·w + b over the trailing normalized_shape");
  m.def("layer_norm_backward",
        [](const Array& g, const Array& x, const Shape& normalized_shape, const Array& mean, const Array& rstd,
           std::optional<Array> weight, bool want_weight, bool want_bias) {
          return nogil_if_large(x.numel(), [&] {
            return layer_norm_backward(g, x, normalized_shape, mean, rstd, weight, want_weight, want_bias);
          });
        },
        py::arg("g"), py::arg("x"), py::arg("normalized_shape"), py::arg("mean"), py::arg("rstd"),
        py::arg("weight"), py::arg("want_weight"), py::arg("want_bias"),
        "(dx, dweight or None, dbias or None) of layer_norm");
  m.def("rms_norm",
        [](const Array& x, const Shape& normalized_shape, std::optional<Array> weight, double eps) {
          return nogil_if_large(x.numel(), [&] { return rms_norm(x, normalized_shape, weight, eps); });
        },
        py::arg("x"), py::arg("normalized_shape"), py::arg("weight"), py::arg("eps"),
        "(y, rstd): y = x/√(mean(x²) + ε)·w over the trailing normalized_shape");
  m.def("rms_norm_backward",
        [](const Array& g, const Array& x, const Shape& normalized_shape, const Array& rstd,
           std::optional<Array> weight, bool want_weight) {
          return nogil_if_large(x.numel(), [&] {
            return rms_norm_backward(g, x, normalized_shape, rstd, weight, want_weight);
          });
        },
        py::arg("g"), py::arg("x"), py::arg("normalized_shape"), py::arg("rstd"), py::arg("weight"),
        py::arg("want_weight"), "(dx, dweight or None) of rms_norm");
}
TL_REGISTER_BINDINGS(bind_layer_norm)

}  // namespace tl
