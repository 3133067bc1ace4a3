// optim.cu — fused optimizer updates, in place on contiguous parameter tensors.
//
// Math (torch.optim semantics), per element, g = grad (−grad when maximize):
//   SGD:  g += wd·p;  with momentum μ: buf = g on the first step, else buf = μ·buf + (1−τ)·g
//         (τ = dampening); g = g + μ·buf (nesterov) or buf;  p −= lr·g.
//   Adam: decoupled (AdamW): p ·= 1 − lr·wd, else g += wd·p;
//         m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
//         p −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps),   t = step (≥ 1).
// Shapes: param, grad, buffers all (n,) contiguous, same float dtype.
// Thread mapping: one thread per element, 1-D grid-stride; each thread reads and writes
// only its own element of every buffer, so the update is race-free and fully coalesced.
// Bias corrections are computed once on the host in double.
#include "common.cuh"

namespace tlc {

template <typename T>
__global__ void sgd_kernel(int64_t n, T* p, const T* grad, T* buf, T lr, T momentum, T dampening,
                           T wd, int nesterov, int maximize, int first_step) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    T g = maximize ? -grad[i] : grad[i];
    if (wd != T(0)) g += wd * p[i];
    if (buf) {
      T b = first_step ? g : momentum * buf[i] + (T(1) - dampening) * g;
      buf[i] = b;
      g = nesterov ? g + momentum * b : b;
    }
    p[i] -= lr * g;
  }
}

template <typename T>
__global__ void adam_kernel(int64_t n, T* p, const T* grad, T* m, T* v, T lr, T beta1, T beta2,
                            T eps, T wd, int decoupled, int maximize, T step_size,
                            T inv_sqrt_bc2) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    T g = maximize ? -grad[i] : grad[i];
    T w = p[i];
    if (wd != T(0)) {
      if (decoupled) w *= T(1) - lr * wd;
      else g += wd * w;
    }
    T mi = beta1 * m[i] + (T(1) - beta1) * g;
    T vi = beta2 * v[i] + (T(1) - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] = w - step_size * mi / (tl_sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_sgd_step(int dtype, int64_t n, void* param, const void* grad, void* momentum_buf,
                double lr, double momentum, double dampening, double weight_decay, int nesterov,
                int maximize, int first_step) {
  TLC_API_BEGIN
  if (n <= 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, "sgd_step_", [&] {
    sgd_kernel<scalar_t><<<grid_for(n), kThreads>>>(
        n, (scalar_t*)param, (const scalar_t*)grad, (scalar_t*)momentum_buf, (scalar_t)lr,
        (scalar_t)momentum, (scalar_t)dampening, (scalar_t)weight_decay, nesterov, maximize,
        first_step);
  });
  TLC_LAUNCHED("sgd_step_");
  TLC_API_END
}

int tl_adam_step(int dtype, int64_t n, void* param, const void* grad, void* exp_avg,
                 void* exp_avg_sq, double lr, double beta1, double beta2, double eps,
                 double weight_decay, int decoupled_weight_decay, int64_t step, int maximize) {
  TLC_API_BEGIN
  TLC_CHECK(step >= 1, TL_ERR_VALUE, "adam_step_: step must be >= 1, got " << step);
  if (n <= 0) return TL_OK;
  double bc1 = 1.0 - std::pow(beta1, (double)step);
  double bc2 = 1.0 - std::pow(beta2, (double)step);
  double step_size = lr / bc1, inv_sqrt_bc2 = 1.0 / std::sqrt(bc2);
  TLC_DISPATCH_FLOAT(dtype, "adam_step_", [&] {
    adam_kernel<scalar_t><<<grid_for(n), kThreads>>>(
        n, (scalar_t*)param, (const scalar_t*)grad, (scalar_t*)exp_avg, (scalar_t*)exp_avg_sq,
        (scalar_t)lr, (scalar_t)beta1, (scalar_t)beta2, (scalar_t)eps, (scalar_t)weight_decay,
        decoupled_weight_decay, maximize, (scalar_t)step_size, (scalar_t)inv_sqrt_bc2);
  });
  TLC_LAUNCHED("adam_step_");
  TLC_API_END
}

}  // extern "C"
