// Creation and random kernels (csrc/cpu/fill.cpp, csrc/cpu/random.cpp).
#include "../cpu/fill.h"
#include "../cpu/random.h"
#include "args.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static DType dtype_code(int code) {
  TL_CHECK(code >= 0 && code < kNumDTypes, TypeError, "unknown dtype code " << code);
  return (DType)code;
}

// torch.manual_seed takes any int in [-2**63, 2**64): negative seeds wrap to uint64.
static uint64_t seed_arg(py::handle seed) {
  int64_t v = 0;
  if (int64_from(seed, &v, "manual_seed", "seed")) return (uint64_t)v;
  unsigned long long u = PyLong_AsUnsignedLongLong(seed.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    TL_CHECK(false, RuntimeError, "manual_seed: seed " << py_repr(seed) << " is out of range [-2**63, 2**64)");
  }
  return (uint64_t)u;
}

static void bind_random(py::module_& m) {
  // A Python int value stays exact (int64: 2**60 + 1 is not rounded through a double; outside
  // int64: RuntimeError); a float goes through double.
  m.def("full",
        [](py::handle shape, py::handle value, int dtype) {
          Shape s = shape_arg(shape, "full");
          if (PyLong_Check(value.ptr())) {
            int64_t v = 0;
            if (int64_from(value, &v, "full", "value")) return full_int(s, v, dtype_code(dtype));
            TL_CHECK(dtype_code(dtype) != DType::Int64 && dtype_code(dtype) != DType::Bool, RuntimeError,
                     "full: value " << py_repr(value) << " cannot be converted to type "
                                    << dtype_name(dtype_code(dtype)) << " without overflow");
          }
          return full(s, value.cast<double>(), dtype_code(dtype));
        },
        py::arg("shape"), py::arg("value"), py::arg("dtype"));
  // Python ints for an int64 range are exact (arange(2**63 - 10, 2**63 - 1)); otherwise doubles.
  m.def("arange",
        [](py::handle start, py::handle stop, py::handle step, int dtype) {
          auto is_int = [](py::handle h) { return PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr()); };
          if (dtype_code(dtype) == DType::Int64 && is_int(start) && is_int(stop) && is_int(step))
            return arange_int(int_arg(start, "arange", "start"), int_arg(stop, "arange", "end"),
                              int_arg(step, "arange", "step"));
          return arange(start.cast<double>(), stop.cast<double>(), step.cast<double>(), dtype_code(dtype));
        },
        py::arg("start"), py::arg("stop"), py::arg("step"), py::arg("dtype"),
        "start + i·step for i < ceil((stop − start)/step)");
  // torch.Generator's state: (seed, offset of the next unused Philox block).
  py::class_<Generator>(m, "Generator")
      .def(py::init<>())
      .def("manual_seed", [](Generator& g, py::handle s) { g.manual_seed(seed_arg(s)); }, py::arg("seed"))
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
  m.def("manual_seed", [](py::handle seed) { manual_seed((int64_t)seed_arg(seed)); }, py::arg("seed"),
        "seed the default Philox generator (offset reset to 0)");
  m.def("initial_seed", &initial_seed);
  using G = Generator*;
  m.def("rand", [](py::handle shape, int dtype, G gen) { return rand(shape_arg(shape, "rand"), dtype_code(dtype), gen); },
        py::arg("shape"), py::arg("dtype"), py::arg("gen") = nullptr, "U[0, 1)");
  m.def("randn", [](py::handle shape, int dtype, G gen) { return randn(shape_arg(shape, "randn"), dtype_code(dtype), gen); },
        py::arg("shape"), py::arg("dtype"), py::arg("gen") = nullptr, "N(0, 1)");
  m.def("randint",
        [](py::handle low, py::handle high, py::handle shape, G gen) {
          return randint(int_arg(low, "randint", "low"), int_arg(high, "randint", "high"),
                         shape_arg(shape, "randint"), gen);
        },
        py::arg("low"), py::arg("high"), py::arg("shape"), py::arg("gen") = nullptr, "int64 in [low, high)");
  m.def("uniform_", [](Array x, double lo, double hi, G gen) { uniform_(x, lo, hi, gen); }, py::arg("x"),
        py::arg("lo"), py::arg("hi"), py::arg("gen") = nullptr);
  m.def("normal_", [](Array x, double mean, double std, G gen) { normal_(x, mean, std, gen); }, py::arg("x"),
        py::arg("mean"), py::arg("std"), py::arg("gen") = nullptr);
  m.def("randperm", [](py::handle n, G gen) { return randperm(int_arg(n, "randperm", "n"), gen); }, py::arg("n"),
        py::arg("gen") = nullptr);
  m.def("multinomial", [](const Array& p, int64_t n, bool replacement, G gen) {
    return nogil_if_large(p.numel(), [&] { return multinomial(p, n, replacement, gen); });
  }, py::arg("probs"), py::arg("num_samples"), py::arg("replacement"), py::arg("gen") = nullptr,
     "int64 category indices drawn from rows of weights");
  m.def("dropout", &dropout, py::arg("x"), py::arg("p"), "(y, mask): y = x·mask/(1−p), mask kept w.p. 1−p");
}
TL_REGISTER_BINDINGS(bind_random)

}  // namespace tl
