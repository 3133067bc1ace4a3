// Bindings of the fused Llama inference kernels (csrc/cpu/llama_ops.h): llama_rms_norm, llama_rope_,
// llama_attention, llama_silu_mul. Forward-only, float32, CPU; inputs are made contiguous except the
// arrays written in place (rope's x, the KV caches), which must already be.
#include "../cpu/llama_ops.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {
namespace {

Array f32(const Array& a, const char* op, const char* name) {
  check_cpu(a, op);
  TL_CHECK(a.dtype == DType::Float32, TypeError,
           op << ": expected " << name << " to be float32, got " << dtype_name(a.dtype));
  return a.contiguous();
}

void check_inplace(const Array& a, const char* op, const char* name) {
  f32(a, op, name);
  TL_CHECK(a.is_contiguous(), ValueError, op << ": " << name << " is written in place and must be contiguous");
}

Array rms_norm_op(const Array& x_, const Array& w_, double eps) {
  const char* op = "llama_rms_norm";
  Array x = f32(x_, op, "x"), w = f32(w_, op, "weight");
  TL_CHECK(x.ndim() >= 1 && w.ndim() == 1 && w.shape[0] == x.shape.back(), ValueError,
           op << ": weight " << shape_str(w.shape) << " does not match the last dim of x " << shape_str(x.shape));
  Array y = Array::empty(x.shape, DType::Float32);
  const int64_t D = x.shape.back(), T = D ? x.numel() / D : 0;
  py::gil_scoped_release nogil;
  llama::rms_norm(x.data<float>(), w.data<float>(), y.data<float>(), T, D, (float)eps);
  return y;
}

void rope_(Array& x, const Array& cos_, const Array& sin_, int64_t pos0) {
  const char* op = "llama_rope_";
  check_inplace(x, op, "x");
  Array c = f32(cos_, op, "cos"), s = f32(sin_, op, "sin");
  TL_CHECK(x.ndim() == 3 && x.shape[2] % 2 == 0, ValueError,
           op << ": expected x of shape (T, heads, head_dim) with an even head_dim, got " << shape_str(x.shape));
  const int64_t T = x.shape[0], H = x.shape[1], hd = x.shape[2];
  TL_CHECK(c.ndim() == 2 && c.shape == s.shape && c.shape[1] == hd / 2, ValueError,
           op << ": cos " << shape_str(c.shape) << " and sin " << shape_str(s.shape) << " must both be (positions, "
              << hd / 2 << ")");
  TL_CHECK(pos0 >= 0 && pos0 + T <= c.shape[0], IndexError,
           op << ": positions [" << pos0 << ", " << pos0 + T << ") are outside the table of " << c.shape[0]);
  py::gil_scoped_release nogil;
  llama::rope_(x.data<float>(), c.data<float>(), s.data<float>(), T, H, hd, pos0);
}

Array attention(const Array& q_, const Array& k_, const Array& v_, Array& kc, Array& vc, int64_t pos0) {
  const char* op = "llama_attention";
  Array q = f32(q_, op, "q"), k = f32(k_, op, "k"), v = f32(v_, op, "v");
  check_inplace(kc, op, "k_cache");
  check_inplace(vc, op, "v_cache");
  TL_CHECK(q.ndim() == 3 && k.ndim() == 3 && k.shape == v.shape && q.shape[0] == k.shape[0] &&
               q.shape[2] == k.shape[2],
           ValueError,
           op << ": expected q (T, heads, head_dim) and k, v (T, kv_heads, head_dim), got " << shape_str(q.shape)
              << ", " << shape_str(k.shape) << ", " << shape_str(v.shape));
  const int64_t T = q.shape[0], H = q.shape[1], Hkv = k.shape[1], hd = q.shape[2];
  TL_CHECK(Hkv > 0 && H % Hkv == 0, ValueError, op << ": " << H << " query heads are not a multiple of " << Hkv
                                                    << " key/value heads");
  TL_CHECK(kc.ndim() == 3 && kc.shape == vc.shape && kc.shape[0] == Hkv && kc.shape[2] == hd, ValueError,
           op << ": caches " << shape_str(kc.shape) << ", " << shape_str(vc.shape) << " must both be (" << Hkv
              << ", capacity, " << hd << ")");
  const int64_t cap = kc.shape[1];
  TL_CHECK(pos0 >= 0 && pos0 + T <= cap, IndexError,
           op << ": positions [" << pos0 << ", " << pos0 + T << ") do not fit a cache of " << cap);
  Array out = Array::empty(q.shape, DType::Float32);
  py::gil_scoped_release nogil;
  llama::attention(q.data<float>(), k.data<float>(), v.data<float>(), kc.data<float>(), vc.data<float>(),
                   out.data<float>(), T, H, Hkv, hd, cap, pos0);
  return out;
}

Array silu_mul(const Array& g_, const Array& u_) {
  const char* op = "llama_silu_mul";
  Array g = f32(g_, op, "gate"), u = f32(u_, op, "up");
  TL_CHECK(g.shape == u.shape, ValueError,
           op << ": gate " << shape_str(g.shape) << " and up " << shape_str(u.shape) << " differ");
  Array y = Array::empty(g.shape, DType::Float32);
  py::gil_scoped_release nogil;
  llama::silu_mul(g.data<float>(), u.data<float>(), y.data<float>(), g.numel());
  return y;
}

}  // namespace

static void bind_llama_ops(py::module_& m) {
  m.def("llama_rms_norm", &rms_norm_op, py::arg("x"), py::arg("weight"), py::arg("eps"),
        "y = x · rsqrt(mean(x², -1) + eps) · weight");
  m.def("llama_rope_", &rope_, py::arg("x"), py::arg("cos"), py::arg("sin"), py::arg("pos0"),
        "rotate pairs (2i, 2i+1) of x (T, heads, head_dim) in place; token t at position pos0 + t");
  m.def("llama_attention", &attention, py::arg("q"), py::arg("k"), py::arg("v"), py::arg("k_cache"),
        py::arg("v_cache"), py::arg("pos0"),
        "append k, v (T, kv_heads, hd) to the caches (kv_heads, capacity, hd) at pos0, then causal grouped-query "
        "attention of q (T, heads, hd) over positions [0, pos0 + t]");
  m.def("llama_silu_mul", &silu_mul, py::arg("gate"), py::arg("up"), "silu(gate) · up");
}
TL_REGISTER_BINDINGS(bind_llama_ops)

}  // namespace tl
