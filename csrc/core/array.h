// Array: the core's tensor value. A reference-counted Storage (bytes on a device) viewed
// through (shape, strides, offset, dtype). Strides and offset count elements, not bytes,
// as in torch. Views (reshape of a contiguous array, permute, expand, slicing, select)
// share the storage and copy nothing; `contiguous()` copies only when it must.
//
// This is the one type every kernel takes and returns, on every device: CPU kernels live
// in csrc/cpu, CUDA kernels in csrc/cuda, with the same names.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dtype.h"
#include "errors.h"

namespace tl {

using Shape = std::vector<int64_t>;

struct Device {
  enum Type : uint8_t { CPU = 0, CUDA = 1 };
  Type type = CPU;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return type == CPU ? "cpu" : "cuda:" + std::to_string(index); }
};

// Bytes on a device. CPU storage comes from host_alloc; device storage is allocated
// outside the core (the CUDA library) and handed over with its own deleter.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  void (*deleter)(void* data, size_t nbytes) = nullptr;  // null: host_free
  // When set, `owner` keeps foreign memory alive (a numpy array shared by from_numpy)
  // and neither deleter nor host_free runs: dropping the owner releases it.
  std::shared_ptr<void> owner;
  // The autograd in-place write counter (tinygrad_lite/autograd/versions.py) at the last
  // in-place write to these bytes, and at the last one autograd recorded in the graph.
  int64_t write_epoch = 0;
  int64_t graph_epoch = 0;
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();
};

Shape contiguous_strides(const Shape& shape);
int64_t shape_numel(const Shape& shape);
// Broadcast two shapes by numpy's rule (align right; sizes equal or one of them 1).
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Map a possibly negative axis into [0, ndim); IndexError naming the op otherwise.
int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op);

struct Array {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;
  int64_t offset = 0;
  DType dtype = DType::Float32;

  // A new, uninitialised, contiguous array.
  static Array empty(const Shape& shape, DType dtype, Device device = Device());
  // Wrap memory allocated elsewhere (a CUDA buffer): the storage calls `deleter` when freed.
  static Array from_external(void* data, size_t nbytes, const Shape& shape, DType dtype,
                             Device device, void (*deleter)(void*, size_t));

  int64_t ndim() const { return (int64_t)shape.size(); }
  int64_t numel() const { return shape_numel(shape); }
  size_t itemsize() const { return dtype_size(dtype); }
  const Device& device() const { return storage->device; }
  bool is_contiguous() const;
  // Pointer to element [0, 0, ...] (the storage pointer plus the offset).
  void* raw() const { return (char*)storage->data + offset * (int64_t)itemsize(); }
  template <typename T> T* data() const { return reinterpret_cast<T*>(raw()); }

  // ---- views: no copy ----
  Array as_strided(const Shape& shape, const Shape& strides, int64_t offset) const;
  Array view(const Shape& shape) const;  // -1 allowed once; throws if strides forbid it
  Array permute(const std::vector<int64_t>& dims) const;
  Array transpose(int64_t d0, int64_t d1) const;
  Array expand(const Shape& shape) const;  // broadcast: size-1 dims get stride 0
  Array unsqueeze(int64_t dim) const;
  Array squeeze(int64_t dim) const;          // drops dim if its size is 1
  Array slice(int64_t dim, int64_t start, int64_t stop, int64_t step) const;  // python semantics
  Array select(int64_t dim, int64_t index) const;  // x[..., index, ...], drops dim

  // ---- may copy ----
  Array reshape(const Shape& shape) const;  // a view when possible, else a contiguous copy
  Array contiguous() const;                 // this, if already contiguous
  Array clone() const;                      // always a fresh contiguous copy
  Array astype(DType dtype) const;          // a copy converted to dtype (this if same dtype)
  // this[...] = src, broadcasting src to this->shape and converting its dtype (in place).
  void copy_from(const Array& src);
};

// Resolve a shape that may hold one -1 against numel; ValueError naming `op` if impossible.
Shape infer_shape(const Shape& shape, int64_t numel, const char* op);

}  // namespace tl
