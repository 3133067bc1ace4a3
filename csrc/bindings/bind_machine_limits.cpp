// Bindings of the machine-limit loops (csrc/cpu/machine_limits.cpp) the benchmark suite measures first.
#include "../cpu/machine_limits.h"
#include "registry.h"

namespace tl {

static void bind_machine_limits(pybind11::module_& m) {
  namespace py = pybind11;
  m.def("fma_peak_gflops",
        [](int threads, double seconds, int reps) {
          py::gil_scoped_release nogil;
          return fma_peak_gflops(threads, seconds, reps);
        },
        py::arg("threads") = 1, py::arg("seconds") = 0.05, py::arg("reps") = 3,
        "FP32 FMA peak in GFLOP/s on `threads` threads: the best of `reps` runs of a loop of independent "
        "FMA accumulators held in vector registers, each run lasting about `seconds`.");
  m.def("stream_triad_gbps",
        [](int64_t n_bytes, int threads, int reps) {
          py::gil_scoped_release nogil;
          return stream_triad_gbps(n_bytes, threads, reps);
        },
        py::arg("n_bytes"), py::arg("threads") = 1, py::arg("reps") = 3,
        "STREAM triad a[i] = b[i] + s*c[i] over three float32 arrays of `n_bytes` bytes each, on `threads` "
        "threads; GB/s (1e9 bytes) counting 3 arrays, best of `reps` runs after one warm-up.");
}
TL_REGISTER_BINDINGS(bind_machine_limits)

}  // namespace tl
