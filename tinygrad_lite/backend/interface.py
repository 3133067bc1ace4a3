"""The kernel interface every device implements, as code: each kernel's name, its arguments
and one line of what it computes. tinygrad_lite._C (the CPU), backend.cuda and the numpy
reference (backend.numpy_ref) are checked against this list by tests/test_backend_interface.py;
ops/ call nothing else. `python -m tinygrad_lite.backend.interface` prints it as markdown.

Conventions (every kernel):
- Arguments named x, a, b, g, s, y, idx ... are Arrays (csrc/core/array.h) of any strides and
  offset; results are new contiguous Arrays, except kernels whose name ends in `_`, which write
  their first argument in place (it may be a strided view).
- Scalars arrive as Python floats (values) or ints (sizes, axes, indices); dtypes as the core's
  codes (0 float32, 1 float64, 2 int64, 3 bool; the storage dtypes 4 float16, 5 bfloat16, 6 int32,
  7 int16, 8 int8, 9 uint8). Every kernel takes the first four; the memory kernels (empty, full,
  arange, contiguous, clone, astype, copy_, fill_) and the ones that only move elements (where,
  index_select, gather, scatter, cat) take all ten; the rest raise TypeError for a storage
  dtype, and the op layer computes it widened (backend/narrow.py).
- Binary kernels want equal dtypes (the Python layer promotes first) and broadcast like numpy.
- Bad input raises ValueError / IndexError / TypeError / RuntimeError naming the op and shapes.

The pointwise kernels are generated from the table csrc/ops/pointwise.def (`_C.pointwise_ops()`):
for each unary row `name(x, *params)` and, when differentiable, `name_backward(s, g, *params)`;
for each binary row `name(a, b)` and `name_backward(a, b, g, want_a, want_b) -> (ga, gb)`.
"""
from .. import _C

# (name, arguments, what it computes)
KERNELS = [
    # ---- memory and layout
    ("empty", "shape, dtype", "an uninitialised contiguous array"),
    ("full", "shape, value, dtype", "an array filled with value"),
    ("arange", "start, stop, step, dtype", "start, start+step, ... < stop"),
    ("contiguous", "x", "x itself if contiguous, else a contiguous copy"),
    ("clone", "x", "a contiguous copy"),
    ("astype", "x, dtype", "a copy converted to dtype"),
    ("copy_", "dst, src", "dst[...] = src, broadcast and converted"),
    # ---- elementwise that is not a table row
    ("where", "cond, a, b", "cond ? a : b, all three broadcast; cond bool"),
    ("add_", "a, b", "a += b (b broadcast to a)"),
    ("sub_", "a, b", "a -= b"),
    ("mul_", "a, b", "a *= b"),
    ("add_scalar_", "a, s", "a += s"),
    ("mul_scalar_", "a, s", "a *= s"),
    ("fill_", "a, s", "every element of a = s"),
    ("axpy_", "a, alpha, b", "a += alpha·b"),
    # ---- reductions (axes: a list; empty = all)
    ("sum", "x, axes, keepdim", "Σ over axes (int64 for int/bool input)"),
    ("mean", "x, axes, keepdim", "mean over axes (float)"),
    ("max", "x, axes, keepdim", "maximum over axes"),
    ("min", "x, axes, keepdim", "minimum over axes"),
    ("var", "x, axes, correction, keepdim", "Σ(x − x̄)²/(N − correction) over axes"),
    ("argmax", "x, axis, keepdim", "int64 index of the first maximum along axis"),
    ("argmin", "x, axis, keepdim", "int64 index of the first minimum along axis"),
    # ---- products
    ("matmul", "a, b", "torch.matmul: 1-D, 2-D, batched with broadcast batch dims"),
    ("linear", "x, w, bias", "x·wᵀ + bias, x (..., in), w (out, in), bias (out,) or None"),
    # ---- neural-network ops
    ("softmax", "x, axis", "e^(x − max)/Σ e^(x − max) along axis"),
    ("log_softmax", "x, axis", "x − max − ln Σ e^(x − max) along axis"),
    ("softmax_backward", "y, g, axis", "y·(g − Σ g·y)"),
    ("log_softmax_backward", "y, g, axis", "g − e^y·Σ g"),
    ("cross_entropy", "logits, target, ignore_index, label_smoothing, reduction",
     "(loss, lse): log-softmax + NLL fused, logits (N, C), target (N,) int64; reduction 0 none 1 mean 2 sum"),
    ("cross_entropy_backward", "logits, target, lse, grad_loss, ignore_index, label_smoothing, reduction",
     "g·(softmax − ((1−ε)·onehot + ε/C))"),
    ("dropout", "x, p", "(y, mask): y = x·mask/(1 − p), mask ~ Bernoulli(1 − p)"),
    # ---- normalisation over the trailing normalized_shape (weight, bias: that shape, or None)
    ("layer_norm", "x, normalized_shape, weight, bias, eps",
     "(y, mean, rstd): y = (x − μ)·ρ·w + b, ρ = 1/√(σ² + ε); mean, rstd shaped x minus the normalized dims"),
    ("layer_norm_backward", "g, x, normalized_shape, mean, rstd, weight, want_weight, want_bias",
     "(dx, dweight or None, dbias or None): dx = ρ·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)), ĝ = g·w"),
    ("rms_norm", "x, normalized_shape, weight, eps", "(y, rstd): y = x·ρ·w, ρ = 1/√(mean(x²) + ε)"),
    ("rms_norm_backward", "g, x, normalized_shape, rstd, weight, want_weight",
     "(dx, dweight or None): dx = ρ·(ĝ − x̂·mean(ĝ·x̂))"),
    # ---- attention: q (Z, Hq, L, E), k (Z, Hk, S, E), v (Z, Hk, S, Ev), Hq a multiple of Hk
    ("scaled_dot_product_attention", "q, k, v, mask, dropout_p, is_causal, scale",
     "(out (Z, Hq, L, Ev), lse (Z, Hq, L), rng): softmax(scale·q·kᵀ + mask)·v without storing the L×S matrix; "
     "mask bool/float broadcast to (Z, Hq, L, S) or None; causal top-left aligned; rng: the dropout state"),
    ("scaled_dot_product_attention_backward", "g, q, k, v, out, lse, mask, dropout_p, is_causal, scale, rng",
     "(dq, dk, dv), recomputing the probabilities from q, k and lse"),
    ("embedding_backward", "g, idx, num_weights, padding_idx, scale_grad_by_freq",
     "dW (num_weights, D): rows of g (idx.shape + (D,)) added at idx; none into padding_idx (< 0: none)"),
    # ---- convolution (x (N, C, H, W), w (O, C/groups, KH, KW); pairs are (h, w))
    ("conv2d", "x, w, bias, stride, padding, dilation, groups",
     "y[n,o,i,j] = b[o] + Σ w[o,c,u,v]·x[n, g·C/G + c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w], zero padding"),
    ("conv2d_backward_input", "g, w, input_size, stride, padding, dilation, groups",
     "∂L/∂x of conv2d for x of size input_size (also conv_transpose2d)"),
    ("conv2d_backward_weight", "x, g, kernel_size, stride, padding, dilation, groups", "∂L/∂w of conv2d"),
    ("im2col", "x, kernel_size, dilation, padding, stride", "F.unfold: (N, C, H, W) → (N, C·KH·KW, L)"),
    ("col2im", "cols, output_size, kernel_size, dilation, padding, stride",
     "F.fold: (N, C·KH·KW, L) → (N, C, H, W), overlaps summed"),
    # ---- pooling over the last two dims (pairs are (h, w))
    ("max_pool2d", "x, kernel_size, stride, padding, dilation, ceil_mode",
     "(y, idx): window maxima, idx = h·W + w of the first maximum (int64)"),
    ("max_pool2d_backward", "g, idx, input_size", "zeros (…, H, W) with g scatter-added at idx"),
    ("max_unpool2d", "x, idx, output_size", "zeros (…, OH, OW) with y[idx] = x"),
    ("avg_pool2d", "x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override",
     "window means (divisor_override 0: none)"),
    ("avg_pool2d_backward", "g, input_size, kernel_size, stride, padding, ceil_mode, count_include_pad, "
                            "divisor_override", "g/D spread over each window"),
    ("adaptive_avg_pool2d", "x, output_size", "means over windows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)"),
    ("adaptive_avg_pool2d_backward", "g, input_size", "g/|window| spread over each adaptive window"),
    ("adaptive_max_pool2d", "x, output_size", "(y, idx): maxima over adaptive windows"),
    # ---- normalisation (x (N, C, *); statistics in double)
    ("batch_norm", "x, weight, bias, running_mean, running_var, use_batch_stats, momentum, eps",
     "(y, mean, invstd) per channel; batch statistics update the running ones in place"),
    ("batch_norm_backward", "x, g, weight, mean, invstd, use_batch_stats", "(gx, gw, gb) of batch_norm"),
    ("group_norm", "x, weight, bias, groups, eps", "(y, mean (N, G), invstd (N, G))"),
    ("group_norm_backward", "x, g, weight, mean, invstd, groups", "(gx, gw, gb) of group_norm"),
    # ---- resampling
    ("pad", "x, pads, mode, value", "F.pad of the last len(pads)/2 dims: 0 constant, 1 reflect, 2 replicate, 3 circular"),
    ("pad_backward", "g, input_shape, pads, mode", "g summed back to the elements each output read"),
    ("upsample2d", "x, out_h, out_w, mode, align_corners, scale_h, scale_w",
     "F.interpolate of (N, C, H, W): mode 0 nearest, 1 bilinear; scale ≤ 0: from the sizes"),
    ("upsample2d_backward", "g, in_h, in_w, mode, align_corners, scale_h, scale_w", "∂L/∂x of upsample2d"),
    # ---- indexing
    ("index_select", "x, axis, idx", "x[..., idx[j], ...] along axis"),
    ("index_add", "shape, axis, idx, src", "zeros(shape) with src slices added at idx (index_select's backward)"),
    ("gather", "x, axis, idx", "torch.gather"),
    ("scatter_add", "shape, axis, idx, src", "zeros(shape).scatter_add(axis, idx, src) (gather's backward)"),
    ("scatter", "x, axis, idx, src", "a copy of x with src[p] written at p with p[axis] := idx[p] (torch.scatter)"),
    ("cat", "xs, axis", "the arrays joined along axis"),
    ("nonzero", "x", "(K, ndim) int64 indices of the nonzero elements"),
    # ---- ordering and scans along one axis
    ("sort", "x, axis, descending", "(values, int64 indices), stable; NaN sorts as the largest"),
    ("topk", "x, k, axis, largest", "(values, int64 indices) of the k largest (smallest) along axis, ordered"),
    ("kthvalue", "x, k, axis", "(value, int64 index) of the k-th smallest along axis (kept, size 1); ties as torch"),
    ("cumsum", "x, axis", "running sum along axis (floats accumulate in double)"),
    ("cumprod", "x, axis", "running product along axis"),
    ("cumprod_backward", "x, g, axis", "∂L/∂x of y = cumprod(x): Σ_{j≥i} g_j Π_{k≤j, k≠i} x_k, zeros allowed"),
    # ---- random (Philox, counter-based: the same numbers for any thread count). `gen`: a
    # _C.Generator (its own seed and offset) or None for the default one
    ("manual_seed", "seed", "seed the generator"),
    ("initial_seed", "", "the seed"),
    ("rand", "shape, dtype, gen", "U[0, 1)"),
    ("randn", "shape, dtype, gen", "N(0, 1)"),
    ("randint", "low, high, shape, gen", "int64 uniform in [low, high)"),
    ("randperm", "n, gen", "a random permutation of 0..n−1"),
    ("uniform_", "x, lo, hi, gen", "x ← U[lo, hi)"),
    ("normal_", "x, mean, std, gen", "x ← N(mean, std²)"),
    ("multinomial", "probs, num_samples, replacement, gen",
     "int64 (R, num_samples) category indices from rows of weights (R, C); without replacement: no repeats"),
    # ---- optimizer updates (in place, contiguous float arrays)
    ("sgd_step_", "param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step",
     "torch.optim.SGD's update of one parameter"),
    ("adam_step_", "param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, "
                   "step, maximize", "torch.optim.Adam / AdamW's update of one parameter"),
]

# kernels every non-CPU device adds: moving data
DEVICE_KERNELS = [
    ("to_device", "x, index", "a copy of the host array x on the device"),
    ("to_host", "x", "a host copy of the device array x"),
]


def pointwise_kernels():
    """The kernels the pointwise table generates, as (name, arguments, what it computes)."""
    out = []
    for name, kind, _dtypes, saves, nparams, doc in _C.pointwise_ops():
        params = ", ".join(f"p{i}" for i in range(nparams))
        if kind.startswith("binary"):
            out.append((name, "a, b", doc))
            if saves == "GRAD":
                out.append((name + "_backward", "a, b, g, want_a, want_b", f"(g·∂/∂a, g·∂/∂b) of {doc}"))
        else:
            out.append((name, "x" + (", " + params if params else ""), doc))
            if saves in ("NONE", "X", "Y"):
                s = {"NONE": "g", "X": "x", "Y": "y"}[saves]
                out.append((name + "_backward", "s, g" + (", " + params if params else ""),
                            f"g·∂/∂x of {doc} (s = {s})"))
    return out


def all_kernels():
    return KERNELS + pointwise_kernels()


def markdown():
    lines = ["# The kernel interface", "", __doc__.split("\n\n", 1)[1], "", "| kernel | arguments | computes |",
             "|---|---|---|"]
    lines += [f"| `{n}` | {a} | {d} |" for n, a, d in all_kernels()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
