"""nn.Parameter: a Tensor that a Module registers as a learnable weight.

Parameter(data=None, requires_grad=True) shares `data`'s storage (as torch's does): the
object is a detached alias of `data` whose class is switched to Parameter, so no copy is made
and every Tensor method works unchanged.
"""
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning one to a Module attribute registers it
    in `module.parameters()`. requires_grad defaults to True."""

    # No new per-instance state: keeps the instance layout identical to Tensor's so that the
    # __class__ switch in __new__ is allowed whether or not Tensor uses __slots__.
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        import tinygrad_lite as _tl
        if data is None:
            data = _tl.empty(0)
        if not isinstance(data, Tensor):
            data = _tl.tensor(data)
        # detach() gives a new leaf Tensor sharing storage; re-class it in place. Parameter adds
        # no per-instance state, so the instance layout is the Tensor's and the switch is safe.
        t = data.detach()
        t.__class__ = cls
        t.requires_grad_(requires_grad)
        return t

    def __init__(self, data=None, requires_grad=True):
        # Everything happened in __new__; Tensor.__init__ must not run a second time.
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__  # print(param) shows the header too, as torch
    def __reduce_ex__(self, proto):
        raise TypeError("tinygrad_lite never pickles tensors; use tinygrad_lite.save(state_dict, path)")

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result


class Buffer:
    """Marker accepted by Module.__setattr__ as in torch>=2.5: `self.x = nn.Buffer(t)`
    registers `t` as a buffer (persistent unless persistent=False)."""

    def __init__(self, data, persistent=True):
        self.data = data
        self.persistent = persistent
