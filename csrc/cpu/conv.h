// 2-D convolution (cross-correlation, as torch) and its two backward products, plus the
// im2col / col2im pair they are built on (also torch's F.unfold / F.fold).
//
// Shapes (G groups, Cg = C/G input channels and Og = O/G output channels per group):
//   x (N, C, H, W)   w (O, Cg, KH, KW)   b (O,)   y (N, O, OH, OW)
//   OH = ⌊(H + 2·ph − dh·(KH − 1) − 1) / sh⌋ + 1   (likewise OW)
//   y[n, o, i, j] = b[o] + Σ_{c<Cg, p<KH, q<KW} w[o, c, p, q] · x[n, g·Cg + c, i·sh − ph + p·dh, j·sw − pw + q·dw]
//   with g = ⌊o / Og⌋ and x = 0 outside the image (zero padding).
// Backward, from g = ∂L/∂y:
//   ∂L/∂x = conv2d_backward_input(g, w)  = the transposed convolution of g (col2im of wᵀ·g)
//   ∂L/∂w = conv2d_backward_weight(x, g) = Σ_n g[n] · im2col(x[n])ᵀ
//   ∂L/∂b = Σ_{n,i,j} g[n, o, i, j]      (a plain sum; not here)
// conv_transpose2d(x, w) is conv2d_backward_input(x, w) with the output size asked for.
//
// Algorithms (conv.cpp picks per call, by shape; figures in the README):
//   gemm:   im2col of one sample into (Cg·KH·KW, OH·OW) columns, then y = W·cols with the
//           packed GEMM (gemm.h); a 1×1 stride-1 unpadded kernel reads x in place.
//   direct: conv_direct.cpp — per (sample, output channel) plane, taps accumulated as
//           vector rows (depthwise, and few input channels where im2col would dominate).
// Samples are spread over the threads; the GEMMs inside run on one thread each, except
// for batch 1, where the GEMM threads itself.
#pragma once
#include <algorithm>
#include <optional>
#include <vector>

#include "../core/allocator.h"
#include "../core/array.h"
#include "../core/parallel.h"
#include "gemm.h"

namespace tl {

// The geometry of one convolution, checked: every size positive, channels divisible by
// groups, the kernel no larger than the padded input.
struct ConvGeom {
  int64_t N, C, H, W;     // input
  int64_t O, KH, KW;      // weight (O, C/G, KH, KW)
  int64_t OH, OW;         // output
  int64_t sh, sw, ph, pw, dh, dw, G;
  int64_t Cg() const { return C / G; }
  int64_t Og() const { return O / G; }
  int64_t K() const { return Cg() * KH * KW; }   // rows of a group's columns
  int64_t L() const { return OH * OW; }          // columns: output positions
  bool pointwise() const {                       // 1×1, stride 1, no padding: cols = x
    return KH == 1 && KW == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
  }
};

// x (N, C, H, W), w (O, C/groups, KH, KW), bias (O,) or none → y (N, O, OH, OW).
// stride, padding, dilation: two values each (h, w).
Array conv2d(const Array& x, const Array& w, const std::optional<Array>& bias,
             const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
             const std::vector<int64_t>& dilation, int64_t groups);

// g (N, O, OH, OW), w (O, C/groups, KH, KW) → ∂L/∂x (N, C, H, W) for the input size
// input_hw = (H, W) (several sizes give the same OH when stride > 1: the caller says which).
Array conv2d_backward_input(const Array& g, const Array& w, const std::vector<int64_t>& input_hw,
                            const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                            const std::vector<int64_t>& dilation, int64_t groups);

// x (N, C, H, W), g (N, O, OH, OW) → ∂L/∂w (O, C/groups, KH, KW), kernel_hw = (KH, KW).
Array conv2d_backward_weight(const Array& x, const Array& g, const std::vector<int64_t>& kernel_hw,
                             const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                             const std::vector<int64_t>& dilation, int64_t groups);

// F.unfold: x (N, C, H, W) → (N, C·KH·KW, L), L = OH·OW; row (c, p, q), column (i, j) holds
// x[n, c, i·sh − ph + p·dh, j·sw − pw + q·dw] (0 outside).
Array im2col(const Array& x, const std::vector<int64_t>& kernel, const std::vector<int64_t>& dilation,
             const std::vector<int64_t>& padding, const std::vector<int64_t>& stride);

// F.fold, im2col's adjoint: cols (N, C·KH·KW, L) → (N, C, H, W) for output_hw = (H, W), each
// column entry added back to the pixel it was read from.
Array col2im(const Array& cols, const std::vector<int64_t>& output_hw, const std::vector<int64_t>& kernel,
             const std::vector<int64_t>& dilation, const std::vector<int64_t>& padding,
             const std::vector<int64_t>& stride);

// The CPU algorithm conv2d's pass (0 forward, 1 ∂L/∂x, 2 ∂L/∂w) takes for these shapes: 1 im2col
// + GEMM, 2 direct along rows, 3 direct across output channels (benchmarks report it).
int conv2d_algorithm_for(const Shape& x_shape, const Shape& w_shape, const std::vector<int64_t>& stride,
                         const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups,
                         int64_t pass);

// ---- internal: shared by conv.cpp and conv_direct.cpp ----
namespace conv {

// Scratch from the host allocator's block cache (a training step asks for the same sizes
// every time: no fresh pages, no page faults).
template <typename T>
struct Scratch {
  T* p = nullptr;
  size_t bytes = 0;
  explicit Scratch(int64_t n) : bytes((size_t)std::max<int64_t>(n, 1) * sizeof(T)) { p = (T*)host_alloc(bytes); }
  ~Scratch() { host_free(p, bytes); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// fn(n0, n1, gemm_threads) over the batch: contiguous ranges of samples, one per thread,
// when there are several samples and enough work (FLOP) to pay for waking the pool; else
// all samples here, the GEMMs threading themselves.
template <class F>
void for_samples(int64_t N, double flop, const F& fn) {
  const int nt = get_num_threads();
  if (nt > 1 && N > 1 && flop >= 2e6) {
    const int64_t chunks = std::min<int64_t>(N, nt);
    gemm_parallel_chunks(nt, chunks, [&](int64_t c) { fn(N * c / chunks, N * (c + 1) / chunks, 1); });
    return;
  }
  fn(0, N, nt);
}


// The algorithm for one pass of one geometry, picked by shape (measured; see conv_direct.cpp):
//   Gemm      im2col + GEMM (conv.cpp)
//   Direct    vectors along an output row (conv_direct.cpp)
//   Channels  vectors across output channels (conv_channels.cpp)
//   Tiles     8 channels × 2 rows × 16 columns in AVX-512 registers (conv_tiles.cpp; forward
//             and stride-1 ∂L/∂x, float32)
// elem: sizeof the element type (Tiles is float32 only).
enum class Pass { Forward, BackwardInput, BackwardWeight };
enum class Algo { Gemm = 1, Direct = 2, Channels = 3, Tiles = 4 };
Algo choose(const ConvGeom& g, Pass pass, size_t elem = sizeof(float));
// Force an algorithm (tests and benchmarks run each): 0 by shape, else an Algo. A forced
// algorithm that cannot run a geometry falls back: Channels with KW > 7 to the GEMM; Tiles
// (∂L/∂w, stride along rows > 1, float64 or no AVX-512) to Direct, strided ∂L/∂x to the GEMM.
void set_algorithm(int mode);
int get_algorithm();

// With unit stride, ∂L/∂x is a convolution of g (see conv_direct.cpp): its geometry, or false.
bool transposed_geom(const ConvGeom& g, ConvGeom& t);
// w (O, Cg, KH, KW) → wt (C, Og, KH, KW): flipped in both axes, channel axes swapped per group.
template <typename T>
void flip_weights(const ConvGeom& g, const T* w, T* wt);

// The direct kernels over contiguous x, w, g; outputs contiguous. T = float or double.
template <typename T>
void direct_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);
template <typename T>
void direct_backward_input(const ConvGeom& g, const T* gy, const T* w, T* gx);
template <typename T>
void direct_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw);
bool channels_ok(const ConvGeom& g);  // KW in {1, 3, 5, 7}
template <typename T>
void channels_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);
template <typename T>
void channels_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw);
// The AVX-512 tiles run this geometry (float32, unit stride along rows, the CPU has AVX-512).
bool tiles_ok(const ConvGeom& g, size_t elem);
// Forward by the tiles; falls back to direct_forward where !tiles_ok.
template <typename T>
void tiles_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);

}  // namespace conv

}  // namespace tl
