// Creation and random kernels (csrc/cpu/fill.cpp, csrc/cpu/random.cpp).
#include "../cpu/fill.h"
#include "../cpu/random.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static DType dtype_code(int code) {
  TL_CHECK(code >= 0 && code <= 3, TypeError, "unknown dtype code " << code);
  return (DType)code;
}

static void bind_random(py::module_& m) {
  m.def("full", [](const Shape& shape, double value, int dtype) { return full(shape, value, dtype_code(dtype)); },
        py::arg("shape"), py::arg("value"), py::arg("dtype"));
  m.def("arange",
        [](double start, double stop, double step, int dtype) { return arange(start, stop, step, dtype_code(dtype)); },
        py::arg("start"), py::arg("stop"), py::arg("step"), py::arg("dtype"),
        "start + i·step for i < ceil((stop − start)/step)");
  // torch.Generator's state: (seed, offset of the next unused Philox block).
  py::class_<Generator>(m, "Generator")
      .def(py::init<>())
      .def("manual_seed", [](Generator& g, int64_t s) { g.manual_seed((uint64_t)s); }, py::arg("seed"))
      .def("initial_seed", [](Generator& g) { std::lock_guard<std::mutex> l(g.mu); return (int64_t)g.seed; })
      .def("get_state", [](Generator& g) {
        std::lock_guard<std::mutex> l(g.mu);
        return std::make_pair((int64_t)g.seed, (int64_t)g.offset);
      })
      .def("set_state", [](Generator& g, int64_t seed, int64_t offset) {
        std::lock_guard<std::mutex> l(g.mu);
        g.seed = (uint64_t)seed;
        g.offset = (uint64_t)offset;
      }, py::arg("seed"), py::arg("offset"));
  m.def("default_generator", &default_generator, py::return_value_policy::reference,
        "the generator manual_seed seeds and draws without a generator use");
  m.def("manual_seed", &manual_seed, py::arg("seed"), "seed the default Philox generator (offset reset to 0)");
  m.def("initial_seed", &initial_seed);
  using G = Generator*;
  m.def("rand", [](const Shape& shape, int dtype, G gen) { return rand(shape, dtype_code(dtype), gen); },
        py::arg("shape"), py::arg("dtype"), py::arg("gen") = nullptr, "U[0, 1)");
  m.def("randn", [](const Shape& shape, int dtype, G gen) { return randn(shape, dtype_code(dtype), gen); },
        py::arg("shape"), py::arg("dtype"), py::arg("gen") = nullptr, "N(0, 1)");
  m.def("randint", [](int64_t lo, int64_t hi, const Shape& shape, G gen) { return randint(lo, hi, shape, gen); },
        py::arg("low"), py::arg("high"), py::arg("shape"), py::arg("gen") = nullptr, "int64 in [low, high)");
  m.def("uniform_", [](Array x, double lo, double hi, G gen) { uniform_(x, lo, hi, gen); }, py::arg("x"),
        py::arg("lo"), py::arg("hi"), py::arg("gen") = nullptr);
  m.def("normal_", [](Array x, double mean, double std, G gen) { normal_(x, mean, std, gen); }, py::arg("x"),
        py::arg("mean"), py::arg("std"), py::arg("gen") = nullptr);
  m.def("randperm", [](int64_t n, G gen) { return randperm(n, gen); }, py::arg("n"), py::arg("gen") = nullptr);
  m.def("multinomial", [](const Array& p, int64_t n, bool replacement, G gen) {
    return nogil_if_large(p.numel(), [&] { return multinomial(p, n, replacement, gen); });
  }, py::arg("probs"), py::arg("num_samples"), py::arg("replacement"), py::arg("gen") = nullptr,
     "int64 category indices drawn from rows of weights");
  m.def("dropout", &dropout, py::arg("x"), py::arg("p"), "(y, mask): y = x·mask/(1−p), mask kept w.p. 1−p");
}
TL_REGISTER_BINDINGS(bind_random)

}  // namespace tl
