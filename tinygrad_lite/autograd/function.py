"""Function: one differentiable op, its forward and its backward side by side.

A subclass implements
    forward(self, *arrays, **params) -> Array      # arrays: the inputs' native Arrays
    backward(self, grad) -> Array | tuple           # one gradient (or None) per input
and stores what backward needs on `self` (via `save`). `apply` runs forward and, when any
input requires grad and grad mode is on, records the node: the output's `_ctx` is the
Function instance, whose `parents` are the input tensors.

Backward works on native Arrays, not Tensors: no graph is built while differentiating, and
nothing in the first-order backward pass pays for autograd bookkeeping. A Function may also
define `backward_graph(self, g)`: the same derivative written with differentiable Tensor ops
on `self.parents` (the input Tensors), which the create_graph=True pass uses to build
gradients that can be differentiated again (engine.backward_graph).

The output is made with the inputs' own tensor class (`_tensor_cls`, which tensor.py sets
to Tensor): this module sits below tensor.py and never imports it.

A node remembers, besides its parent tensors, the node each parent had when it was used
(`inputs`): an in-place op later gives a tensor a new node, and the graph built before must
still lead to the old one. `epoch` is the in-place write counter (autograd/versions.py) at
the node's creation, so the engine can tell whether a saved array was overwritten since.
"""
import builtins

from ..argcheck import describe, native_call_error
from ..backend import narrow
from . import versions
from .grad_mode import _state


class Function:
    __slots__ = ("parents", "inputs", "epoch", "saved", "B", "freed", "__weakref__")

    def save(self, *arrays):
        self.saved = arrays

    def needs_grad(self, i):
        """Whether input i wants a gradient (skip the work, e.g. ∂L/∂x for a data batch, if not)."""
        return self.parents[i].requires_grad

    @classmethod
    def apply(cls, *tensors, **params):
        t0 = tensors[0]
        dev = t0._device
        ctx = cls()
        ctx.B = dev._backend or dev.backend
        n = len(tensors)
        try:
            if n == 1:
                out = ctx.forward(t0._data, **params)
            else:
                for t in tensors:
                    if t._device is not dev and t._device != dev:
                        raise RuntimeError(
                            f"{cls.__name__}: expected all tensors to be on the same device, but found at least "
                            f"two devices, {dev} and {t._device}"
                        )
                if n == 2:
                    out = ctx.forward(t0._data, tensors[1]._data, **params)
                else:
                    out = ctx.forward(*[t._data for t in tensors], **params)
        except TypeError as e:
            if not narrow.involves(tensors):
                if "incompatible function arguments" in str(e):  # pybind11's signature dump: say what the op got
                    raise native_call_error(cls.__name__, e, tensors, params) from None
                raise
            # a storage dtype (float16, int32, ...): forward and backward compute widened
            ctx.B = narrow.backend(ctx.B)
            out = ctx.forward(*[t._data for t in tensors], **params)
        except AttributeError:  # a non-tensor among the inputs (a list, None, ...): say which
            if builtins.all(hasattr(t, "_data") for t in tensors):
                raise
            got = ", ".join(describe(t) for t in tensors)
            raise TypeError(f"{cls.__name__}: expected Tensor arguments, got ({got})") from None
        except MemoryError as e:  # the core's std::bad_alloc says nothing of what was asked for
            raise native_call_error(cls.__name__, e, tensors, params, MemoryError, "cannot allocate the output") \
                from None
        T = t0._tensor_cls
        r = T.__new__(T)
        r._data, r._dtype, r._device, r.grad = out, None, dev, None
        if _state.enabled:
            for t in tensors:
                if t.requires_grad:
                    ctx.parents = tensors
                    ctx.inputs = (t0._ctx,) if n == 1 else tuple([t._ctx for t in tensors])
                    ctx.epoch = versions.epoch
                    ctx.freed = False
                    r.requires_grad, r._ctx = True, ctx
                    return r
        r.requires_grad, r._ctx = False, None
        return r

    def forward(self, *arrays, **params):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @property
    def name(self):
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name}>"
