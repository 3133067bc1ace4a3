// NN kernels: softmax family and fused cross-entropy (csrc/cpu/softmax.cpp, cross_entropy.cpp).
#include "../cpu/cross_entropy.h"
#include "../cpu/softmax.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_nn(py::module_& m) {
  m.def("softmax", &softmax, py::arg("x"), py::arg("axis"),
        "y = exp(x − max) / Σ exp(x − max) along axis (stable)");
  m.def("log_softmax", &log_softmax, py::arg("x"), py::arg("axis"),
        "y = x − max − log Σ exp(x − max) along axis (stable)");
  m.def("softmax_backward", &softmax_backward, py::arg("y"), py::arg("g"), py::arg("axis"),
        "dx = y·(g − Σ g·y) along axis (y = softmax output)");
  m.def("log_softmax_backward", &log_softmax_backward, py::arg("y"), py::arg("g"), py::arg("axis"),
        "dx = g − exp(y)·Σ g along axis (y = log_softmax output)");
  m.def("cross_entropy", &cross_entropy, py::arg("logits"), py::arg("target"), py::arg("ignore_index") = -100,
        py::arg("label_smoothing") = 0.0, py::arg("reduction") = 1,
        "(loss, lse): reduction 0 none, 1 mean over non-ignored rows, 2 sum");
  m.def("cross_entropy_backward", &cross_entropy_backward, py::arg("logits"), py::arg("target"), py::arg("lse"),
        py::arg("grad_loss"), py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0,
        py::arg("reduction") = 1, "dlogits = g·(softmax − ((1−ε)·onehot + ε/C))");
}
TL_REGISTER_BINDINGS(bind_nn)

}  // namespace tl
