"""torch.autograd.Function: user-defined ops with torch's convention.

    class Exp(tinygrad_lite.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

forward runs on Tensors with grad mode off; its outputs get one graph node (a `_CustomNode`,
an internal autograd.function.Function), whose backward calls the user's backward with Tensor
gradients and returns one gradient per forward argument (None for non-tensors). In the
create_graph=True pass the user's backward runs with grad mode on, so a backward written
with differentiable ops gives higher-order gradients too.

The internal Function (autograd/function.py: forward/backward on native Arrays, methods on
the instance) is what the library's own ops use; this class is the user-facing one. Several
outputs share one node: they are packed into one flat array, each output being a slice of it
(`_Slice`), so the engine keeps seeing nodes with one output each.
"""
from . import versions
from .function import Function as _Node
from .grad_mode import _state, enable_grad, no_grad


class FunctionCtx:
    """The `ctx` of forward/backward: save_for_backward / saved_tensors, needs_input_grad,
    mark_non_differentiable, mark_dirty, set_materialize_grads; any other attribute may be
    set freely (ctx.constant = 3)."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad = ()
        self.non_differentiable = set()
        self.dirty = set()
        self.materialize_grads = True
        self._freed = False

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not hasattr(t, "_data"):
                raise TypeError(f"save_for_backward can only save tensors, but argument {len(self.to_save)} is of type "
                                f"{type(t).__name__} (store other objects as ctx attributes)")
        self.to_save = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError("Trying to backward through the graph a second time (or directly access saved tensors "
                               "after they have already been freed). Specify retain_graph=True if you need to backward "
                               "through the graph a second time.")
        return tuple(self.to_save)

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self.dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class _CustomNode(_Node):
    """The graph node of one Function.apply call."""

    __slots__ = ("fn", "ctx", "arg_pos", "n_args", "out_slots", "packed")

    def _grads_in(self, g, wrap, zeros):
        """The user's backward arguments: one per forward output — the gradient of each
        differentiable output (slices of g when several are packed), zeros for the other tensor
        outputs (torch's rule) and None for non-tensor outputs."""
        if not self.packed and len(self.out_slots) == 1:
            return (wrap(g),)
        out, start = [], 0
        for slot in self.out_slots:
            if slot is None:
                out.append(None)
            elif slot[0] == "z":
                out.append(zeros(slot[1], slot[2]))
            elif not self.packed:
                out.append(wrap(g))
            else:
                shape, n = slot[1], slot[2]
                piece = g[start:start + n].reshape(*shape) if hasattr(g, "_data") else \
                    g.slice(0, start, start + n, 1).view(list(shape))
                out.append(wrap(piece))
                start += n
        return tuple(out)

    def _grads_out(self, got, unwrap):
        """One gradient per tensor input (in `parents` order) from the user's return value."""
        if not isinstance(got, tuple):
            got = (got,)
        if len(got) != self.n_args:
            if len(got) > self.n_args and all(g is None for g in got[self.n_args:]):
                got = got[: self.n_args]
            else:
                raise RuntimeError(f"function {self.fn.__name__}Backward returned an incorrect number of gradients "
                                   f"(expected {self.n_args}, got {len(got)})")
        out = []
        for pos, t in zip(self.arg_pos, self.parents):
            g = got[pos]
            if g is None:
                out.append(None)
                continue
            if not hasattr(g, "_data"):
                raise TypeError(f"function {self.fn.__name__}Backward returned a {type(g).__name__} as the gradient "
                                f"of argument {pos}; expected a Tensor or None")
            if tuple(g.shape) != tuple(t.shape):
                if g.numel() == t.numel():
                    g = g.reshape(*t.shape)
                else:
                    raise RuntimeError(f"function {self.fn.__name__}Backward returned an invalid gradient at index "
                                       f"{pos} - got {list(g.shape)} but expected shape compatible with {list(t.shape)}")
            if g.dtype is not t.dtype:
                g = g.to(t.dtype)
            out.append(unwrap(g))
        return tuple(out)

    def _zeros(self, shape, code):
        T, dev = self.parents[0]._tensor_cls, self.parents[0]._device
        return T._wrap(self.B.full(list(shape), 0.0, code), dev)

    def backward(self, g):
        T = self.parents[0]._tensor_cls
        dev = self.parents[0]._device
        grads = self._grads_in(g, lambda a: T._wrap(a, dev), self._zeros)
        with no_grad():
            got = self.fn.backward(self.ctx, *grads)
        return self._grads_out(got, lambda t: t._data)

    def backward_graph(self, g):
        grads = self._grads_in(g, lambda t: t, self._zeros)
        with enable_grad():
            got = self.fn.backward(self.ctx, *grads)
        return self._grads_out(got, lambda t: t)

    @property
    def name(self):
        return self.fn.__name__ + "Backward"

    def __setattr__(self, name, value):
        if name == "saved" and value is None and hasattr(self, "ctx"):  # the engine frees the node
            self.ctx._freed = True
            self.ctx.to_save = ()
        object.__setattr__(self, name, value)


class _Slice(_Node):
    """One output of a several-output Function: a slice of the packed array."""

    __slots__ = ("start", "n", "total")

    def forward(self, packed, start, n, shape):
        self.start, self.n, self.total = start, n, packed.shape[0]
        return packed.slice(0, start, start + n, 1).view(list(shape))

    def backward(self, g):
        full = self.B.full([self.total], 0.0, g.dtype)
        self.B.copy_(full.slice(0, self.start, self.start + self.n, 1), g.reshape([self.n]))
        return full

    def backward_graph(self, g):
        from ..ops.shape import IndexInto

        return IndexInto.apply(g.reshape(-1), shape=[self.total], index=(slice(self.start, self.start + self.n),))


class Function:
    """Base class of user-defined differentiable ops (torch.autograd.Function); see the
    module docstring. Subclasses define static `forward(ctx, *args)` (or `forward(*args)` with
    `setup_context(ctx, inputs, output)`) and `backward(ctx, *grads)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        is_t = [hasattr(a, "_data") and hasattr(a, "requires_grad") for a in args]
        ctx.needs_input_grad = tuple(bool(t and a.requires_grad) for t, a in zip(is_t, args))
        separate = cls.setup_context is not Function.setup_context
        with no_grad():
            out = cls.forward(*args, **kwargs) if separate else cls.forward(ctx, *args, **kwargs)
        if separate:
            cls.setup_context(ctx, args, out)
        if not (_state.enabled and any(ctx.needs_input_grad)):
            return out
        return _record(cls, ctx, args, is_t, out)


def _record(cls, ctx, args, is_t, out):
    """Give the outputs of one apply call a shared node whose parents are the tensor inputs."""
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    first = next(a for a, t in zip(args, is_t) if t)
    T = first._tensor_cls
    diff = [i for i, o in enumerate(outs) if isinstance(o, T) and o.dtype.is_floating_point and
            id(o) not in ctx.non_differentiable]
    node = _CustomNode()
    node.fn, node.ctx = cls, ctx
    node.arg_pos = [i for i, t in enumerate(is_t) if t]
    node.n_args = len(args)
    node.parents = tuple(args[i] for i in node.arg_pos)
    node.inputs = tuple(p._ctx for p in node.parents)
    node.epoch = versions.epoch
    node.freed = False
    node.B = first._device.backend
    node.saved = tuple(t._data for t in ctx.to_save if t is not None)  # the engine's in-place checks
    node.packed = len(diff) > 1
    node.out_slots = [("d", tuple(o.shape), o.numel()) if k in diff else
                      ("z", tuple(o.shape), o._data.dtype) if isinstance(o, T) else None
                      for k, o in enumerate(outs)]
    result = list(outs)
    if not diff:
        return out
    if not node.packed:
        i = diff[0]
        r = T._wrap(outs[i]._data, outs[i]._device, True)
        r._ctx = node
        result[i] = r
    else:
        dtypes = {outs[i].dtype for i in diff}
        if len(dtypes) != 1:
            raise NotImplementedError(f"{cls.__name__}: several differentiable outputs of different dtypes")
        B = node.B
        packed = B.cat([B.contiguous(outs[i]._data).reshape([-1]) for i in diff], 0)
        hidden = T._wrap(packed, first._device, True)
        hidden._ctx = node
        start = 0
        for i in diff:
            _, shape, n = node.out_slots[i]
            result[i] = _Slice.apply(hidden, start=start, n=n, shape=list(shape))
            start += n
    return result[0] if single else tuple(result)


def once_differentiable(fn):
    """torch.autograd.function.once_differentiable: accepted (our backward runs without a
    graph unless create_graph=True)."""
    return fn
