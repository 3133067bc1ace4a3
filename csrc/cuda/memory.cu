// memory.cu — device selection, allocation, copies, synchronization and the error channel
// of the C ABI.
//
// Allocation uses CUDA's stream-ordered pool allocator (cudaMallocAsync / cudaFreeAsync on
// the default stream) with the pool's release threshold raised to "keep everything": freed
// blocks are cached by the driver and reused without a device synchronization, which is
// what a training loop that frees and reallocates the same sizes every step needs (the
// host side uses its own caching allocator for the same reason). Frees are ordered after
// every kernel already queued on the default stream, so a tensor dropped by Python while a
// kernel still reads it is safe.
#include <mutex>
#include <string>

#include "common.cuh"

namespace tlc {

static thread_local std::string g_last_error;
void set_last_error(const std::string& msg) { g_last_error = msg; }

// One device word per device for index-error reporting (see common.cuh).
static int64_t* g_flag[64] = {nullptr};
static std::mutex g_flag_mu;

int64_t* index_error_flag() {
  int dev = 0;
  TLC_CUDA("index check", cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lk(g_flag_mu);
  if (!g_flag[dev]) TLC_CUDA("index check", cudaMalloc((void**)&g_flag[dev], sizeof(int64_t)));
  return g_flag[dev];
}
void reset_index_error(const char* op) {
  int64_t* f = index_error_flag();
  // 0xff bytes == -1 as int64
  TLC_CUDA(op, cudaMemsetAsync(f, 0xff, sizeof(int64_t), 0));
}
long long read_index_error(const char* op) {
  int64_t v = -1;
  TLC_CUDA(op, cudaMemcpy(&v, index_error_flag(), sizeof(int64_t), cudaMemcpyDeviceToHost));
  return (long long)v;
}

static bool g_pool_configured[64] = {false};
static bool g_use_async = true;

static void configure_pool(int dev) {
  if (dev < 0 || dev >= 64 || g_pool_configured[dev]) return;
  g_pool_configured[dev] = true;
  int supported = 0;
  if (cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, dev) != cudaSuccess ||
      !supported) {
    cudaGetLastError();
    g_use_async = false;
    return;
  }
  cudaMemPool_t pool;
  if (cudaDeviceGetDefaultMemPool(&pool, dev) == cudaSuccess) {
    uint64_t threshold = UINT64_MAX;
    cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold);
  }
  cudaGetLastError();
}

}  // namespace tlc

using namespace tlc;

extern "C" {

const char* tl_cuda_last_error(void) { return g_last_error.c_str(); }

int tl_cuda_device_count(int* count) {
  TLC_API_BEGIN
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {  // no driver / no device: report 0, not an error
    cudaGetLastError();
    n = 0;
  }
  *count = n;
  TLC_API_END
}

int tl_cuda_set_device(int index) {
  TLC_API_BEGIN
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) n = 0;
  TLC_CHECK(index >= 0 && index < n, TL_ERR_RUNTIME,
            "cuda: invalid device index " << index << " (" << n << " device(s) available)");
  TLC_CUDA("set_device", cudaSetDevice(index));
  TLC_API_END
}

int tl_cuda_get_device(int* index) {
  TLC_API_BEGIN
  TLC_CUDA("get_device", cudaGetDevice(index));
  TLC_API_END
}

int tl_cuda_synchronize(void) {
  TLC_API_BEGIN
  TLC_CUDA("synchronize", cudaDeviceSynchronize());
  TLC_API_END
}

int tl_cuda_mem_info(size_t* free_bytes, size_t* total_bytes) {
  TLC_API_BEGIN
  TLC_CUDA("mem_info", cudaMemGetInfo(free_bytes, total_bytes));
  TLC_API_END
}

int tl_cuda_malloc(size_t nbytes, void** out) {
  TLC_API_BEGIN
  int dev = 0;
  TLC_CUDA("malloc", cudaGetDevice(&dev));
  configure_pool(dev);
  if (nbytes == 0) nbytes = 1;  // a valid, unique pointer for empty arrays
  void* p = nullptr;
  cudaError_t e = g_use_async ? cudaMallocAsync(&p, nbytes, 0) : cudaMalloc(&p, nbytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    TLC_FAIL(TL_ERR_RUNTIME, "CUDA out of memory: tried to allocate " << nbytes << " bytes");
  }
  TLC_CUDA("malloc", e);
  *out = p;
  TLC_API_END
}

// torch.cuda.empty_cache: the pool keeps every freed block (release threshold "everything"); this
// waits for the frees already queued and trims the current device's default pool to what live
// allocations hold, giving the rest back to the driver. A no-op before the first allocation.
int tl_cuda_empty_cache(void) {
  TLC_API_BEGIN
  int dev = 0;
  TLC_CUDA("empty_cache", cudaGetDevice(&dev));
  if (g_use_async && dev >= 0 && dev < 64 && g_pool_configured[dev]) {
    TLC_CUDA("empty_cache", cudaDeviceSynchronize());
    cudaMemPool_t pool;
    TLC_CUDA("empty_cache", cudaDeviceGetDefaultMemPool(&pool, dev));
    TLC_CUDA("empty_cache", cudaMemPoolTrimTo(pool, 0));
  }
  TLC_API_END
}

// The deleter handed to _C.from_external: void(void*, size_t). Never throws.
void tl_cuda_free(void* ptr, size_t /*nbytes*/) {
  if (!ptr) return;
  cudaError_t e = g_use_async ? cudaFreeAsync(ptr, 0) : cudaFree(ptr);
  if (e != cudaSuccess) cudaGetLastError();  // e.g. at interpreter exit after driver shutdown
}

int tl_cuda_memcpy_h2d(void* dst, const void* src, size_t nbytes) {
  TLC_API_BEGIN
  if (nbytes) TLC_CUDA("to_device", cudaMemcpy(dst, src, nbytes, cudaMemcpyHostToDevice));
  TLC_API_END
}

int tl_cuda_memcpy_d2h(void* dst, const void* src, size_t nbytes) {
  TLC_API_BEGIN
  // cudaMemcpy to pageable host memory waits for all prior work on the default stream.
  if (nbytes) TLC_CUDA("to_host", cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToHost));
  TLC_API_END
}

int tl_cuda_memcpy_d2d(void* dst, const void* src, size_t nbytes) {
  TLC_API_BEGIN
  if (nbytes) TLC_CUDA("copy", cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, 0));
  TLC_API_END
}

int tl_cuda_memset(void* dst, int value, size_t nbytes) {
  TLC_API_BEGIN
  if (nbytes) TLC_CUDA("memset", cudaMemsetAsync(dst, value, nbytes, 0));
  TLC_API_END
}

}  // extern "C"
