"""Case generation: which op, with which (encoded) arguments. Pure data, seeded per case.

Argument encoding (decoded by worker.py, identically for both libraries):
  {"T": {...}}        a tensor: shape, dtype (float32/float64/int64/bool), fill, view, grad
  {"N": {...}}        a numpy array (any numpy dtype, e.g. float16, uint8, '>f4'): for tensor()/from_numpy
  {"TL": [T, ...]}    a list of tensors (cat, stack)
  {"dtype": name}     the library's dtype object; {"F": "nan"} a float JSON cannot spell
  {"slice": [a,b,c]}, {"E": 1} (Ellipsis), {"tuple": [...]}: index keys
  {"A": {"key", "T"}}  a view of the first tensor (args[0][key], transposed if T): a source that
                      overlaps what an in-place write writes
  {"bad": kind}       a value of a wrong Python type (object(), a dict, a set, complex)
  anything else       the JSON value itself (int, float, bool, None, str, list)
"""
import random

DTYPES = ["float32", "float32", "float32", "float64", "int64", "bool"]
FLOATS = ["float32", "float64"]
NUMPY_DTYPES = ["float16", "uint8", "int8", "int32", ">f4", ">f8", ">i8", "float32", "bool", "int64", "float64"]
SHAPES = [(), (0,), (1,), (3,), (5,), (2, 3), (3, 1), (1, 4), (2, 0, 3), (4, 5), (2, 3, 4), (1, 1), (3, 3), (2, 1, 3)]
FILLS = ["normal", "normal", "normal", "special", "ints", "zeros", "uniform", "large"]
VIEWS = ["contig", "contig", "contig", "T", "slice", "expand", "select", "perm"]
HUGE = [2**31, 2**32, 2**62, 2**63 - 1, 2**63, 2**64, -1, -2]


class Gen:
    """Random choices for one case (random.Random seeded by (seed, index))."""

    def __init__(self, seed, index):
        self.r = random.Random(seed * 1_000_003 + index)
        self.index = index

    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    def chance(self, p):
        return self.r.random() < p

    def shape(self, ndim=None, min_ndim=0):
        if ndim is not None:
            return [self.r.randint(0 if self.chance(0.1) else 1, 4) for _ in range(ndim)]
        s = self.pick(SHAPES)
        while len(s) < min_ndim:
            s = self.pick(SHAPES)
        return list(s)

    def tensor(self, dtype=None, shape=None, fill=None, view=None, grad=False, min_ndim=0):
        dtype = dtype or self.pick(DTYPES)
        shape = list(shape) if shape is not None else self.shape(min_ndim=min_ndim)
        if fill is None:
            fill = "bool" if dtype == "bool" else self.pick(FILLS)
        view = view or self.pick(VIEWS)
        if view == "select":
            shape = [2] + shape  # x[1] of a (2, ...) tensor: a non-zero offset
        return {"T": {"shape": shape, "dtype": dtype, "fill": fill, "view": view,
                      "seed": self.r.randrange(1 << 30), "grad": grad}}

    def numpy(self, dtype=None, shape=None):
        return {"N": {"shape": list(shape) if shape is not None else self.shape(), "dtype": dtype or self.pick(NUMPY_DTYPES),
                      "fill": self.pick(FILLS), "seed": self.r.randrange(1 << 30),
                      "readonly": self.chance(0.3), "bool_bytes": self.chance(0.2)}}

    def partner(self, t):
        """A second operand: same shape, broadcastable, incompatible, or a scalar."""
        shape = t["T"]["shape"]
        k = self.r.random()
        if k < 0.4:
            return self.tensor(shape=shape)
        if k < 0.55:
            return self.tensor(shape=shape[1:] if shape else [])
        if k < 0.65:
            return self.tensor(shape=[1] * len(shape))
        if k < 0.75:
            return self.tensor()  # often incompatible
        return self.scalar()

    def scalar(self):
        return self.pick([2, -1, 0, 3, 2.5, -0.5, 0.0, True, False, {"F": "nan"}, {"F": "inf"}, {"F": "-inf"},
                          2**63, -(2**63), 2**62, 1e300, 7])

    def dim(self, t, allow_none=False):
        nd = len(t["T"]["shape"])
        choices = list(range(-max(nd, 1), max(nd, 1))) * 3 + [nd, -nd - 1, 5, 2**63]
        if allow_none:
            choices += [None, None]
        return self.pick(choices)

    def size_arg(self):
        """A shape argument: mostly sane, sometimes empty, negative, huge, or not ints at all."""
        k = self.r.random()
        if k < 0.6:
            return self.shape()
        if k < 0.85:
            s = self.shape(ndim=self.r.randint(1, 3))
            s[self.r.randrange(len(s))] = self.pick(HUGE)
            return s
        return self.pick([[2.5], ["a"], [None], [2, [3]], [True, 2], [], [0, 2**62]])

    def wrong(self):
        return self.pick(["a", None, [1, "x"], {"bad": "object"}, {"bad": "dict"}, {"bad": "complex"}, 1.5,
                          {"bad": "set"}, [[1, 2], [3]], -1, 2**70])


# ---- the ops: name -> (call kind, argument builder) ----------------------------------------------
# call kinds: fn (tl.op / torch.op), method (args[0].op(...)), F (nn.functional), op (an operator
# on args[0]: "__add__" ...), getitem, setitem, grad (backward of fn(...).sum(); grads compared),
# module (nn.<op>(...) constructed, parameter shapes compared), create (random creation: only
# shape and dtype compared).

UNARY = ["abs", "neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "rsqrt", "square"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]
REDUCE = ["sum", "mean", "amax", "amin", "argmax", "argmin", "max", "min", "std", "var", "all", "any"]
INPLACE = ["add_", "sub_", "mul_", "div_"]
OPERATORS = ["__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__", "__matmul__",
             "__eq__", "__lt__", "__ge__", "__and__", "__or__", "__iadd__", "__imul__", "__itruediv__",
             "__radd__", "__rsub__", "__rtruediv__", "__neg__", "__abs__", "__invert__"]


def _unary(g, name):
    t = g.tensor()
    return ("fn" if g.chance(0.5) else "method"), name, [t], {}


def _binary(g, name):
    a = g.tensor()
    b = g.partner(a)
    kw = {}
    if name in ("add", "sub") and g.chance(0.2):
        kw["alpha"] = g.pick([2, 0.5, -1])
    return ("fn" if g.chance(0.6) else "method"), name, [a, b], kw


def _reduce(g, name):
    t = g.tensor()
    args, kw = [t], {}
    if g.chance(0.7):
        kw["dim"] = g.dim(t, allow_none=name not in ("max", "min"))
        if g.chance(0.4):
            kw["keepdim"] = g.pick([True, False])
    if name in ("std", "var") and g.chance(0.5):
        kw["correction"] = g.pick([0, 1, 2, 5, -1])
    return ("fn" if g.chance(0.5) and name not in ("all", "any") else "method"), name, args, kw


def _inplace(g, name):
    a = g.tensor()
    return "method", name, [a, g.partner(a)], {}


def _operator(g, name):
    a = g.tensor()
    if name in ("__neg__", "__abs__", "__invert__"):
        return "op", name, [a], {}
    if name == "__matmul__":
        return "op", name, [a, g.tensor(dtype=a["T"]["dtype"], shape=list(reversed(a["T"]["shape"])))], {}
    return "op", name, [a, g.partner(a)], {}


def _index_key(g, t):
    shape = t["T"]["shape"]
    n = shape[0] if shape else 0
    options = [
        lambda: g.pick([0, -1, n, -n - 1, 1, 2**63, 2**70]),
        lambda: {"slice": [g.pick([None, 0, 1, -1, 2**63]), g.pick([None, 2, -1, 10, 2**64]), g.pick([None, 1, 2, -1, 0, 2**62])]},
        lambda: {"E": 1},
        lambda: None,
        lambda: {"tuple": [{"E": 1}, {"E": 1}]},
        lambda: {"tuple": [0] * (len(shape) + 1)},
        lambda: {"tuple": [{"slice": [None, None, None]}, g.pick([0, -1, None])]},
        lambda: g.tensor(dtype="int64", shape=[g.r.randint(0, 3)], fill="ints", view="contig"),
        lambda: g.tensor(dtype="bool", shape=shape if g.chance(0.7) else g.shape(), fill="bool", view="contig"),
        lambda: [0, 0, -1],
        lambda: g.pick([1.5, "a", {"bad": "object"}, [0, "a"], True]),
    ]
    return g.pick(options)()


def _getitem(g, name):
    t = g.tensor()
    return "getitem", name, [t, _index_key(g, t)], {}


def _setitem(g, name):
    t = g.tensor(view=g.pick(["contig", "contig", "T", "slice", "expand", "select"]))
    return "setitem", name, [t, _index_key(g, t), g.pick([g.scalar(), g.tensor(shape=[]), g.tensor()])], {}


def _shape_op(g, name):
    t = g.tensor()
    shape = t["T"]["shape"]
    if name in ("reshape", "view"):
        n = 1
        for d in shape:
            n *= d
        new = g.pick([[n], [-1], [n, 1], [1, -1], [-1, -1], g.size_arg(), [n * 2], [2**62, 4], [0, -1]])
        return "method", name, [t] + list(new), {}
    if name in ("transpose", "swapaxes"):
        return "fn" if g.chance(0.5) else "method", name, [t, g.dim(t), g.dim(t)], {}
    if name == "permute":
        dims = list(range(len(shape)))
        g.r.shuffle(dims)
        if g.chance(0.3):
            dims = dims + [0] if g.chance(0.5) else dims[:-1] + [dims[0]] if dims else [0]
        return "method", name, [t] + dims, {}
    if name in ("expand", "broadcast_to"):
        new = [g.pick([d, -1, 1, 3, 0, 2**62]) for d in shape]
        if g.chance(0.4):
            new = [g.pick([2, 0, 2**40])] + new
        return ("method", name, [t] + new, {}) if name == "expand" else ("fn", name, [t, new], {})
    if name in ("squeeze", "unsqueeze"):
        return "method", name, [t, g.dim(t)] if name == "unsqueeze" or g.chance(0.7) else [t], {}
    if name == "flatten":
        return "fn", name, [t, g.pick([0, 1, -1, 3]), g.pick([-1, 0, 2])], {}
    if name in ("cat", "stack"):
        others = [g.tensor(dtype=t["T"]["dtype"], shape=shape if g.chance(0.7) else g.shape()) for _ in range(g.r.randint(0, 2))]
        return "fn", name, [{"TL": [t] + others}], {"dim": g.dim(t)}
    if name in ("split", "chunk"):
        arg = g.pick([1, 2, 0, -1, [1, 1], [1, 1, 1], [2**62], 2**63])
        return "method", name, [t, arg], {"dim": g.dim(t)}
    if name in ("t", "contiguous", "clone", "T", "mT", "nonzero", "tolist", "item", "numpy"):
        return "method", name, [t], {}
    raise KeyError(name)


def _index_op(g, name):
    t = g.tensor(min_ndim=1)
    shape = t["T"]["shape"]
    if name == "gather":
        d = g.dim(t)
        idx_shape = [g.r.randint(0, s if s else 1) for s in shape] if g.chance(0.7) else g.shape()
        idx = g.tensor(dtype=g.pick(["int64", "int64", "float32"]), shape=idx_shape, fill="ints", view="contig")
        return "fn", name, [t, d, idx], {}
    if name == "index_select":
        idx = g.tensor(dtype=g.pick(["int64", "int64", "bool"]), shape=[g.r.randint(0, 4)], fill="ints", view="contig")
        return "fn", name, [t, g.dim(t), idx], {}
    if name in ("masked_fill", "masked_fill_"):
        mask = g.tensor(dtype=g.pick(["bool", "bool", "int64"]), shape=shape if g.chance(0.7) else g.shape(), fill="bool")
        return "method", name, [t, mask, g.scalar()], {}
    if name == "where":
        cond = g.tensor(dtype=g.pick(["bool", "bool", "float32"]), shape=shape, fill="bool")
        return "fn", name, [cond, t, g.partner(t)], {}
    if name in ("clamp", "clamp_"):
        lo, hi = g.pick([None, -1, 0.5, 2, {"F": "nan"}]), g.pick([None, 1, 0, 2.5, -3])
        return "method", name, [t, lo, hi], {}
    raise KeyError(name)


def _matmul(g, name):
    a = g.tensor(dtype=g.pick(FLOATS + ["int64"]), min_ndim=1)
    sa = a["T"]["shape"]
    k = sa[-1]
    b_shape = g.pick([[k], [k, 3], [2, k, 2], [k + 1, 2], [], [3, k]])
    if name == "bmm":
        a = g.tensor(dtype="float32", shape=[2, 3, 4] if g.chance(0.7) else g.shape())
        b_shape = g.pick([[2, 4, 5], [2, 5, 4], [3, 4, 5], [4, 5]])
    b = g.tensor(dtype=a["T"]["dtype"] if g.chance(0.8) else g.pick(DTYPES), shape=b_shape)
    return "fn", name, [a, b], {}


def _functional(g, name):
    if name in ("softmax", "log_softmax"):
        t = g.tensor(dtype=g.pick(FLOATS + ["int64"]))
        return "F", name, [t], {"dim": g.dim(t)}
    if name in ("cross_entropy", "nll_loss"):
        n, c = g.r.randint(0, 4), g.r.randint(1, 5)
        x = g.tensor(dtype=g.pick(["float32", "float32", "float64", "int64"]), shape=g.pick([[n, c], [c], [n, c, 2], [n + 1, c]]))
        y = g.tensor(dtype=g.pick(["int64", "int64", "float32"]), shape=g.pick([[n], [], [n + 1], [n, 2]]), fill="ints")
        kw = {}
        if g.chance(0.3):
            kw["reduction"] = g.pick(["mean", "sum", "none", "bogus"])
        if g.chance(0.2):
            kw["ignore_index"] = g.pick([-100, 0, 1])
        return "F", name, [x, y], kw
    if name in ("mse_loss", "l1_loss"):
        a = g.tensor(dtype=g.pick(FLOATS))
        return "F", name, [a, g.partner(a)], {}
    if name == "linear":
        x = g.tensor(dtype="float32", shape=g.pick([[2, 3], [3], [0, 3], [2, 4]]))
        w = g.tensor(dtype="float32", shape=g.pick([[5, 3], [3], [5, 4]]))
        args = [x, w] + ([g.tensor(dtype="float32", shape=g.pick([[5], [3], []]))] if g.chance(0.5) else [])
        return "F", name, args, {}
    if name == "embedding":
        idx = g.tensor(dtype=g.pick(["int64", "int64", "float32"]), shape=g.shape(), fill="ints", view="contig")
        w = g.tensor(dtype="float32", shape=g.pick([[5, 3], [3], [0, 2]]))
        return "F", name, [idx, w], {}
    if name == "gelu":
        t = g.tensor(dtype=g.pick(FLOATS))
        return "F", name, [t], ({"approximate": g.pick(["none", "tanh", "bogus"])} if g.chance(0.3) else {})
    if name == "dropout":
        t = g.tensor(dtype=g.pick(FLOATS))
        return "F", name, [t], {"p": g.pick([0.0, 1.0, -0.5, 1.5]), "training": g.pick([True, False])}
    raise KeyError(name)


def _hyper(g, sane):
    """A convolution / pooling hyper-parameter: mostly sane, sometimes zero, negative or huge."""
    return g.pick(sane * 6 + [0, -1, 2**40, 2**62, 2**63, [1, 2, 3], 1.5])


def _image(g, ndim=4):
    """An (N, C, H, W) input (sometimes the wrong rank or empty)."""
    shape = [g.r.randint(1, 2), g.r.randint(1, 4), g.r.randint(1, 7), g.r.randint(1, 7)]
    if g.chance(0.1):
        shape = g.shape()
    elif g.chance(0.05):
        shape[0] = 0
    return g.tensor(dtype=g.pick(FLOATS * 4 + ["int64"]), shape=shape[-ndim:] if ndim < 4 else shape)


def _cnn(g, name):
    """main's CNN kernels: conv2d / conv1d / conv_transpose2d, pooling, interpolation, norms."""
    if name in ("conv2d", "conv_transpose2d", "conv1d"):
        nd = 3 if name == "conv1d" else 4
        x = _image(g, nd)
        xs = x["T"]["shape"]
        c = xs[1] if len(xs) > 1 else 1
        groups = g.pick([1, 1, 1, 2, 0, -1]) if g.chance(0.3) else 1
        k = [g.r.randint(1, 3) for _ in range(nd - 2)]
        if name == "conv_transpose2d":
            wshape = [c, g.r.randint(1, 3)] + k
        else:
            wshape = [g.r.randint(1, 4) * max(groups, 1), max(c // max(groups, 1), 1)] + k
        if g.chance(0.1):
            wshape = g.shape()
        w = g.tensor(dtype=x["T"]["dtype"], shape=wshape)
        kw = {}
        for key, sane in (("stride", [1, 2]), ("padding", [0, 1]), ("dilation", [1, 2])):
            if g.chance(0.4):
                kw[key] = _hyper(g, sane)
        if groups != 1:
            kw["groups"] = groups
        out_ch = wshape[0 if name != "conv_transpose2d" else 1] if len(wshape) > 1 else 1  # a random weight shape may be 0-d/1-d
        args = [x, w] + ([g.tensor(dtype=x["T"]["dtype"], shape=[out_ch])] if g.chance(0.3) else [])
        return "F", name, args, kw
    if name in ("max_pool2d", "avg_pool2d"):
        x = _image(g)
        kw = {"kernel_size": _hyper(g, [1, 2, 3])}
        if g.chance(0.5):
            kw["stride"] = _hyper(g, [1, 2])
        if g.chance(0.4):
            kw["padding"] = _hyper(g, [0, 1])
        if g.chance(0.3):
            kw["ceil_mode"] = g.pick([True, False])
        if name == "max_pool2d" and g.chance(0.2):
            kw["dilation"] = _hyper(g, [1, 2])
        return "F", name, [x], kw
    if name in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        return "F", name, [_image(g), g.pick([1, 2, 3, [2, 3], 0, -1, 2**40, [1, 2, 3]])], {}
    if name == "interpolate":
        x = _image(g)
        kw = {"mode": g.pick(["nearest", "nearest", "bilinear", "bogus"])}
        if g.chance(0.5):
            kw["size"] = g.pick([[4, 5], 3, [1, 1], 0, -2, [2**40, 2], [2, 3, 4]])
        else:
            kw["scale_factor"] = g.pick([2, 0.5, 1.5, 3.0, 0, -1, 1e-30, 2**40, {"F": "nan"}, {"F": "inf"}])
        if kw["mode"] == "bilinear" and g.chance(0.5):
            kw["align_corners"] = g.pick([True, False])
        return "F", name, [x], kw
    if name in ("layer_norm", "group_norm", "batch_norm", "instance_norm"):
        x = _image(g) if g.chance(0.7) else g.tensor(dtype=g.pick(FLOATS))
        xs = x["T"]["shape"]
        if name == "layer_norm":
            ns = g.pick([xs[-1:], xs[-2:], [3], [], [0], [2**62]]) if xs else g.pick([[1], []])
            args = [x, ns]
            if g.chance(0.5):
                args += [g.tensor(dtype=x["T"]["dtype"], shape=ns if g.chance(0.8) else [7])]
            return "F", name, args, {"eps": g.pick([1e-5, 0.0, -1.0])} if g.chance(0.2) else {}
        c = xs[1] if len(xs) > 1 else 1
        if name == "group_norm":
            return "F", name, [x, g.pick([1, c, 2, 0, -1, 3])], {}
        if name == "batch_norm":
            rm = g.tensor(dtype=x["T"]["dtype"], shape=[c if g.chance(0.9) else c + 1], view="contig")
            rv = g.tensor(dtype=x["T"]["dtype"], shape=[c], fill="uniform", view="contig")
            return "F", name, [x, rm, rv], {"training": g.pick([True, False])}
        return "F", name, [x], {}
    if name == "pad":
        x = g.tensor(dtype=g.pick(FLOATS + ["int64"]), min_ndim=1)
        pads = g.pick([[1, 1], [0, 2, 1, 0], [1], [-1, 0], [2**40, 0], [1, 1, 1, 1, 1, 1, 1, 1], [-5, -5]])
        return "F", name, [x, pads], {"mode": g.pick(["constant", "constant", "reflect", "replicate", "bogus"])}
    if name == "pixel_shuffle":
        return "F", name, [_image(g), g.pick([1, 2, 3, 0, -1, 2**40])], {}
    raise KeyError(name)


def _sort_scan(g, name):
    """main's sort / scan / selection kernels."""
    t = g.tensor(dtype=g.pick(FLOATS * 2 + ["int64", "bool"]))
    nd = len(t["T"]["shape"])
    if name == "topk":
        n = t["T"]["shape"][-1] if nd else 1
        kw = {"largest": g.pick([True, False])} if g.chance(0.3) else {}
        if g.chance(0.5):
            kw["dim"] = g.dim(t)
        return "fn", name, [t, g.pick([0, 1, n, n + 1, -1, 2**62, 2**63] + [min(n, 2)] * 3)], kw
    if name in ("sort", "argsort"):
        kw = {"dim": g.dim(t)} if g.chance(0.6) else {}
        if g.chance(0.4):
            kw["descending"] = g.pick([True, False])
        if name == "sort" and g.chance(0.3):
            kw["stable"] = True
        return "fn", name, [t], kw
    if name in ("cumsum", "cumprod"):
        return "fn", name, [t, g.dim(t)], {}
    if name == "kthvalue":
        n = t["T"]["shape"][-1] if nd else 1
        return "fn", name, [t, g.pick([1, n, 0, n + 1, -1, 2**63])], {}
    raise KeyError(name)


def _attention(g, name):
    """scaled_dot_product_attention: q (..., L, E), k (..., S, E), v (..., S, Ev)."""
    b, h, L, S, E = g.r.randint(1, 2), g.r.randint(1, 3), g.r.randint(1, 5), g.r.randint(1, 5), g.r.randint(1, 8)
    dt = g.pick(FLOATS * 3 + ["int64"])
    q = g.tensor(dtype=dt, shape=[b, h, L, E], fill=g.pick(["normal", "normal", "special", "zeros"]))
    k = g.tensor(dtype=dt, shape=[b, h, S, E if g.chance(0.9) else E + 1])
    v = g.tensor(dtype=dt, shape=[b, h if g.chance(0.9) else h + 1, S, g.r.randint(1, 6)])
    kw = {}
    if g.chance(0.4):
        kw["is_causal"] = True
    elif g.chance(0.3):
        kw["attn_mask"] = g.tensor(dtype=g.pick(["bool", dt]), shape=g.pick([[L, S], [1, S], [S, L], [b, h, L, S]]),
                                   view="contig")
    if g.chance(0.2):
        kw["scale"] = g.pick([0.5, 0.0, -1.0, {"F": "inf"}])
    return "F", name, [q, k, v], kw


def _creation(g, name):
    if name in ("zeros", "ones", "empty", "rand", "randn"):
        size = g.size_arg()
        kw = {"dtype": {"dtype": g.pick(["float32", "float64", "int64", "bool"])}} if g.chance(0.3) else {}
        if g.chance(0.1):
            kw["dtype"] = g.pick(["float32", {"bad": "object"}])  # a string is not a dtype
        kind = "create" if name in ("empty", "rand", "randn") else "fn"
        return kind, name, list(size) if g.chance(0.5) else [size], kw
    if name == "full":
        return "fn", name, [g.size_arg(), g.scalar()], ({"dtype": {"dtype": g.pick(["float32", "int64", "bool"])}} if g.chance(0.4) else {})
    if name == "arange":
        args = [g.pick([0, 1, -3, 2.5, 2**62, 2**63, {"F": "nan"}, {"F": "inf"}])]
        if g.chance(0.6):
            args.append(g.pick([5, 10, -2, 2**63 - 1, 0.5, 2**64]))
            if g.chance(0.5):
                args.append(g.pick([1, 2, -1, 0, 0.25, 2**62]))
        return "fn", name, args, ({"dtype": {"dtype": g.pick(["int64", "float32", "bool"])}} if g.chance(0.3) else {})
    if name == "linspace":
        return "fn", name, [g.scalar(), g.scalar(), g.pick([0, 1, 5, -1, 2.5])], {}
    if name == "eye":
        return "fn", name, [g.pick([0, 1, 3, -1, 2**40])] + ([g.pick([2, 0, -1])] if g.chance(0.4) else []), {}
    if name == "randint":
        return "create", name, [g.pick([0, -5, 2**63 - 1, 10]), g.pick([10, 0, 2**63, 1]), g.size_arg()], {}
    if name == "tensor":
        data = g.pick([g.numpy(), [1, 2.5], [[1, 2], [3]], [True, 2], [2**63], [2**64], [], [[]], 3.5,
                       [{"F": "nan"}, 1], "abc", [1, None]])
        kw = {"dtype": {"dtype": g.pick(["float32", "int64", "bool", "float64"])}} if g.chance(0.3) else {}
        return "fn", name, [data], kw
    if name == "from_numpy":
        return "fn", name, [g.numpy()], {}
    if name in ("zeros_like", "ones_like", "full_like"):
        t = g.tensor()
        return "fn", name, [t] + ([g.scalar()] if name == "full_like" else []), {}
    raise KeyError(name)


def _convert(g, name):
    t = g.tensor()
    if name == "to":
        return "method", name, [t, {"dtype": g.pick(["float32", "float64", "int64", "bool"])}], {}
    return "method", name, [t], {}


def _misc_inplace(g, name):
    t = g.tensor()
    if name == "fill_":
        return "method", name, [t, g.scalar()], {}
    if name == "copy_":
        return "method", name, [t, g.pick([g.tensor(shape=t["T"]["shape"]), g.tensor(), g.partner(t)])], {}
    if name == "zero_":
        return "method", name, [t], {}
    if name == "relu_":
        return "method", name, [g.tensor(dtype=g.pick(FLOATS))], {}
    raise KeyError(name)


def _overlap(g, name):
    """An in-place write whose source is a view of its target: the same tensor, a row, a shifted
    slice, the transpose (torch refuses a partial overlap, allows the same layout and disjoint parts)."""
    t = g.tensor(dtype=g.pick(FLOATS), shape=g.pick([[3], [5], [2, 3], [3, 3], [4, 2]]), view="contig")
    shape = t["T"]["shape"]
    n = shape[0]
    key = g.pick([None, 0, {"slice": [1, None, None]}, {"slice": [None, -1, None]}, {"slice": [0, n // 2, None]},
                  {"slice": [None, None, 2]}, {"slice": [n - n // 2, None, None]}])
    alias = {"A": {"key": key, "T": len(shape) == 2 and g.chance(0.3)}}
    if name == "__setitem__":
        dst = g.pick([{"slice": [None, -1, None]}, {"slice": [1, None, None]}, {"slice": [0, n // 2, None]},
                      {"slice": [None, None, None]}, 0, [0, 1]])
        return "setitem", name, [t, dst, alias], {}
    if name == "lerp_":
        return "method", name, [t, alias, 0.5], {}
    if name == "clamp_":
        return "method", name, [t], {"min": alias}
    return "method", name, [t, alias], {}


def _grad(g, name):
    """Backward of name(x[, y]).sum(): the input gradients."""
    x = g.tensor(dtype=g.pick(FLOATS), grad=True, view="contig")
    if name in BINARY:
        y = g.tensor(dtype=x["T"]["dtype"], shape=x["T"]["shape"] if g.chance(0.7) else x["T"]["shape"][1:], grad=True, view="contig")
        return "grad", name, [x, y], {}
    if name in ("std", "var", "max", "amax", "mean", "sum"):
        return "grad", name, [x], ({"dim": g.dim(x)} if g.chance(0.5) and x["T"]["shape"] else {})
    return "grad", name, [x], {}


def _module(g, name):
    return "module", name, [g.pick([3, 0, -1, 2**62, 2.5]), g.pick([2, 0, 2**31, -4])], {}


TABLE = []
for _n in UNARY:
    TABLE.append((_n, _unary, 2))
for _n in BINARY:
    TABLE.append((_n, _binary, 3))
for _n in REDUCE:
    TABLE.append((_n, _reduce, 2))
for _n in INPLACE:
    TABLE.append((_n, _inplace, 2))
for _n in OPERATORS:
    TABLE.append((_n, _operator, 1))
TABLE += [("__getitem__", _getitem, 25), ("__setitem__", _setitem, 15)]
for _n in ["reshape", "view", "transpose", "swapaxes", "permute", "expand", "broadcast_to", "squeeze", "unsqueeze",
           "flatten", "cat", "stack", "split", "chunk", "t", "contiguous", "clone", "T", "mT", "nonzero", "tolist",
           "item", "numpy"]:
    TABLE.append((_n, _shape_op, 2))
for _n in ["gather", "index_select", "masked_fill", "masked_fill_", "where", "clamp", "clamp_"]:
    TABLE.append((_n, _index_op, 3))
for _n in ["matmul", "mm", "bmm", "dot"]:
    TABLE.append((_n, _matmul, 2))
for _n in ["softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "linear", "embedding",
           "gelu", "dropout"]:
    TABLE.append((_n, _functional, 2))
for _n in ["conv2d", "conv1d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d", "interpolate", "layer_norm", "group_norm", "batch_norm", "instance_norm", "pad",
           "pixel_shuffle"]:
    TABLE.append((_n, _cnn, 2 if _n in ("conv2d", "max_pool2d", "interpolate") else 1))
for _n in ["topk", "sort", "argsort", "cumsum", "cumprod", "kthvalue"]:
    TABLE.append((_n, _sort_scan, 1))
TABLE.append(("scaled_dot_product_attention", _attention, 2))
for _n in ["zeros", "ones", "empty", "rand", "randn", "full", "arange", "linspace", "eye", "randint", "tensor",
           "from_numpy", "zeros_like", "ones_like", "full_like"]:
    TABLE.append((_n, _creation, 3 if _n in ("tensor", "from_numpy", "full", "arange") else 2))
for _n in ["long", "float", "double", "bool", "int", "to"]:
    TABLE.append((_n, _convert, 1))
for _n in ["fill_", "copy_", "zero_", "relu_"]:
    TABLE.append((_n, _misc_inplace, 2))
for _n in ["add_", "mul_", "copy_", "lerp_", "clamp_", "__setitem__"]:
    TABLE.append(("overlap:" + _n, lambda g, n: _overlap(g, n.split(":", 1)[1]), 1))
for _n in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "mul", "div", "pow", "std", "var", "max", "amax", "mean"]:
    TABLE.append(("grad:" + _n, lambda g, n: _grad(g, n.split(":", 1)[1]), 1))
TABLE.append(("Linear", _module, 2))

_WEIGHTS = [w for _, _, w in TABLE]


def make_case(seed, index):
    """Case `index` of the run seeded `seed`: {"id", "op", "call", "name", "args", "kwargs"}."""
    g = Gen(seed, index)
    key, builder, _ = g.r.choices(TABLE, weights=_WEIGHTS)[0]
    call, name, args, kwargs = builder(g, key)
    # mutation: one argument (not the first) replaced by a wrong type or an out-of-range int
    if len(args) > 1 and call not in ("grad", "module") and g.chance(0.12):
        i = g.r.randrange(1, len(args))
        args[i] = g.wrong()
    elif kwargs and g.chance(0.08):
        k = g.pick(sorted(kwargs))
        kwargs[k] = g.wrong()
    return {"id": index, "op": key, "call": call, "name": name, "args": args, "kwargs": kwargs}
