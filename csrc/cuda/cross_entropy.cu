// cross_entropy.cu — fused softmax + negative log-likelihood with label smoothing and
// ignore_index, forward and backward.
//
// Shapes: logits (N, C) contiguous, target (N,) int64, lse (N,), loss (N,) for reduction 0
// (none) or () for 1 (mean over non-ignored rows) and 2 (sum); dlogits (N, C).
// Math, per row i with t = target[i], ε = label_smoothing, q = (1−ε)·onehot(t) + ε/C:
//   lse_i  = m + log Σ_c exp(x_ic − m),  m = max_c x_ic
//   loss_i = −Σ_c q_c·log p_ic = (1−ε)·((m − x_it) + ls) + ε·(ls − (1/C)·Σ_c (x_ic − m)),
//            ls = log Σ_c exp(x_ic − m)    (0 if t == ignore_index)
//   dlogits_ic = g_i·(exp(x_ic − lse_i) − (1−ε)·[c == t] − ε/C)          (0 if ignored)
//   except for rows with |lse| ≥ 64, where lse has rounded ls away: there m and Σ = Σ_c exp(x_ic − m)
//   are recomputed (block reductions) and p_ic = exp(x_ic − m)/Σ, as in the CPU kernel
//   with g_i = grad_loss[i] (none), grad_loss[0] (sum), grad_loss[0] / #non-ignored (mean).
// Thread mapping: one 256-thread block per row (grid-stride over rows); threads stride over
// the C logits (coalesced), block-wide shuffle reductions for m, Σexp and Σx. The mean/sum
// reduction is a second single-block kernel over the N row losses (deterministic order).
// A target outside [0, C) (and not ignore_index) is recorded in a device flag; the host
// reads it back after the launch (one sync) and returns IndexError.
#include "common.cuh"

namespace tlc {

constexpr int CE_THREADS = 256;

template <typename T>
__global__ void ce_forward_kernel(int64_t N, int64_t C, const T* logits, const int64_t* target,
                                  int64_t ignore_index, T eps, T* row_loss, T* lse_out,
                                  int64_t* err) {
  __shared__ T sh[32];
  for (int64_t i = blockIdx.x; i < N; i += gridDim.x) {
    const T* x = logits + i * C;
    T m = neg_inf<T>();
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      T v = x[c];
      m = (v > m || is_nan(v)) ? v : m;
    }
    m = block_max(m, sh);
    T s = T(0), sx = T(0);  // sx = Σ_c (x_c − m): large logits cancel before they are summed
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      s += tl_exp(x[c] - m);
      sx += x[c] - m;
    }
    s = block_sum(s, sh);
    if (eps != T(0)) sx = block_sum(sx, sh);
    if (threadIdx.x == 0) {
      T ls = tl_log(s), lse = m + ls;
      lse_out[i] = lse;
      int64_t t = target[i];
      T loss = T(0);
      if (t != ignore_index) {
        if (t < 0 || t >= C) {
          atomicExch((unsigned long long*)err, (unsigned long long)t);
        } else {
          // m − x before + ls (torch's order): near 1e8, m + ls has rounded ls away in float32
          loss = (T(1) - eps) * ((m - x[t]) + ls);
          if (eps != T(0)) loss += eps * (ls - sx / (T)C);
        }
      }
      row_loss[i] = loss;
    }
  }
}

// loss[0] = Σ_i row_loss[i] (sum) or that over #non-ignored rows (mean); one block.
template <typename T>
__global__ void ce_reduce_kernel(int64_t N, const T* row_loss, const int64_t* target,
                                 int64_t ignore_index, int mean, T* loss) {
  __shared__ T sh[32];
  __shared__ int64_t shc[32];
  T s = T(0);
  int64_t cnt = 0;
  for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
    s += row_loss[i];
    cnt += target[i] != ignore_index;
  }
  s = block_sum(s, sh);
  cnt = block_sum(cnt, shc);
  if (threadIdx.x == 0) loss[0] = mean ? s / (T)cnt : s;  // all ignored: 0/0 = nan (torch)
}

// count[0] = #rows with target != ignore_index; one block.
__global__ void ce_count_kernel(int64_t N, const int64_t* target, int64_t ignore_index, int64_t* count) {
  __shared__ int64_t shc[32];
  int64_t cnt = 0;
  for (int64_t i = threadIdx.x; i < N; i += blockDim.x) cnt += target[i] != ignore_index;
  cnt = block_sum(cnt, shc);
  if (threadIdx.x == 0) count[0] = cnt;
}

template <typename T>
__global__ void ce_backward_kernel(int64_t N, int64_t C, const T* logits, const int64_t* target,
                                   const T* lse, const T* grad_loss, int64_t ignore_index, T eps,
                                   int reduction, const int64_t* count, T* dlogits, int64_t* err) {
  __shared__ T sh[32];
  for (int64_t i = blockIdx.x; i < N; i += gridDim.x) {
    const T* x = logits + i * C;
    T* dx = dlogits + i * C;
    int64_t t = target[i];
    bool ignored = (t == ignore_index);
    if (!ignored && (t < 0 || t >= C)) {
      if (threadIdx.x == 0) atomicExch((unsigned long long*)err, (unsigned long long)t);
      ignored = true;
    }
    T g = reduction == 0 ? grad_loss[i] : grad_loss[0];
    if (reduction == 1) g = g / (T)count[0];
    T l = lse[i], off = eps / (T)C, on = T(1) - eps, scale = T(1);
    if (!ignored && fabs((double)l) >= 64.0 && fabs((double)l) < INFINITY) {  // the same for the whole block
      T m = neg_inf<T>();
      for (int64_t c = threadIdx.x; c < C; c += blockDim.x) m = (x[c] > m || is_nan(x[c])) ? x[c] : m;
      m = block_max(m, sh);
      T s = T(0);
      for (int64_t c = threadIdx.x; c < C; c += blockDim.x) s += tl_exp(x[c] - m);
      s = block_sum(s, sh);
      l = m;
      scale = T(1) / s;
    }
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      if (ignored) {
        dx[c] = T(0);
      } else {
        T p = tl_exp(x[c] - l) * scale;
        dx[c] = g * (p - off - (c == t ? on : T(0)));
      }
    }
  }
}

static void check_index_flag(const char* op, int64_t C) {
  long long bad = read_index_error(op);
  TLC_CHECK(bad == -1, TL_ERR_INDEX,
            op << ": target " << bad << " is out of bounds for " << C << " classes");
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_cross_entropy(int dtype, int64_t N, int64_t C, const void* logits, const int64_t* target,
                     int64_t ignore_index, double label_smoothing, int reduction, void* loss,
                     void* lse) {
  TLC_API_BEGIN
  TLC_CHECK(reduction >= 0 && reduction <= 2, TL_ERR_VALUE, "cross_entropy: bad reduction " << reduction);
  TLC_CHECK(C > 0 || N == 0, TL_ERR_VALUE, "cross_entropy: zero classes");
  TLC_DISPATCH_FLOAT(dtype, "cross_entropy", [&] {
    scalar_t* row = (scalar_t*)loss;
    if (reduction != 0) {
      void* p = nullptr;
      TLC_CUDA("cross_entropy", cudaMallocAsync(&p, std::max<int64_t>(N, 1) * sizeof(scalar_t), 0));
      row = (scalar_t*)p;
    }
    if (N > 0) {
      reset_index_error("cross_entropy");
      unsigned blocks = (unsigned)std::min<int64_t>(N, 1 << 20);
      ce_forward_kernel<scalar_t><<<blocks, CE_THREADS>>>(
          N, C, (const scalar_t*)logits, target, ignore_index, (scalar_t)label_smoothing, row,
          (scalar_t*)lse, index_error_flag());
      TLC_LAUNCHED("cross_entropy");
    }
    if (reduction != 0) {
      ce_reduce_kernel<scalar_t><<<1, 1024>>>(N, row, target, ignore_index, reduction == 1,
                                               (scalar_t*)loss);
      TLC_LAUNCHED("cross_entropy");
      cudaFreeAsync(row, 0);
    }
    if (N > 0) check_index_flag("cross_entropy", C);
  });
  TLC_API_END
}

int tl_cross_entropy_backward(int dtype, int64_t N, int64_t C, const void* logits,
                              const int64_t* target, const void* lse, const void* grad_loss,
                              int64_t ignore_index, double label_smoothing, int reduction,
                              void* dlogits) {
  TLC_API_BEGIN
  TLC_CHECK(reduction >= 0 && reduction <= 2, TL_ERR_VALUE, "cross_entropy_backward: bad reduction " << reduction);
  if (N == 0 || C == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, "cross_entropy_backward", [&] {
    int64_t* count = nullptr;
    if (reduction == 1) {
      TLC_CUDA("cross_entropy_backward", cudaMallocAsync((void**)&count, sizeof(int64_t), 0));
      ce_count_kernel<<<1, 1024>>>(N, target, ignore_index, count);
    }
    reset_index_error("cross_entropy_backward");
    unsigned blocks = (unsigned)std::min<int64_t>(N, 1 << 20);
    ce_backward_kernel<scalar_t><<<blocks, CE_THREADS>>>(
        N, C, (const scalar_t*)logits, target, (const scalar_t*)lse, (const scalar_t*)grad_loss,
        ignore_index, (scalar_t)label_smoothing, reduction, count, (scalar_t*)dlogits,
        index_error_flag());
    TLC_LAUNCHED("cross_entropy_backward");
    if (count) cudaFreeAsync(count, 0);
    check_index_flag("cross_entropy_backward", C);
  });
  TLC_API_END
}

}  // extern "C"
