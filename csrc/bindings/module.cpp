// tinygrad_lite._C: the Array type, numpy interop, views, threads; then every kernel
// family's bindings (see registry.h). Python-facing errors are translated here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../core/allocator.h"
#include "../core/array.h"
#include "../core/parallel.h"
#include "args.h"
#include "registry.h"

namespace py = pybind11;
using tl::Array;
using tl::DType;
using tl::Shape;

namespace {

py::dtype np_dtype(DType d) {
  switch (d) {
    case DType::Float32: return py::dtype::of<float>();
    case DType::Float64: return py::dtype::of<double>();
    case DType::Int64: return py::dtype::of<int64_t>();
    case DType::Bool: return py::dtype::of<bool>();
    case DType::Float16: return py::dtype("float16");
    case DType::Int32: return py::dtype::of<int32_t>();
    case DType::Int16: return py::dtype::of<int16_t>();
    case DType::Int8: return py::dtype::of<int8_t>();
    case DType::UInt8: return py::dtype::of<uint8_t>();
    case DType::BFloat16: break;  // numpy has no bfloat16 (torch raises the same)
  }
  throw tl::TypeError(std::string("Got unsupported ScalarType ") + (d == DType::BFloat16 ? "BFloat16" : "?") +
                      ": numpy has no " + tl::dtype_name(d) + "; convert it first (.float())");
}

DType dtype_from_numpy(const py::dtype& dt) {
  char k = dt.kind();
  size_t sz = dt.itemsize();
  if (k == 'f' && sz == 4) return DType::Float32;
  if (k == 'f' && sz == 8) return DType::Float64;
  if (k == 'f' && sz == 2) return DType::Float16;
  if (k == 'i' && sz == 8) return DType::Int64;
  if (k == 'i' && sz == 4) return DType::Int32;
  if (k == 'i' && sz == 2) return DType::Int16;
  if (k == 'i' && sz == 1) return DType::Int8;
  if (k == 'u' && sz == 1) return DType::UInt8;
  if (k == 'b') return DType::Bool;
  throw tl::TypeError("from_numpy: unsupported numpy dtype " + std::string(py::str(dt)) +
                      "; supported: float64, float32, float16, int64, int32, int16, int8, uint8, bool");
}

py::array to_numpy(const Array& a);

// A new contiguous Array holding a copy of `arr`'s values (numpy does the strides, the byte
// order and the alignment); bool bytes other than 0/1 become 1.
Array copy_from_numpy(const py::array& arr, DType dt) {
  Shape shape(arr.shape(), arr.shape() + arr.ndim());
  Array out = Array::empty(shape, dt);
  if (out.numel() == 0) return out;
  py::module_ np = py::module_::import("numpy");
  py::array dst = to_numpy(out);
  if (dt == DType::Bool) np.attr("not_equal")(arr.attr("view")(np.attr("uint8")), 0, py::arg("out") = dst);
  else np.attr("copyto")(dst, arr);
  return out;
}

// True when a numpy bool array holds a byte other than 0 or 1 (numpy can make one with
// .view(bool) of uint8 data; a C++ bool with such a byte is undefined behaviour).
bool has_nonbinary_bytes(const py::array& arr) {
  py::module_ np = py::module_::import("numpy");
  if (arr.size() == 0) return false;
  py::object bytes = py::reinterpret_borrow<py::object>(arr).attr("view")(np.attr("uint8"));
  return np.attr("any")(np.attr("greater")(bytes, 1)).cast<bool>();
}

// Share a numpy array's memory (torch.from_numpy semantics): the storage holds a reference to
// the numpy array. Strides must be whole elements. Copied instead of shared, so that nothing
// written through the tensor can reach memory that must not change, or be misread:
//   - a read-only array (np.frombuffer of bytes, a memmap opened 'r', a broadcast view):
//     writing through it would mutate an immutable object or fault on a read-only page
//     (torch shares and warns; an in-place op then segfaults or corrupts bytes);
//   - a non-native byte order ('>f4' on x86): byteswapped into native order (torch refuses);
//   - a misaligned array (np.frombuffer at an odd offset): aligned loads are assumed;
//   - a bool array with bytes other than 0/1: normalised to 0/1.
Array from_numpy(py::array arr) {
  DType dt = dtype_from_numpy(arr.dtype());
  int64_t isz = (int64_t)tl::dtype_size(dt);
  py::object flags = arr.attr("flags");
  const bool shareable = arr.writeable() && arr.dtype().attr("isnative").cast<bool>() &&
                         flags.attr("aligned").cast<bool>() &&
                         !(dt == DType::Bool && has_nonbinary_bytes(arr));
  Shape shape(arr.ndim()), strides(arr.ndim());
  int64_t lo = 0, hi = 0;
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    shape[i] = arr.shape(i);
    TL_CHECK(!shareable || arr.strides(i) % isz == 0, ValueError,
             "from_numpy: strides that are not a multiple of the element size are not supported");
    strides[i] = arr.strides(i) / isz;
    if (shape[i] > 0) {
      int64_t span = (shape[i] - 1) * strides[i];
      if (span < 0) lo += span; else hi += span;
    }
  }
  if (!shareable) return copy_from_numpy(arr, dt);
  Array a;
  a.storage = std::make_shared<tl::Storage>();
  char* base = (char*)arr.data() + lo * isz;  // storage starts at the lowest element
  a.storage->data = base;
  a.storage->nbytes = arr.size() == 0 ? 0 : (size_t)(hi - lo + 1) * isz;
  py::object keep = arr;
  a.storage->owner = std::shared_ptr<void>(new py::object(keep), [](void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<py::object*>(p);
  });
  a.shape = shape;
  a.strides = strides;
  a.offset = -lo;
  a.dtype = dt;
  return a;
}

// A numpy view of a CPU array's memory; the numpy array keeps the Array alive.
py::array to_numpy(const Array& a) {
  TL_CHECK(a.device().type == tl::Device::CPU, TypeError,
           "can't convert " << a.device().str() << " tensor to numpy; copy it to the CPU first (.cpu())");
  std::vector<py::ssize_t> shape(a.shape.begin(), a.shape.end()), strides(a.ndim());
  for (int64_t i = 0; i < a.ndim(); ++i) strides[i] = a.strides[i] * (int64_t)a.itemsize();
  return py::array(np_dtype(a.dtype), shape, strides, a.raw(), py::cast(a));
}

DType dtype_arg(int code) {
  TL_CHECK(code >= 0 && code < tl::kNumDTypes, TypeError, "unknown dtype code " << code);
  return (DType)code;
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "tinygrad_lite native core: arrays and CPU kernels";

  // Out of memory: one class that `except RuntimeError` (torch's OutOfMemoryError is one) and
  // `except MemoryError` both catch.
  static PyObject* oom = PyErr_NewExceptionWithDoc(
      "tinygrad_lite._C.OutOfMemoryError", "Host memory for a tensor could not be allocated.",
      py::make_tuple(py::handle(PyExc_RuntimeError), py::handle(PyExc_MemoryError)).release().ptr(), nullptr);
  if (!oom) throw py::error_already_set();
  m.attr("OutOfMemoryError") = py::handle(oom);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tl::OutOfMemoryError& e) {
      PyErr_SetString(oom, e.what());
    } catch (const tl::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const tl::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const tl::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const tl::RuntimeError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  // dtype codes shared with python: tinygrad_lite/dtypes.py
  m.attr("FLOAT32") = (int)DType::Float32;
  m.attr("FLOAT64") = (int)DType::Float64;
  m.attr("INT64") = (int)DType::Int64;
  m.attr("BOOL") = (int)DType::Bool;
  m.attr("FLOAT16") = (int)DType::Float16;
  m.attr("BFLOAT16") = (int)DType::BFloat16;
  m.attr("INT32") = (int)DType::Int32;
  m.attr("INT16") = (int)DType::Int16;
  m.attr("INT8") = (int)DType::Int8;
  m.attr("UINT8") = (int)DType::UInt8;
  m.def("promote_types", [](int a, int b) { return (int)tl::promote(dtype_arg(a), dtype_arg(b)); },
        "torch.promote_types on dtype codes (csrc/core/dtype.h)");

  py::class_<Array>(m, "Array")
      .def_property_readonly("shape", [](const Array& a) {
        py::tuple t(a.shape.size());
        for (size_t i = 0; i < a.shape.size(); ++i) t[i] = py::int_(a.shape[i]);
        return t;
      })
      .def_property_readonly("strides", [](const Array& a) { return py::tuple(py::cast(a.strides)); })
      .def_readonly("offset", &Array::offset)
      .def_property_readonly("dtype", [](const Array& a) { return (int)a.dtype; })
      .def_property_readonly("device", [](const Array& a) { return a.device().str(); })
      .def_property_readonly("ndim", &Array::ndim)
      .def_property_readonly("numel", &Array::numel)
      .def_property_readonly("nbytes", [](const Array& a) { return a.storage->nbytes; })
      .def_property_readonly("data_ptr", [](const Array& a) { return (uintptr_t)a.raw(); })
      .def_property_readonly("storage_ptr", [](const Array& a) { return (uintptr_t)a.storage->data; })
      .def_property("write_epoch", [](const Array& a) { return a.storage->write_epoch; },
                    [](Array& a, int64_t e) { a.storage->write_epoch = e; })
      .def_property("graph_epoch", [](const Array& a) { return a.storage->graph_epoch; },
                    [](Array& a, int64_t e) { a.storage->graph_epoch = e; })
      .def("is_contiguous", &Array::is_contiguous)
      .def("numpy", &to_numpy)
      .def("as_strided",
           [](const Array& a, py::handle shape, py::handle strides, py::handle offset) {
             return a.as_strided(tl::shape_arg(shape, "as_strided"), tl::shape_arg(strides, "as_strided"),
                                 tl::int_arg(offset, "as_strided", "offset"));
           },
           py::arg("shape"), py::arg("strides"), py::arg("offset"))
      .def("view", [](const Array& a, py::handle s) { return a.view(tl::shape_arg(s, "view")); })
      .def("reshape", [](const Array& a, py::handle s) { return a.reshape(tl::shape_arg(s, "reshape")); })
      .def("permute",
           [](const Array& a, py::handle dims) {
             Shape d = tl::shape_arg(dims, "permute");  // a list of ints, each in int64
             return a.permute(d);
           })
      .def("transpose",
           [](const Array& a, py::handle d0, py::handle d1) {
             return a.transpose(tl::dim_arg(d0, "transpose"), tl::dim_arg(d1, "transpose"));
           })
      .def("expand", [](const Array& a, py::handle s) { return a.expand(tl::shape_arg(s, "expand")); })
      .def("unsqueeze", [](const Array& a, py::handle d) { return a.unsqueeze(tl::dim_arg(d, "unsqueeze")); })
      .def("squeeze", [](const Array& a, py::handle d) { return a.squeeze(tl::dim_arg(d, "squeeze")); })
      // Slice bounds outside int64 are clamped like any other out-of-range bound (x[2**63:] is empty).
      .def("slice",
           [](const Array& a, py::handle dim, py::handle start, py::handle stop, py::handle step) {
             return a.slice(tl::dim_arg(dim, "slice"), tl::clamped_int(start, "slice", "start"), tl::clamped_int(stop, "slice", "stop"),
                            tl::clamped_int(step, "slice", "step"));
           })
      .def("select",
           [](const Array& a, py::handle dim_obj, py::handle index) {
             const int64_t dim = tl::dim_arg(dim_obj, "select");
             int64_t i = 0;
             TL_CHECK(tl::int64_from(index, &i, "select", "index"), IndexError,
                      "index " << tl::py_repr(index) << " is out of bounds for dimension " << dim);
             return a.select(dim, i);
           })
      .def("contiguous", &Array::contiguous)
      .def("clone", &Array::clone)
      .def("astype", [](const Array& a, int code) { return a.astype(dtype_arg(code)); })
      .def("copy_", [](Array& a, const Array& src) { a.copy_from(src); });

  m.def("empty", [](py::handle shape, int code) { return Array::empty(tl::shape_arg(shape, "empty"), dtype_arg(code)); },
        py::arg("shape"), py::arg("dtype"));
  // Data-touching layout ops as functions too: the backend interface is the same names
  // on every device (see backend/interface.py).
  m.def("contiguous", [](const Array& a) { return a.contiguous(); });
  m.def("clone", [](const Array& a) { return a.clone(); });
  m.def("astype", [](const Array& a, int code) { return a.astype(dtype_arg(code)); });
  m.def("copy_", [](Array& dst, const Array& src) { dst.copy_from(src); });
  m.def("from_external",
        [](uintptr_t ptr, size_t nbytes, const Shape& shape, int code, int device_index, uintptr_t deleter) {
          return Array::from_external((void*)ptr, nbytes, shape, dtype_arg(code),
                                      tl::Device{tl::Device::CUDA, device_index},
                                      (void (*)(void*, size_t))deleter);
        },
        "Wrap device memory allocated by a backend library; `deleter` is the address of a "
        "C function void(void*, size_t) that frees it.");
  m.def("from_numpy", &from_numpy,
        "Share a numpy array's memory (no copy), as torch.from_numpy; a read-only, non-native byte order, "
        "misaligned, or bool-with-bytes-other-than-0/1 array is copied instead (see module.cpp).");
  m.def("set_num_threads", &tl::set_num_threads);
  m.def("get_num_threads", &tl::get_num_threads);
  m.def("cached_bytes", &tl::host_cached_bytes, "bytes held by the host allocator's free-block cache");
  m.def("empty_cache", &tl::host_empty_cache,
        "give every cached free block back to the system (tensors in use are untouched)");
  m.def("allocator_stats", [] {
    tl::HostAllocStats s = tl::host_alloc_stats();
    py::dict d;
    d["live"] = s.live;
    d["peak"] = s.peak;
    d["cached"] = s.cached;
    d["limit"] = s.limit;
    d["system"] = s.system;
    d["exact"] = s.exact;
    return d;
  }, "host allocator: live, peak, cached, limit (the cache's current bound), system bytes; exact mode");

  for (tl::BindFn fn : tl::bind_registry()) fn(m);
}
