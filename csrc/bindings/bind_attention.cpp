// Attention kernels: fused scaled dot-product attention and the embedding backward
// (csrc/cpu/attention.cpp, embedding.cpp) — the transformer's own kernels.
#include "../cpu/attention.h"
#include "../cpu/embedding.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {

static void bind_attention(py::module_& m) {
  m.def("scaled_dot_product_attention",
        [](const Array& q, const Array& k, const Array& v, std::optional<Array> mask, double dropout_p,
           bool is_causal, double scale) {
          py::gil_scoped_release release;
          return scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal, scale);
        },
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("mask"), py::arg("dropout_p"), py::arg("is_causal"),
        py::arg("scale"),
        "(out, lse, rng): flash attention, q (Z, Hq, L, E), k (Z, Hk, S, E), v (Z, Hk, S, Ev)");
  m.def("scaled_dot_product_attention_backward",
        [](const Array& g, const Array& q, const Array& k, const Array& v, const Array& out, const Array& lse,
           std::optional<Array> mask, double dropout_p, bool is_causal, double scale, const Array& rng) {
          py::gil_scoped_release release;
          return scaled_dot_product_attention_backward(g, q, k, v, out, lse, mask, dropout_p, is_causal, scale, rng);
        },
        py::arg("g"), py::arg("q"), py::arg("k"), py::arg("v"), py::arg("out"), py::arg("lse"), py::arg("mask"),
        py::arg("dropout_p"), py::arg("is_causal"), py::arg("scale"), py::arg("rng"),
        "(dq, dk, dv) of scaled_dot_product_attention, recomputing the scores from q, k and lse");
  m.def("embedding_backward",
        [](const Array& g, const Array& idx, int64_t num_weights, int64_t padding_idx, bool scale_grad_by_freq) {
          return nogil_if_large(g.numel(), [&] {
            return embedding_backward(g, idx, num_weights, padding_idx, scale_grad_by_freq);
          });
        },
        py::arg("g"), py::arg("idx"), py::arg("num_weights"), py::arg("padding_idx"), py::arg("scale_grad_by_freq"),
        "dW (num_weights, D): rows of g scatter-added at idx (the padding row gets none)");
}
TL_REGISTER_BINDINGS(bind_attention)

}  // namespace tl
