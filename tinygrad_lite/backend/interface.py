"""The kernel interface every device implements, as code: each kernel's name, its arguments
and one line of what it computes. tinygrad_lite._C (the CPU), backend.cuda and the numpy
reference (backend.numpy_ref) are checked against this list by tests/test_backend_interface.py;
ops/ call nothing else. `python -m tinygrad_lite.backend.interface` prints it as markdown.

Conventions (every kernel):
- Arguments named x, a, b, g, s, y, idx ... are Arrays (csrc/core/array.h) of any strides and
  offset; results are new contiguous Arrays, except kernels whose name ends in `_`, which write
  their first argument in place (it may be a strided view).
- Scalars arrive as Python floats (values) or ints (sizes, axes, indices); dtypes as the core's
  codes (0 float32, 1 float64, 2 int64, 3 bool).
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
    # ---- indexing
    ("index_select", "x, axis, idx", "x[..., idx[j], ...] along axis"),
    ("index_add", "shape, axis, idx, src", "zeros(shape) with src slices added at idx (index_select's backward)"),
    ("gather", "x, axis, idx", "torch.gather"),
    ("scatter_add", "shape, axis, idx, src", "zeros(shape).scatter_add(axis, idx, src) (gather's backward)"),
    ("cat", "xs, axis", "the arrays joined along axis"),
    ("nonzero", "x", "(K, ndim) int64 indices of the nonzero elements"),
    # ---- random (Philox, counter-based: the same numbers for any thread count)
    ("manual_seed", "seed", "seed the generator"),
    ("initial_seed", "", "the seed"),
    ("rand", "shape, dtype", "U[0, 1)"),
    ("randn", "shape, dtype", "N(0, 1)"),
    ("randint", "low, high, shape", "int64 uniform in [low, high)"),
    ("randperm", "n", "a random permutation of 0..n−1"),
    ("uniform_", "x, lo, hi", "x ← U[lo, hi)"),
    ("normal_", "x, mean, std", "x ← N(mean, std²)"),
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
