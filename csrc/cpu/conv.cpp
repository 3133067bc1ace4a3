// conv2d forward and backward by im2col + GEMM, or by the direct kernels (conv_direct.cpp);
// im2col / col2im (F.unfold / F.fold). Shapes and formulas: conv.h.
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "../core/checks.h"
#include "../core/parallel.h"
#include "gemm.h"

namespace tl {

using conv::Scratch;
using conv::for_samples;

namespace {

// ---------------------------------------------------------------------------------------
// Arguments and geometry

std::vector<int64_t> pair_arg(const std::vector<int64_t>& v, const char* op, const char* what) {
  TL_CHECK(v.size() == 2, ValueError, op << ": expected " << what << " to have 2 values (h, w), got " << v.size());
  return v;
}

void check_float(const Array& a, const char* op, const char* name) {
  check_cpu(a, op);
  TL_CHECK(is_floating(a.dtype), TypeError,
           op << ": expected a floating " << name << " (float32 or float64), got " << dtype_name(a.dtype));
}

void check_same_dtype(const Array& a, const Array& b, const char* op) {
  TL_CHECK(a.dtype == b.dtype, TypeError,
           op << ": expected input and weight of the same dtype, got " << dtype_name(a.dtype) << " and "
              << dtype_name(b.dtype));
}

// The geometry from the input's (N, C, H, W), the weight's (O, Cg, KH, KW) and the
// hyper-parameters; checks everything a caller can get wrong.
ConvGeom make_geom(const Shape& xs, const Shape& ws, const std::vector<int64_t>& stride,
                   const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation,
                   int64_t groups, const char* op) {
  pair_arg(stride, op, "stride");
  pair_arg(padding, op, "padding");
  pair_arg(dilation, op, "dilation");
  TL_CHECK(xs.size() == 4, ValueError, op << ": expected a 4-D input (N, C, H, W), got shape " << shape_str(xs));
  TL_CHECK(ws.size() == 4, ValueError,
           op << ": expected a 4-D weight (out_channels, in_channels/groups, kH, kW), got shape " << shape_str(ws));
  TL_CHECK(groups > 0, ValueError, op << ": groups must be positive, got " << groups);
  TL_CHECK(stride[0] > 0 && stride[1] > 0, ValueError,
           op << ": stride must be positive, got (" << stride[0] << ", " << stride[1] << ")");
  TL_CHECK(dilation[0] > 0 && dilation[1] > 0, ValueError,
           op << ": dilation must be positive, got (" << dilation[0] << ", " << dilation[1] << ")");
  TL_CHECK(padding[0] >= 0 && padding[1] >= 0, ValueError,
           op << ": padding must be non-negative, got (" << padding[0] << ", " << padding[1] << ")");
  ConvGeom g{};
  g.N = xs[0], g.C = xs[1], g.H = xs[2], g.W = xs[3];
  g.O = ws[0], g.KH = ws[2], g.KW = ws[3];
  g.sh = stride[0], g.sw = stride[1], g.ph = padding[0], g.pw = padding[1];
  g.dh = dilation[0], g.dw = dilation[1], g.G = groups;
  TL_CHECK(g.O > 0 && g.O % groups == 0, ValueError,
           op << ": out_channels (" << g.O << ", weight " << shape_str(ws) << ") must be a positive multiple of groups ("
              << groups << ")");
  TL_CHECK(g.C > 0 && g.C % groups == 0 && g.C / groups == ws[1], ValueError,
           op << ": input " << shape_str(xs) << " has " << g.C << " channels, but weight " << shape_str(ws)
              << " with groups=" << groups << " expects " << ws[1] * groups);
  TL_CHECK(g.KH > 0 && g.KW > 0, ValueError, op << ": kernel size must be positive, weight " << shape_str(ws));
  TL_CHECK(g.H > 0 && g.W > 0, ValueError, op << ": input " << shape_str(xs) << " has an empty spatial size");
  // Hyper-parameters come from the user: every size derived from them is checked (a wrapped
  // product would size a padded-input or column buffer smaller than the kernels walk).
  const std::string what = std::string(op) + ": the padded input or kernel extent";
  const char* w = what.c_str();
  const int64_t eh = checked_add(checked_mul(g.dh, g.KH - 1, w), 1, w);  // dilated kernel extent
  const int64_t ew = checked_add(checked_mul(g.dw, g.KW - 1, w), 1, w);
  const int64_t Hp = checked_add(g.H, checked_mul(2, g.ph, w), w), Wp = checked_add(g.W, checked_mul(2, g.pw, w), w);
  checked_mul(checked_mul(g.C, Hp, w), Wp, w);  // the padded planes of the direct kernels
  TL_CHECK(eh <= Hp && ew <= Wp, ValueError,
           op << ": kernel " << g.KH << "x" << g.KW << " (dilated " << eh << "x" << ew << ") is larger than the padded input "
              << g.H + 2 * g.ph << "x" << g.W + 2 * g.pw << " (input " << shape_str(xs) << ", padding (" << g.ph << ", "
              << g.pw << "))");
  g.OH = (Hp - eh) / g.sh + 1;
  g.OW = (Wp - ew) / g.sw + 1;
  checked_mul(checked_mul(g.C, checked_mul(g.KH, g.KW, w), w), checked_mul(g.OH, g.OW, w), w);  // im2col columns
  return g;
}

// The j in [0, OW) that read a column inside [0, W) for a tap at offset `off`
// (input column j·s + off): [j0, j1).
inline void valid_range(int64_t off, int64_t s, int64_t W, int64_t OW, int64_t& j0, int64_t& j1) {
  j0 = off >= 0 ? 0 : (-off + s - 1) / s;
  j1 = W - off <= 0 ? 0 : (W - off + s - 1) / s;
  j0 = std::min(j0, OW);
  j1 = std::max(j0, std::min(j1, OW));
}

// ---------------------------------------------------------------------------------------
// im2col / col2im of output rows [i0, i1) of one sample's channels [0, Cn):
//   x (Cn, H, W) ↔ cols (Cn·KH·KW rows, ldc apart; columns (i − i0)·OW + j).

template <typename T>
void im2col_rows(const ConvGeom& g, int64_t Cn, const T* x, int64_t i0, int64_t i1, T* cols, int64_t ldc) {
  for (int64_t c = 0; c < Cn; ++c)
    for (int64_t p = 0; p < g.KH; ++p)
      for (int64_t q = 0; q < g.KW; ++q) {
        T* row = cols + ((c * g.KH + p) * g.KW + q) * ldc;
        const int64_t off = q * g.dw - g.pw;
        int64_t j0, j1;
        valid_range(off, g.sw, g.W, g.OW, j0, j1);
        for (int64_t i = i0; i < i1; ++i) {
          // plain loops, not memcpy/fill: rows are often 10–30 elements, where a call costs
          // as much as the copy
          T* r = row + (i - i0) * g.OW;
          const int64_t ih = i * g.sh - g.ph + p * g.dh;
          if (ih < 0 || ih >= g.H) {
            for (int64_t j = 0; j < g.OW; ++j) r[j] = T(0);
            continue;
          }
          const T* xr = x + (c * g.H + ih) * g.W + off;
          for (int64_t j = 0; j < j0; ++j) r[j] = T(0);
          if (g.sw == 1)
            for (int64_t j = j0; j < j1; ++j) r[j] = xr[j];
          else
            for (int64_t j = j0; j < j1; ++j) r[j] = xr[j * g.sw];
          for (int64_t j = j1; j < g.OW; ++j) r[j] = T(0);
        }
      }
}

// x (Cn, H, W) += col2im of the rows' columns; x holds what to add to beforehand.
template <typename T>
void col2im_rows(const ConvGeom& g, int64_t Cn, const T* cols, int64_t ldc, int64_t i0, int64_t i1, T* x) {
  for (int64_t c = 0; c < Cn; ++c)
    for (int64_t p = 0; p < g.KH; ++p)
      for (int64_t q = 0; q < g.KW; ++q) {
        const T* row = cols + ((c * g.KH + p) * g.KW + q) * ldc;
        const int64_t off = q * g.dw - g.pw;
        int64_t j0, j1;
        valid_range(off, g.sw, g.W, g.OW, j0, j1);
        for (int64_t i = i0; i < i1; ++i) {
          const int64_t ih = i * g.sh - g.ph + p * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          const T* r = row + (i - i0) * g.OW;
          T* xr = x + (c * g.H + ih) * g.W + off;
          if (g.sw == 1)
            for (int64_t j = j0; j < j1; ++j) xr[j] += r[j];
          else
            for (int64_t j = j0; j < j1; ++j) xr[j * g.sw] += r[j];
        }
      }
}

template <typename T>
void im2col_plane(const ConvGeom& g, int64_t Cn, const T* x, T* cols) {
  im2col_rows(g, Cn, x, 0, g.OH, cols, g.L());
}

template <typename T>
void col2im_plane(const ConvGeom& g, int64_t Cn, const T* cols, T* x) {
  col2im_rows(g, Cn, cols, g.L(), 0, g.OH, x);
}

// ---------------------------------------------------------------------------------------
// The GEMM algorithm. W_gi: (Og, K) rows of w for group gi; cols(x): im2col of a group.
//   forward          y[n, gi] (Og, L)  = W_gi · cols(x[n, gi]) (+ b)
//   backward input   cols (K, L)       = W_giᵀ · g[n, gi];  gx[n, gi] = col2im(cols)
//   backward weight  gw_gi (Og, K)    += g[n, gi] · cols(x[n, gi])ᵀ
// The columns are built a block at a time, sized to stay in L2 (kColsBudget): several whole
// samples side by side when one sample's columns are small (the GEMM then runs on nb·L
// columns at once — LeNet's second layer has L = 100), or a band of output rows of one
// sample when they are large (the cols of a 16→32 5×5 layer at 32×32 are 1.6 MB).
// Blocks of several samples go through a (Og, nb·L) staging buffer, since y's rows of
// consecutive samples are not one stride apart.

constexpr int64_t kColsBudget = 256 << 10;
// The weight gradient reduces over the columns: longer blocks make fewer, deeper products.
constexpr int64_t kWeightColsBudget = 2 << 20;

struct Block {
  int64_t n0, nb, i0, i1;  // samples [n0, n0 + nb), output rows [i0, i1) (all rows when nb > 1)
};

// The blocks covering samples [n0, n1), each with at most `budget` bytes of columns.
std::vector<Block> plan_blocks(const ConvGeom& g, int64_t n0, int64_t n1, size_t elem,
                               int64_t budget = kColsBudget) {
  std::vector<Block> out;
  const int64_t per_sample = g.K() * g.L() * (int64_t)elem;
  if (g.pointwise() || per_sample > budget / 2) {  // one sample at a time, in bands of rows
    const int64_t rows = g.pointwise() ? g.OH
                                       : std::max<int64_t>(1, budget / (g.K() * g.OW * (int64_t)elem));
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t i = 0; i < g.OH; i += rows) out.push_back({n, 1, i, std::min(g.OH, i + rows)});
    return out;
  }
  const int64_t nb = std::max<int64_t>(1, budget / per_sample);
  for (int64_t n = n0; n < n1; n += nb) out.push_back({n, std::min(nb, n1 - n), 0, g.OH});
  return out;
}

// cols of block b for group gi: (K, nb·Lb) with Lb = (i1 − i0)·OW, sample s at column s·Lb.
template <typename T>
void block_cols(const ConvGeom& g, const Block& b, int64_t gi, const T* x, T* cols) {
  const int64_t Lb = (b.i1 - b.i0) * g.OW, ld = b.nb * Lb;
  for (int64_t s = 0; s < b.nb; ++s)
    im2col_rows(g, g.Cg(), x + ((b.n0 + s) * g.C + gi * g.Cg()) * g.H * g.W, b.i0, b.i1, cols + s * Lb, ld);
}

template <typename T>
void gemm_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  const int64_t K = g.K(), L = g.L(), Cg = g.Cg(), Og = g.Og();
  for_samples(g.N, 2.0 * g.N * g.O * L * K, [&](int64_t n0, int64_t n1, int threads) {
    const std::vector<Block> blocks = plan_blocks(g, n0, n1, sizeof(T));
    int64_t most = 0;
    for (const Block& bl : blocks) most = std::max(most, bl.nb * (bl.i1 - bl.i0) * g.OW);
    Scratch<T> cols(g.pointwise() ? 0 : K * most), stage(Og * most);
    for (const Block& bl : blocks)
      for (int64_t gi = 0; gi < g.G; ++gi) {
        const int64_t Lb = (bl.i1 - bl.i0) * g.OW, N = bl.nb * Lb;
        const T* wg = w + gi * Og * K;
        const T* B = cols.p;
        if (g.pointwise()) B = x + (bl.n0 * g.C + gi * Cg) * g.H * g.W;
        else block_cols(g, bl, gi, x, cols.p);
        if (bl.nb == 1) {  // straight into y, rows L apart
          T* yg = y + (bl.n0 * g.O + gi * Og) * L + bl.i0 * g.OW;
          T beta = T(0);
          if (b) {
            for (int64_t o = 0; o < Og; ++o) std::fill(yg + o * L, yg + o * L + Lb, b[gi * Og + o]);
            beta = T(1);
          }
          gemm<T>(Og, N, K, T(1), wg, K, 1, B, N, 1, beta, yg, L, 1, threads);
          continue;
        }
        gemm<T>(Og, N, K, T(1), wg, K, 1, B, N, 1, T(0), stage.p, N, 1, threads);
        for (int64_t s = 0; s < bl.nb; ++s)
          for (int64_t o = 0; o < Og; ++o) {
            const T* src = stage.p + o * N + s * L;
            T* dst = y + ((bl.n0 + s) * g.O + gi * Og + o) * L;
            const T bias = b ? b[gi * Og + o] : T(0);
            for (int64_t l = 0; l < L; ++l) dst[l] = src[l] + bias;
          }
      }
  });
}

template <typename T>
void gemm_backward_input(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  const int64_t K = g.K(), L = g.L(), Cg = g.Cg(), Og = g.Og(), HW = g.H * g.W;
  for_samples(g.N, 2.0 * g.N * g.O * L * K, [&](int64_t n0, int64_t n1, int threads) {
    const std::vector<Block> blocks = plan_blocks(g, n0, n1, sizeof(T));
    int64_t most = 0;
    for (const Block& bl : blocks) most = std::max(most, bl.nb * (bl.i1 - bl.i0) * g.OW);
    Scratch<T> cols(g.pointwise() ? 0 : K * most), stage(Og * most);
    for (const Block& bl : blocks)
      for (int64_t gi = 0; gi < g.G; ++gi) {
        const int64_t Lb = (bl.i1 - bl.i0) * g.OW, N = bl.nb * Lb;
        const T* wg = w + gi * Og * K;  // Aᵀ: A(k, o) = wg[o·K + k]
        T* gx0 = gx + (bl.n0 * g.C + gi * Cg) * HW;
        if (g.pointwise()) {
          gemm<T>(K, L, Og, T(1), wg, 1, K, gy + (bl.n0 * g.O + gi * Og) * L, L, 1, T(0), gx0, L, 1, threads);
          continue;
        }
        const T* B = gy + (bl.n0 * g.O + gi * Og) * L + bl.i0 * g.OW;  // rows L apart
        int64_t ldb = L;
        if (bl.nb > 1) {  // gather the block's gradient rows side by side: (Og, nb·L)
          for (int64_t o = 0; o < Og; ++o)
            for (int64_t s = 0; s < bl.nb; ++s)
              std::memcpy(stage.p + o * N + s * L, gy + ((bl.n0 + s) * g.O + gi * Og + o) * L, (size_t)L * sizeof(T));
          B = stage.p, ldb = N;
        }
        gemm<T>(K, N, Og, T(1), wg, 1, K, B, ldb, 1, T(0), cols.p, N, 1, threads);
        for (int64_t s = 0; s < bl.nb; ++s) {
          T* gxs = gx + ((bl.n0 + s) * g.C + gi * Cg) * HW;
          if (bl.i0 == 0) std::fill(gxs, gxs + Cg * HW, T(0));  // a sample's first band
          col2im_rows(g, Cg, cols.p + s * Lb, N, bl.i0, bl.i1, gxs);
        }
      }
  });
}

template <typename T>
void gemm_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw) {
  const int64_t K = g.K(), L = g.L(), Cg = g.Cg(), Og = g.Og(), HW = g.H * g.W;
  const int nt = get_num_threads();
  const int64_t chunks = (nt > 1 && g.N > 1 && 2.0 * g.N * g.O * L * K >= 2e6) ? std::min<int64_t>(g.N, nt) : 1;
  // chunk 0 accumulates into gw, the others into their own (O, K) partial sums
  Scratch<T> partial((chunks - 1) * g.O * K);
  auto run = [&](int64_t c, int threads) {
    T* acc = c == 0 ? gw : partial.p + (c - 1) * g.O * K;
    const int64_t n0 = g.N * c / chunks, n1 = g.N * (c + 1) / chunks;
    std::fill(acc, acc + g.O * K, T(0));
    const std::vector<Block> blocks = plan_blocks(g, n0, n1, sizeof(T), kWeightColsBudget);
    int64_t most = 0;
    for (const Block& bl : blocks) most = std::max(most, bl.nb * (bl.i1 - bl.i0) * g.OW);
    Scratch<T> cols(g.pointwise() ? 0 : K * most), stage(Og * most);
    for (const Block& bl : blocks)
      for (int64_t gi = 0; gi < g.G; ++gi) {
        const int64_t Lb = (bl.i1 - bl.i0) * g.OW, N = bl.nb * Lb;
        const T* B = cols.p;  // Bᵀ: B(l, k) = cols[k·N + l]
        int64_t ldb = N;
        if (g.pointwise()) B = x + (bl.n0 * g.C + gi * Cg) * HW, ldb = L;
        else block_cols(g, bl, gi, x, cols.p);
        const T* A = gy + (bl.n0 * g.O + gi * Og) * L + bl.i0 * g.OW;  // rows L apart
        int64_t lda = L;
        if (bl.nb > 1) {
          for (int64_t o = 0; o < Og; ++o)
            for (int64_t s = 0; s < bl.nb; ++s)
              std::memcpy(stage.p + o * N + s * L, gy + ((bl.n0 + s) * g.O + gi * Og + o) * L, (size_t)L * sizeof(T));
          A = stage.p, lda = N;
        }
        gemm<T>(Og, K, N, T(1), A, lda, 1, B, 1, ldb, T(1), acc + gi * Og * K, K, 1, threads);
      }
  };
  if (chunks == 1) {
    run(0, nt);
    return;
  }
  gemm_parallel_chunks(nt, chunks, [&](int64_t c) { run(c, 1); });
  for (int64_t c = 1; c < chunks; ++c) {
    const T* p = partial.p + (c - 1) * g.O * K;
    for (int64_t i = 0; i < g.O * K; ++i) gw[i] += p[i];
  }
}

Array contiguous_float(const Array& a, const char* op, const char* name) {
  check_float(a, op, name);
  return a.contiguous();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Entry points

Array conv2d(const Array& x_, const Array& w_, const std::optional<Array>& bias,
             const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
             const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d";
  check_float(x_, op, "input");
  check_float(w_, op, "weight");
  check_same_dtype(x_, w_, op);
  ConvGeom g = make_geom(x_.shape, w_.shape, stride, padding, dilation, groups, op);
  std::optional<Array> b;
  if (bias) {
    check_float(*bias, op, "bias");
    check_same_dtype(x_, *bias, op);
    TL_CHECK(bias->ndim() == 1 && bias->shape[0] == g.O, ValueError,
             op << ": bias of shape " << shape_str(bias->shape) << " does not match weight " << shape_str(w_.shape)
                << " (expected (" << g.O << ",))");
    b = bias->contiguous();
  }
  Array x = x_.contiguous(), w = w_.contiguous();
  Array y = Array::empty({g.N, g.O, g.OH, g.OW}, x.dtype);
  if (g.N == 0) return y;
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    const scalar_t* bp = b ? b->data<scalar_t>() : nullptr;
    const scalar_t *xp = x.data<scalar_t>(), *wp = w.data<scalar_t>();
    switch (conv::choose(g, conv::Pass::Forward, sizeof(scalar_t))) {
      case conv::Algo::Tiles: conv::tiles_forward<scalar_t>(g, xp, wp, bp, y.data<scalar_t>()); break;
      case conv::Algo::Direct: conv::direct_forward<scalar_t>(g, xp, wp, bp, y.data<scalar_t>()); break;
      case conv::Algo::Channels: conv::channels_forward<scalar_t>(g, xp, wp, bp, y.data<scalar_t>()); break;
      default: gemm_forward<scalar_t>(g, xp, wp, bp, y.data<scalar_t>());
    }
  });
  return y;
}

Array conv2d_backward_input(const Array& g_, const Array& w_, const std::vector<int64_t>& input_hw,
                            const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                            const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d_backward_input";
  check_float(g_, op, "gradient");
  check_float(w_, op, "weight");
  check_same_dtype(g_, w_, op);
  pair_arg(input_hw, op, "input_size");
  TL_CHECK(g_.ndim() == 4 && w_.ndim() == 4, ValueError,
           op << ": expected a 4-D gradient and weight, got " << shape_str(g_.shape) << " and " << shape_str(w_.shape));
  const Shape xs{g_.shape[0], w_.shape[1] * groups, input_hw[0], input_hw[1]};
  ConvGeom g = make_geom(xs, w_.shape, stride, padding, dilation, groups, op);
  TL_CHECK(g_.shape[1] == g.O && g_.shape[2] == g.OH && g_.shape[3] == g.OW, ValueError,
           op << ": gradient " << shape_str(g_.shape) << " does not match weight " << shape_str(w_.shape)
              << " and input size (" << input_hw[0] << ", " << input_hw[1] << "): expected (" << g.N << ", " << g.O
              << ", " << g.OH << ", " << g.OW << ")");
  Array gy = g_.contiguous(), w = w_.contiguous();
  Array gx = Array::empty(xs, gy.dtype);
  if (g.N == 0) return gx;
  TL_DISPATCH_FLOATING(gy.dtype, op, [&] {
    const scalar_t *gp = gy.data<scalar_t>(), *wp = w.data<scalar_t>();
    const conv::Algo a = conv::choose(g, conv::Pass::BackwardInput, sizeof(scalar_t));
    switch (a) {
      case conv::Algo::Direct: conv::direct_backward_input<scalar_t>(g, gp, wp, gx.data<scalar_t>()); break;
      case conv::Algo::Channels:  // the transposed convolution, vectorised across input channels
      case conv::Algo::Tiles: {   // or register-tiled along its rows
        ConvGeom t;
        conv::transposed_geom(g, t);
        Scratch<scalar_t> wt(g.O * g.K());
        conv::flip_weights(g, wp, wt.p);
        if (a == conv::Algo::Tiles) conv::tiles_forward<scalar_t>(t, gp, wt.p, nullptr, gx.data<scalar_t>());
        else conv::channels_forward<scalar_t>(t, gp, wt.p, nullptr, gx.data<scalar_t>());
        break;
      }
      default: gemm_backward_input<scalar_t>(g, gp, wp, gx.data<scalar_t>());
    }
  });
  return gx;
}

Array conv2d_backward_weight(const Array& x_, const Array& g_, const std::vector<int64_t>& kernel_hw,
                             const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                             const std::vector<int64_t>& dilation, int64_t groups) {
  const char* op = "conv2d_backward_weight";
  check_float(x_, op, "input");
  check_float(g_, op, "gradient");
  check_same_dtype(x_, g_, op);
  pair_arg(kernel_hw, op, "kernel_size");
  TL_CHECK(x_.ndim() == 4 && g_.ndim() == 4, ValueError,
           op << ": expected a 4-D input and gradient, got " << shape_str(x_.shape) << " and " << shape_str(g_.shape));
  TL_CHECK(groups > 0 && x_.shape[1] % groups == 0, ValueError,
           op << ": input " << shape_str(x_.shape) << " channels are not divisible by groups=" << groups);
  const Shape ws{g_.shape[1], x_.shape[1] / groups, kernel_hw[0], kernel_hw[1]};
  ConvGeom g = make_geom(x_.shape, ws, stride, padding, dilation, groups, op);
  TL_CHECK(g_.shape[0] == g.N && g_.shape[2] == g.OH && g_.shape[3] == g.OW, ValueError,
           op << ": gradient " << shape_str(g_.shape) << " does not match input " << shape_str(x_.shape)
              << ": expected (" << g.N << ", " << g.O << ", " << g.OH << ", " << g.OW << ")");
  Array x = x_.contiguous(), gy = g_.contiguous();
  Array gw = Array::empty(ws, x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    const scalar_t *xp = x.data<scalar_t>(), *gp = gy.data<scalar_t>();
    if (g.N == 0) {
      std::fill(gw.data<scalar_t>(), gw.data<scalar_t>() + gw.numel(), scalar_t(0));
      return;
    }
    switch (conv::choose(g, conv::Pass::BackwardWeight, sizeof(scalar_t))) {
      case conv::Algo::Direct: conv::direct_backward_weight<scalar_t>(g, xp, gp, gw.data<scalar_t>()); break;
      case conv::Algo::Channels: conv::channels_backward_weight<scalar_t>(g, xp, gp, gw.data<scalar_t>()); break;
      default: gemm_backward_weight<scalar_t>(g, xp, gp, gw.data<scalar_t>());
    }
  });
  return gw;
}

int conv2d_algorithm_for(const Shape& x_shape, const Shape& w_shape, const std::vector<int64_t>& stride,
                         const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups,
                         int64_t pass) {
  TL_CHECK(pass >= 0 && pass <= 2, ValueError, "conv2d_algorithm_for: pass must be 0, 1 or 2, got " << pass);
  ConvGeom g = make_geom(x_shape, w_shape, stride, padding, dilation, groups, "conv2d_algorithm_for");
  return (int)conv::choose(g, (conv::Pass)pass);
}

namespace {
// unfold/fold see a (N, C, H, W) image and a kernel with no weight: a geometry with O = C.
ConvGeom fold_geom(const Shape& xs, const std::vector<int64_t>& kernel, const std::vector<int64_t>& dilation,
                   const std::vector<int64_t>& padding, const std::vector<int64_t>& stride, const char* op) {
  pair_arg(kernel, op, "kernel_size");
  TL_CHECK(kernel[0] > 0 && kernel[1] > 0, ValueError,
           op << ": kernel_size must be positive, got (" << kernel[0] << ", " << kernel[1] << ")");
  TL_CHECK(xs.size() == 4, ValueError, op << ": expected a 4-D image (N, C, H, W), got " << shape_str(xs));
  return make_geom(xs, {xs[1], 1, kernel[0], kernel[1]}, stride, padding, dilation, xs[1], op);
}
}  // namespace

Array im2col(const Array& x_, const std::vector<int64_t>& kernel, const std::vector<int64_t>& dilation,
             const std::vector<int64_t>& padding, const std::vector<int64_t>& stride) {
  const char* op = "unfold";
  Array x = contiguous_float(x_, op, "input");
  ConvGeom g = fold_geom(x.shape, kernel, dilation, padding, stride, op);
  const int64_t K = g.C * g.KH * g.KW, L = g.L();
  Array out = Array::empty({g.N, K, L}, x.dtype);
  TL_DISPATCH_FLOATING(x.dtype, op, [&] {
    const scalar_t* xp = x.data<scalar_t>();
    scalar_t* op_ = out.data<scalar_t>();
    parallel_for(g.N, g.N * K * L, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) im2col_plane(g, g.C, xp + n * g.C * g.H * g.W, op_ + n * K * L);
    });
  });
  return out;
}

Array col2im(const Array& cols_, const std::vector<int64_t>& output_hw, const std::vector<int64_t>& kernel,
             const std::vector<int64_t>& dilation, const std::vector<int64_t>& padding,
             const std::vector<int64_t>& stride) {
  const char* op = "fold";
  Array cols = contiguous_float(cols_, op, "input");
  pair_arg(output_hw, op, "output_size");
  pair_arg(kernel, op, "kernel_size");
  TL_CHECK(cols.ndim() == 3, ValueError, op << ": expected a 3-D input (N, C·kH·kW, L), got " << shape_str(cols.shape));
  const int64_t kk = kernel[0] * kernel[1];
  TL_CHECK(kk > 0 && cols.shape[1] % kk == 0, ValueError,
           op << ": input " << shape_str(cols.shape) << ": dimension 1 must be divisible by the kernel size product "
              << kk);
  ConvGeom g = fold_geom({cols.shape[0], cols.shape[1] / kk, output_hw[0], output_hw[1]}, kernel, dilation, padding,
                         stride, op);
  TL_CHECK(cols.shape[2] == g.L(), ValueError,
           op << ": input " << shape_str(cols.shape) << " has " << cols.shape[2] << " blocks, but output_size ("
              << output_hw[0] << ", " << output_hw[1] << ") with this kernel, stride, padding and dilation gives "
              << g.OH << "x" << g.OW << " = " << g.L());
  Array out = Array::empty({g.N, g.C, g.H, g.W}, cols.dtype);
  TL_DISPATCH_FLOATING(cols.dtype, op, [&] {
    const scalar_t* cp = cols.data<scalar_t>();
    scalar_t* xp = out.data<scalar_t>();
    const int64_t K = cols.shape[1], L = g.L(), img = g.C * g.H * g.W;
    parallel_for(g.N, g.N * K * L, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        std::fill(xp + n * img, xp + (n + 1) * img, scalar_t(0));
        col2im_plane(g, g.C, cp + n * K * L, xp + n * img);
      }
    });
  });
  return out;
}

}  // namespace tl
