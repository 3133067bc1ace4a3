#include "array.h"

#include <algorithm>
#include <cstring>

#include "allocator.h"
#include "strided_loop.h"

namespace tl {

Storage::~Storage() {
  if (!data || owner) return;
  if (deleter) deleter(data, nbytes);
  else host_free(data, nbytes);
}

int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t r;
  TL_CHECK(!__builtin_mul_overflow(a, b, &r), RuntimeError, what << " overflowed (" << a << " * " << b << ")");
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const char* what) {
  int64_t r;
  TL_CHECK(!__builtin_add_overflow(a, b, &r), RuntimeError, what << " overflowed (" << a << " + " << b << ")");
  return r;
}

Shape contiguous_strides(const Shape& shape) {
  Shape s(shape.size());
  int64_t acc = 1;
  bool overflow = false;
  for (int64_t i = (int64_t)shape.size() - 1; i >= 0; --i) {
    s[i] = acc;
    if (i > 0) overflow |= __builtin_mul_overflow(acc, std::max<int64_t>(shape[i], 1), &acc);
  }
  TL_CHECK(!overflow, RuntimeError, "Stride calculation overflowed with sizes=" << shape_str(shape));
  return s;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : shape) {
    if (d == 0) return 0;  // empty, whatever the other sizes
    overflow |= __builtin_mul_overflow(n, d, &n);
  }
  TL_CHECK(!overflow, RuntimeError, "Storage size calculation overflowed with sizes=" << shape_str(shape));
  return n;
}

size_t shape_nbytes(const Shape& shape, DType dtype) {
  int64_t nb;
  TL_CHECK(!__builtin_mul_overflow(shape_numel(shape), (int64_t)dtype_size(dtype), &nb), RuntimeError,
           "Storage size calculation overflowed with sizes=" << shape_str(shape) << " of " << dtype_name(dtype));
  return (size_t)nb;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TL_CHECK(da == db || da == 1 || db == 1, ValueError,
             op << ": shapes " << shape_str(a) << " and " << shape_str(b)
                << " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op) {
  int64_t n = std::max<int64_t>(ndim, 1);
  TL_CHECK(axis >= -n && axis < n, IndexError,
           op << ": dimension " << axis << " out of range for a tensor of " << ndim
              << " dimension(s)");
  return axis < 0 ? axis + n : axis;
}

Shape infer_shape(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      TL_CHECK(infer < 0, ValueError, op << ": only one dimension can be -1, got " << shape_str(shape));
      infer = (int64_t)i;
    } else {
      TL_CHECK(out[i] >= 0, ValueError, op << ": invalid size in shape " << shape_str(shape));
      TL_CHECK(!__builtin_mul_overflow(known, out[i], &known), RuntimeError,
               op << ": shape " << shape_str(shape) << " is invalid for input of size " << numel
                  << " (its number of elements overflows 64 bits)");
    }
  }
  if (infer >= 0) {
    TL_CHECK(known != 0 && numel % known == 0, ValueError,
             op << ": shape " << shape_str(shape) << " is invalid for input of size " << numel);
    out[infer] = numel / known;
  } else {
    TL_CHECK(known == numel, ValueError,
             op << ": shape " << shape_str(shape) << " is invalid for input of size " << numel);
  }
  return out;
}

Array Array::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape)
    TL_CHECK(d >= 0, ValueError, "empty: negative dimension in shape " << shape_str(shape));
  TL_CHECK(device.type == Device::CPU, RuntimeError,
           "empty: the native core allocates host memory only; " << device.str()
                                                                  << " memory comes from its backend");
  Array a;
  a.strides = contiguous_strides(shape);  // both throw RuntimeError on 64-bit overflow
  const size_t nbytes = shape_nbytes(shape, dtype);
  a.storage = std::make_shared<Storage>();
  a.storage->data = host_alloc(nbytes);
  a.storage->nbytes = nbytes;
  a.storage->device = device;
  a.shape = shape;
  a.dtype = dtype;
  return a;
}

Array Array::from_external(void* data, size_t nbytes, const Shape& shape, DType dtype,
                           Device device, void (*deleter)(void*, size_t)) {
  for (int64_t d : shape)
    TL_CHECK(d >= 0, ValueError, "from_external: negative dimension in shape " << shape_str(shape));
  TL_CHECK(shape_nbytes(shape, dtype) <= nbytes, ValueError,
           "from_external: " << nbytes << " bytes cannot hold shape " << shape_str(shape));
  Array a;
  a.storage = std::make_shared<Storage>();
  a.storage->data = data;
  a.storage->nbytes = nbytes;
  a.storage->device = device;
  a.storage->deleter = deleter;
  a.shape = shape;
  a.strides = contiguous_strides(shape);
  a.dtype = dtype;
  return a;
}

bool Array::is_contiguous() const {
  int64_t expect = 1;
  for (int64_t i = ndim() - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expect) return false;
    expect *= shape[i];
  }
  return true;
}

Array Array::as_strided(const Shape& new_shape, const Shape& new_strides, int64_t new_offset) const {
  TL_CHECK(new_shape.size() == new_strides.size(), ValueError,
           "as_strided: shape " << shape_str(new_shape) << " and strides " << shape_str(new_strides)
                                << " differ in length");
  // Bounds: the lowest and highest element addressed must lie inside the storage. A span
  // that overflows 64 bits cannot lie inside any storage.
  int64_t lo = new_offset, hi = new_offset;
  bool empty_view = false, overflow = false;
  for (size_t i = 0; i < new_shape.size(); ++i) {
    TL_CHECK(new_shape[i] >= 0, ValueError, "as_strided: negative size in " << shape_str(new_shape));
    if (new_shape[i] == 0) empty_view = true;
  }
  for (size_t i = 0; i < new_shape.size() && !empty_view; ++i) {
    int64_t span;
    overflow |= __builtin_mul_overflow(new_shape[i] - 1, new_strides[i], &span);
    overflow |= span < 0 ? __builtin_add_overflow(lo, span, &lo) : __builtin_add_overflow(hi, span, &hi);
  }
  if (empty_view) shape_numel(new_shape);  // still a countable shape (RuntimeError otherwise)
  int64_t cap = (int64_t)(storage->nbytes / itemsize());
  TL_CHECK(empty_view || (!overflow && lo >= 0 && hi < cap), IndexError,
           "as_strided: view of shape " << shape_str(new_shape) << " strides " << shape_str(new_strides)
                                        << " offset " << new_offset << " runs outside a storage of "
                                        << cap << " elements");
  Array a = *this;
  a.shape = new_shape;
  a.strides = new_strides;
  a.offset = new_offset;
  return a;
}

// A view with a new shape exists when each run of merged old dimensions maps onto a run
// of new dimensions with consistent strides (torch's computeStride). Returns false if not.
static bool view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& new_shape,
                         Shape& out) {
  out.assign(new_shape.size(), 0);
  bool contiguous = true;  // the common case: any shape of the same size is a view
  for (int64_t i = (int64_t)old_shape.size() - 1, expect = 1; i >= 0; --i) {
    if (old_shape[i] == 1) continue;
    if (old_strides[i] != expect) { contiguous = false; break; }
    expect *= old_shape[i];
  }
  if (contiguous || shape_numel(old_shape) == 0) {
    out = contiguous_strides(new_shape);
    return true;
  }
  int64_t view_d = (int64_t)new_shape.size() - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  // Products below are bounded by numel (checked) times a stride of a non-empty view; if one
  // still overflows (a stride far beyond any storage), answer "not a view" and let reshape copy.
  int64_t tensor_numel = 1, view_numel = 1, prod;
  for (int64_t d = (int64_t)old_shape.size() - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    if (__builtin_mul_overflow(tensor_numel, chunk_base_stride, &prod)) return false;
    if (d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != prod)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        if (__builtin_mul_overflow(view_numel, chunk_base_stride, &out[view_d])) return false;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

Array Array::view(const Shape& s) const {
  Shape ns = infer_shape(s, numel(), "view");
  Shape st;
  TL_CHECK(view_strides(shape, strides, ns, st), RuntimeError,
           "view: size " << shape_str(ns) << " is not compatible with input of shape " << shape_str(shape)
                         << " and strides " << shape_str(strides)
                         << " (at least one dimension spans two memory chunks); use reshape(...) instead");
  Array a = *this;
  a.shape = ns;
  a.strides = st;
  return a;
}

Array Array::reshape(const Shape& s) const {
  Shape ns = infer_shape(s, numel(), "reshape");
  Shape st;
  if (view_strides(shape, strides, ns, st)) {
    Array a = *this;
    a.shape = ns;
    a.strides = st;
    return a;
  }
  Array c = contiguous();
  c.shape = ns;
  c.strides = contiguous_strides(ns);
  return c;
}

Array Array::permute(const std::vector<int64_t>& dims) const {
  TL_CHECK((int64_t)dims.size() == ndim(), ValueError,
           "permute: expected " << ndim() << " dims for a tensor of shape " << shape_str(shape) << ", got "
                                << dims.size());
  std::vector<bool> seen(dims.size(), false);
  Array a = *this;
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = normalize_axis(dims[i], ndim(), "permute");
    TL_CHECK(!seen[d], ValueError, "permute: dimension " << d << " repeated");
    seen[d] = true;
    a.shape[i] = shape[d];
    a.strides[i] = strides[d];
  }
  return a;
}

Array Array::transpose(int64_t d0, int64_t d1) const {
  if (ndim() == 0) return *this;
  d0 = normalize_axis(d0, ndim(), "transpose");
  d1 = normalize_axis(d1, ndim(), "transpose");
  Array a = *this;
  std::swap(a.shape[d0], a.shape[d1]);
  std::swap(a.strides[d0], a.strides[d1]);
  return a;
}

Array Array::expand(const Shape& s) const {
  TL_CHECK(s.size() >= shape.size(), ValueError,
           "expand: cannot expand shape " << shape_str(shape) << " to " << shape_str(s));
  size_t lead = s.size() - shape.size();
  Array a = *this;
  a.shape.assign(s.size(), 0);
  a.strides.assign(s.size(), 0);
  for (size_t i = 0; i < s.size(); ++i) {
    if (i < lead) {
      TL_CHECK(s[i] >= 0, ValueError, "expand: invalid size in " << shape_str(s));
      a.shape[i] = s[i];
      continue;
    }
    int64_t old = shape[i - lead];
    int64_t want = s[i] == -1 ? old : s[i];
    TL_CHECK(want >= 0, ValueError, "expand: invalid size in " << shape_str(s));
    TL_CHECK(old == want || old == 1, ValueError,
             "expand: shape " << shape_str(shape) << " cannot be expanded to " << shape_str(s)
                              << " (size " << old << " at dim " << i - lead << ")");
    a.shape[i] = want;
    a.strides[i] = old == want ? strides[i - lead] : 0;
  }
  a.numel();  // RuntimeError if the expanded size overflows 64 bits
  return a;
}

Array Array::unsqueeze(int64_t dim) const {
  dim = normalize_axis(dim, ndim() + 1, "unsqueeze");
  Array a = *this;
  // The new size-1 dim's stride never moves a pointer; it only has to look contiguous.
  int64_t st = 1;
  if (dim < ndim() && __builtin_mul_overflow(shape[dim], strides[dim], &st)) st = 1;
  a.shape.insert(a.shape.begin() + dim, 1);
  a.strides.insert(a.strides.begin() + dim, st);
  return a;
}

Array Array::squeeze(int64_t dim) const {
  if (ndim() == 0) return *this;
  dim = normalize_axis(dim, ndim(), "squeeze");
  if (shape[dim] != 1) return *this;
  Array a = *this;
  a.shape.erase(a.shape.begin() + dim);
  a.strides.erase(a.strides.begin() + dim);
  return a;
}

Array Array::slice(int64_t dim, int64_t start, int64_t stop, int64_t step) const {
  TL_CHECK(ndim() > 0, IndexError, "slice: cannot slice a 0-d tensor");
  dim = normalize_axis(dim, ndim(), "slice");
  TL_CHECK(step > 0, ValueError, "slice: step must be positive, got " << step);
  int64_t n = shape[dim];
  auto clampi = [n](int64_t v) {
    if (v < 0) v += n;
    return std::min(std::max<int64_t>(v, 0), n);
  };
  start = clampi(start);
  stop = clampi(stop);
  const int64_t len = stop > start ? (stop - start - 1) / step + 1 : 0;  // ceil, without overflow
  Array a = *this;
  a.offset = offset + (len > 0 ? start * strides[dim] : 0);
  a.shape[dim] = len;
  // The new stride is stride·step, even when the slice keeps one element or none (torch's view
  // has it too): a product beyond int64 is refused, as torch does ("Negative strides"/"SymInt").
  int64_t st;
  TL_CHECK(!__builtin_mul_overflow(strides[dim], step, &st), RuntimeError,
           "slice: step " << step << " times the stride " << strides[dim] << " of dim " << dim
                          << " overflows int64 (shape " << shape_str(shape) << ")");
  a.strides[dim] = st;
  return a;
}

Array Array::select(int64_t dim, int64_t index) const {
  TL_CHECK(ndim() > 0, IndexError, "select: invalid index of a 0-dim tensor");
  dim = normalize_axis(dim, ndim(), "select");
  int64_t n = shape[dim];
  TL_CHECK(index >= -n && index < n, IndexError,
           "index " << index << " is out of bounds for dimension " << dim << " with size " << n);
  if (index < 0) index += n;
  Array a = *this;
  a.offset = offset + index * strides[dim];
  a.shape.erase(a.shape.begin() + dim);
  a.strides.erase(a.strides.begin() + dim);
  return a;
}

// dst[i] = convert<Dst>(src[i]) over any strides: the one copy kernel behind contiguous(),
// clone(), astype() and copy_from(). convert (dtype.h) defines NaN/inf/out-of-range float →
// int64 as INT64_MIN and reads bool bytes as != 0.
template <typename D, typename S>
static void copy_kernel(const Array& dst, const Array& src) {
  strided_loop<2>(dst.shape, {&dst.strides, &src.strides}, {(char*)dst.raw(), (char*)src.raw()},
                  {(int64_t)sizeof(D), (int64_t)sizeof(S)},
                  [](char** p, const int64_t* st, int64_t n) {
                    if (st[0] == sizeof(D) && st[1] == sizeof(S)) {
                      D* d = (D*)p[0];
                      const char* s = p[1];
                      for (int64_t i = 0; i < n; ++i) d[i] = convert<D>(load<S>(s + i * sizeof(S)));
                    } else {
                      for (int64_t i = 0; i < n; ++i)
                        *(D*)(p[0] + i * st[0]) = convert<D>(load<S>(p[1] + i * st[1]));
                    }
                  });
}

static void copy_any(const Array& dst, const Array& src) {
  TL_CHECK(dst.device().type == Device::CPU && src.device().type == Device::CPU, RuntimeError,
           "copy: the CPU core cannot copy " << src.device().str() << " -> " << dst.device().str());
  TL_DISPATCH_STORAGE(dst.dtype, "copy", [&] {
    using D = scalar_t;
    TL_DISPATCH_STORAGE(src.dtype, "copy", [&] { copy_kernel<D, scalar_t>(dst, src); });
  });
}

Array Array::contiguous() const {
  if (is_contiguous()) return *this;
  Array out = empty(shape, dtype, device());
  copy_any(out, *this);
  return out;
}

Array Array::clone() const {
  Array out = empty(shape, dtype, device());
  copy_any(out, *this);
  return out;
}

Array Array::astype(DType d) const {
  if (d == dtype) return *this;
  Array out = empty(shape, d, device());
  copy_any(out, *this);
  return out;
}

void Array::copy_from(const Array& src) {
  Shape b = broadcast_shapes(shape, src.shape, "copy_");
  TL_CHECK(b == shape, ValueError,
           "copy_: cannot copy a tensor of shape " << shape_str(src.shape) << " into one of shape "
                                                   << shape_str(shape));
  copy_any(*this, src.expand(shape));
}

}  // namespace tl
