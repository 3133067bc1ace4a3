// tinygrad_lite._C: the Array type, numpy interop, views, threads; then every kernel
// family's bindings (see registry.h). Python-facing errors are translated here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../core/allocator.h"
#include "../core/array.h"
#include "../core/parallel.h"
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
  }
  return py::dtype::of<float>();
}

DType dtype_from_numpy(const py::dtype& dt) {
  char k = dt.kind();
  size_t sz = dt.itemsize();
  if (k == 'f' && sz == 4) return DType::Float32;
  if (k == 'f' && sz == 8) return DType::Float64;
  if (k == 'i' && sz == 8) return DType::Int64;
  if (k == 'b') return DType::Bool;
  throw tl::TypeError("from_numpy: unsupported numpy dtype " + std::string(py::str(dt)) +
                      "; supported: float32, float64, int64, bool");
}

// Share a numpy array's memory (torch.from_numpy semantics): the storage holds a
// reference to the numpy array. Strides must be whole elements.
Array from_numpy(py::array arr) {
  DType dt = dtype_from_numpy(arr.dtype());
  int64_t isz = (int64_t)tl::dtype_size(dt);
  Shape shape(arr.ndim()), strides(arr.ndim());
  int64_t lo = 0, hi = 0;
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    shape[i] = arr.shape(i);
    TL_CHECK(arr.strides(i) % isz == 0, ValueError,
             "from_numpy: strides that are not a multiple of the element size are not supported");
    strides[i] = arr.strides(i) / isz;
    if (shape[i] > 0) {
      int64_t span = (shape[i] - 1) * strides[i];
      if (span < 0) lo += span; else hi += span;
    }
  }
  Array a;
  a.storage = std::make_shared<tl::Storage>();
  char* base = (char*)arr.data() + lo * isz;  // storage starts at the lowest element
  a.storage->data = base;
  a.storage->nbytes = (size_t)(hi - lo + 1) * isz;
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
  TL_CHECK(code >= 0 && code <= 3, TypeError, "unknown dtype code " << code);
  return (DType)code;
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "tinygrad_lite native core: arrays and CPU kernels";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
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
      .def("as_strided", &Array::as_strided, py::arg("shape"), py::arg("strides"), py::arg("offset"))
      .def("view", &Array::view)
      .def("reshape", &Array::reshape)
      .def("permute", &Array::permute)
      .def("transpose", &Array::transpose)
      .def("expand", &Array::expand)
      .def("unsqueeze", &Array::unsqueeze)
      .def("squeeze", &Array::squeeze)
      .def("slice", &Array::slice)
      .def("select", &Array::select)
      .def("contiguous", &Array::contiguous)
      .def("clone", &Array::clone)
      .def("astype", [](const Array& a, int code) { return a.astype(dtype_arg(code)); })
      .def("copy_", [](Array& a, const Array& src) { a.copy_from(src); });

  m.def("empty", [](const Shape& shape, int code) { return Array::empty(shape, dtype_arg(code)); },
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
  m.def("from_numpy", &from_numpy, "Share a numpy array's memory (no copy).");
  m.def("set_num_threads", &tl::set_num_threads);
  m.def("get_num_threads", &tl::get_num_threads);
  m.def("cached_bytes", &tl::host_cached_bytes, "bytes held by the host allocator's free-block cache");
  m.def("empty_cache", &tl::host_empty_cache);

  for (tl::BindFn fn : tl::bind_registry()) fn(m);
}
