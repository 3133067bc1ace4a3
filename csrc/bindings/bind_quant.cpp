// Bindings of the quantised products (csrc/cpu/quant.h): _C.QuantMatrix.
//
//   QuantMatrix(type, rows, cols, buffer)   W (rows, cols) in ggml type `type` (a code or a name:
//                                           "Q4_1", "Q8_0", "Q4_0", "F32", "F16", "BF16"), its bytes
//                                           in `buffer` (anything with the buffer protocol: a memoryview
//                                           of a memory-mapped GGUF, bytes, a numpy uint8 array). The
//                                           buffer is held, not copied.
//   .matmul(x)      x (..., cols) float32 -> (..., rows):  y = x · Wᵀ
//   .matmul_add_(x, out)   out += x · Wᵀ in place (a residual connection fused into the product)
//   .rows(ids)      ids (...) int64 (an Array or a list) -> (..., cols): dequantised rows (embedding)
//   .dequantize()   -> (rows, cols) float32 (tests; the model never calls it)
//   quant_matmul_many([W1, W2, ...], x)  -> [x · W1ᵀ, x · W2ᵀ, ...]: one job for a layer's q/k/v
//
// The core has no uint8 dtype, so the weights stay a Python buffer rather than an Array.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>

#include "../core/parallel.h"
#include "../cpu/quant.h"
#include "registry.h"

namespace py = pybind11;

namespace tl {
namespace {

using quant::QType;

// A Py_buffer held for the matrix's lifetime (a memory map cannot close while it is exported).
struct HeldBuffer {
  Py_buffer view{};
  bool held = false;
  explicit HeldBuffer(const py::object& obj) {
    if (PyObject_GetBuffer(obj.ptr(), &view, PyBUF_C_CONTIGUOUS) != 0) {
      PyErr_Clear();
      throw TypeError("QuantMatrix: `buffer` must support the buffer protocol and be C-contiguous (bytes, "
                      "memoryview, numpy uint8 array), got " + std::string(py::str(py::type::of(obj))));
    }
    held = true;
  }
  ~HeldBuffer() {
    if (held) {
      py::gil_scoped_acquire gil;
      PyBuffer_Release(&view);
    }
  }
  HeldBuffer(const HeldBuffer&) = delete;
  HeldBuffer& operator=(const HeldBuffer&) = delete;
};

struct QuantMatrix {
  QType type;
  std::string type_name;
  int64_t rows = 0, cols = 0;
  std::shared_ptr<HeldBuffer> buf;

  const uint8_t* data() const { return (const uint8_t*)buf->view.buf; }
  int64_t nbytes() const { return (int64_t)buf->view.len; }
};

int type_code(const py::object& t) {
  if (py::isinstance<py::str>(t)) {
    std::string s = t.cast<std::string>();
    for (int code : {0, 1, 2, 3, 8, 30}) {
      const char* name;
      quant::type_info(code, &name, nullptr, nullptr);
      if (s == name) return code;
    }
    throw ValueError("QuantMatrix: unsupported quantisation type '" + s +
                     "' (supported: Q4_0, Q4_1, Q8_0, F32, F16, BF16)");
  }
  if (py::isinstance<py::int_>(t)) return t.cast<int>();
  throw TypeError("QuantMatrix: `type` must be a ggml type name or code");
}

QuantMatrix make(const py::object& type, int64_t rows, int64_t cols, const py::object& buffer) {
  int code = type_code(type);
  const char* name = nullptr;
  int block = 0, size = 0;
  TL_CHECK(quant::type_info(code, &name, &block, &size), ValueError,
           "QuantMatrix: unsupported ggml type code " << code << " (supported: Q4_0=2, Q4_1=3, Q8_0=8, F32=0, "
                                                         "F16=1, BF16=30)");
  TL_CHECK(rows >= 0 && cols >= 0, ValueError,
           "QuantMatrix: expected a non-negative shape, got (" << rows << ", " << cols << ")");
  TL_CHECK(cols % block == 0, ValueError,
           "QuantMatrix: " << name << " rows are blocks of " << block << " values; cols = " << cols
                           << " is not a multiple of " << block);
  QuantMatrix q;
  q.type = (QType)code;
  q.type_name = name;
  q.rows = rows;
  q.cols = cols;
  q.buf = std::make_shared<HeldBuffer>(buffer);
  const int64_t need = rows * quant::row_bytes(q.type, cols);
  TL_CHECK(q.nbytes() == need, ValueError,
           "QuantMatrix: a (" << rows << ", " << cols << ") " << name << " matrix takes " << need
                              << " bytes, the buffer has " << q.nbytes());
  return q;
}

Array quant_matmul(const QuantMatrix& q, const Array& x) {
  check_cpu(x, "QuantMatrix.matmul");
  TL_CHECK(x.dtype == DType::Float32, TypeError,
           "QuantMatrix.matmul: expected a float32 input, got " << dtype_name(x.dtype));
  TL_CHECK(x.ndim() >= 1 && x.shape.back() == q.cols, ValueError,
           "QuantMatrix.matmul: input of shape " << shape_str(x.shape) << " does not end in the matrix's "
                                                 << q.cols << " columns (weight " << q.type_name << " ("
                                                 << q.rows << ", " << q.cols << "))");
  Array xc = x.contiguous();
  Shape out_shape = x.shape;
  out_shape.back() = q.rows;
  Array y = Array::empty(out_shape, DType::Float32);
  const int64_t M = q.cols ? xc.numel() / q.cols : shape_numel(Shape(x.shape.begin(), x.shape.end() - 1));
  {
    py::gil_scoped_release nogil;
    quant::matmul(q.type, q.data(), q.rows, q.cols, xc.data<float>(), M, y.data<float>());
  }
  return y;
}

// [x · W_iᵀ for each matrix]: matrices with the same number of columns sharing one input (q/k/v).
std::vector<Array> quant_matmul_many(const std::vector<const QuantMatrix*>& qs, const Array& x) {
  const char* op = "quant_matmul_many";
  TL_CHECK(!qs.empty(), ValueError, op << ": expected at least one matrix");
  check_cpu(x, op);
  TL_CHECK(x.dtype == DType::Float32, TypeError, op << ": expected a float32 input, got " << dtype_name(x.dtype));
  const int64_t K = qs[0]->cols;
  TL_CHECK(x.ndim() >= 1 && x.shape.back() == K, ValueError,
           op << ": input of shape " << shape_str(x.shape) << " does not end in the matrices' " << K << " columns");
  std::vector<Array> outs;
  std::vector<quant::Product> ps;
  for (const QuantMatrix* q : qs) {
    TL_CHECK(q != nullptr, TypeError, op << ": expected QuantMatrix objects");
    TL_CHECK(q->cols == K, ValueError,
             op << ": every matrix must have " << K << " columns, got one with " << q->cols);
    Shape s = x.shape;
    s.back() = q->rows;
    outs.push_back(Array::empty(s, DType::Float32));
    ps.push_back({q->type, q->data(), q->rows, outs.back().data<float>()});
  }
  Array xc = x.contiguous();
  const int64_t M = shape_numel(Shape(x.shape.begin(), x.shape.end() - 1));
  py::gil_scoped_release nogil;
  quant::matmul_many(ps.data(), (int)ps.size(), K, xc.data<float>(), M);
  return outs;
}

// out += x · Wᵀ in place (a residual add fused into the product): out (..., rows) contiguous float32.
void quant_matmul_add_(const QuantMatrix& q, const Array& x, Array& out) {
  const char* op = "QuantMatrix.matmul_add_";
  check_cpu(x, op);
  check_cpu(out, op);
  TL_CHECK(x.dtype == DType::Float32 && out.dtype == DType::Float32, TypeError,
           op << ": expected float32 x and out, got " << dtype_name(x.dtype) << " and " << dtype_name(out.dtype));
  TL_CHECK(x.ndim() >= 1 && x.shape.back() == q.cols, ValueError,
           op << ": input of shape " << shape_str(x.shape) << " does not end in the matrix's " << q.cols
              << " columns");
  Shape want = x.shape;
  want.back() = q.rows;
  TL_CHECK(out.shape == want && out.is_contiguous(), ValueError,
           op << ": out must be a contiguous " << shape_str(want) << ", got " << shape_str(out.shape)
              << (out.is_contiguous() ? "" : " (strided)"));
  const char *xb = (const char*)x.storage->data, *ob = (const char*)out.storage->data;
  TL_CHECK(xb + x.storage->nbytes <= ob || ob + out.storage->nbytes <= xb, ValueError,
           op << ": out must not share memory with x");
  Array xc = x.contiguous();
  const int64_t M = shape_numel(Shape(x.shape.begin(), x.shape.end() - 1));
  py::gil_scoped_release nogil;
  quant::matmul(q.type, q.data(), q.rows, q.cols, xc.data<float>(), M, out.data<float>(), true);
}

Array rows_of(const QuantMatrix& q, const Array& ids) {
  check_cpu(ids, "QuantMatrix.rows");
  TL_CHECK(ids.dtype == DType::Int64, TypeError,
           "QuantMatrix.rows: expected int64 ids, got " << dtype_name(ids.dtype));
  Array ic = ids.contiguous();
  const int64_t n = ic.numel();
  const int64_t* p = ic.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    TL_CHECK(p[i] >= 0 && p[i] < q.rows, IndexError,
             "QuantMatrix.rows: index " << p[i] << " is out of range for " << q.rows << " rows");
  Shape out_shape = ids.shape;
  out_shape.push_back(q.cols);
  Array out = Array::empty(out_shape, DType::Float32);
  {
    py::gil_scoped_release nogil;
    quant::rows(q.type, q.data(), q.cols, p, n, out.data<float>());
  }
  return out;
}

Array rows_list(const QuantMatrix& q, const std::vector<int64_t>& ids) {
  Array a = Array::empty({(int64_t)ids.size()}, DType::Int64);
  if (!ids.empty()) std::memcpy(a.data<int64_t>(), ids.data(), ids.size() * sizeof(int64_t));
  return rows_of(q, a);
}

}  // namespace

static void bind_quant(py::module_& m) {
  py::class_<QuantMatrix>(m, "QuantMatrix",
                          "W (rows, cols) in ggml blocks, held in a buffer (no copy); y = x · Wᵀ from the blocks")
      .def(py::init(&make), py::arg("type"), py::arg("rows"), py::arg("cols"), py::arg("buffer"))
      .def_property_readonly("type", [](const QuantMatrix& q) { return (int)q.type; })
      .def_property_readonly("type_name", [](const QuantMatrix& q) { return q.type_name; })
      .def_property_readonly("shape", [](const QuantMatrix& q) { return py::make_tuple(q.rows, q.cols); })
      .def_property_readonly("nbytes", &QuantMatrix::nbytes)
      .def_property_readonly("data_ptr", [](const QuantMatrix& q) { return (uintptr_t)q.data(); })
      .def("matmul", &quant_matmul, py::arg("x"), "x (..., cols) float32 -> x · Wᵀ (..., rows)")
      .def("matmul_add_", &quant_matmul_add_, py::arg("x"), py::arg("out"), "out += x · Wᵀ in place (out (..., rows))")
      .def("rows", &rows_of, py::arg("ids"), "ids (...) int64 -> the dequantised rows (..., cols)")
      .def("rows", &rows_list, py::arg("ids"))
      .def("dequantize",
           [](const QuantMatrix& q) {
             Array out = Array::empty({q.rows, q.cols}, DType::Float32);
             std::vector<int64_t> ids((size_t)q.rows);
             for (int64_t i = 0; i < q.rows; ++i) ids[i] = i;
             py::gil_scoped_release nogil;
             quant::rows(q.type, q.data(), q.cols, ids.data(), q.rows, out.data<float>());
             return out;
           },
           "the whole matrix as float32 (rows, cols)")
      .def("__repr__", [](const QuantMatrix& q) {
        return "QuantMatrix(" + q.type_name + ", " + std::to_string(q.rows) + ", " + std::to_string(q.cols) + ")";
      });
  m.def("quant_matmul_many", &quant_matmul_many, py::arg("matrices"), py::arg("x"),
        "[x · Wᵀ for W in matrices]: several QuantMatrix with the same columns sharing the input x (..., cols); "
        "one thread-pool job when decoding");
  m.def("quant_kernels", [] { return std::string(quant::kernels().name); },
        "the kernel set the quantised products use now (follows set_simd_level)");
}
TL_REGISTER_BINDINGS(bind_quant)

}  // namespace tl
