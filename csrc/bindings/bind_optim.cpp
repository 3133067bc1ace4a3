// Optimizer update kernels (csrc/cpu/optim.cpp).
#include "../cpu/optim.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_optim(py::module_& m) {
  m.def("sgd_step_",
        [](Array param, const Array& grad, std::optional<Array> buf, double lr, double momentum, double dampening,
           double weight_decay, bool nesterov, bool maximize, bool first_step) {
          sgd_step_(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step);
        },
        py::arg("param"), py::arg("grad"), py::arg("momentum_buf"), py::arg("lr"), py::arg("momentum") = 0.0,
        py::arg("dampening") = 0.0, py::arg("weight_decay") = 0.0, py::arg("nesterov") = false,
        py::arg("maximize") = false, py::arg("first_step") = false, "torch.optim.SGD update, in place");
  m.def("adam_step_",
        [](Array param, const Array& grad, Array exp_avg, Array exp_avg_sq, double lr, double beta1, double beta2,
           double eps, double weight_decay, bool decoupled, int64_t step, bool maximize) {
          adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step,
                     maximize);
        },
        py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"), py::arg("lr"),
        py::arg("beta1") = 0.9, py::arg("beta2") = 0.999, py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0,
        py::arg("decoupled_weight_decay") = false, py::arg("step") = 1, py::arg("maximize") = false,
        "torch.optim.Adam / AdamW (decoupled_weight_decay) update, in place");
}
TL_REGISTER_BINDINGS(bind_optim)

}  // namespace tl
