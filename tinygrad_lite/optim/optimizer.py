"""optim.Optimizer: parameter groups, per-parameter state, zero_grad and state_dict in
torch's format ({'state': {index: {...}}, 'param_groups': [{..., 'params': [index, ...]}]}).

Subclasses implement `step()`; each update runs as ONE fused native kernel per parameter on
`p._data` (the _C.Array inside the Tensor), so the Python work per parameter is a few
attribute reads and a call.
"""
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import tinygrad_lite as _tl
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.autograd.engine import clear_grad
from tinygrad_lite.backend import narrow


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class: `params` is an iterable of Tensors or of dicts (parameter groups, each with a
    'params' key and optional per-group option overrides); `defaults` fills missing options."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        # state[p] → dict of per-parameter state (momentum buffer, Adam moments, step count)
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if getattr(p, "is_leaf", True) is False:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every optimized parameter: to None (default, saves memory and a
        kernel launch; the next backward assigns a fresh grad) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                clear_grad(p, set_to_none)

    def step(self, closure=None):
        raise NotImplementedError

    def _run_closure(self, closure):
        if closure is None:
            return None
        with _tl.enable_grad():
            return closure()

    @staticmethod
    def _with_grads(group, kernel_name):
        """(p, grad, kernel) for every parameter of `group` that has a gradient; kernel is the
        fused `kernel_name` of the parameter's device backend (_C on the CPU), None when that
        backend lacks it, looked up again only when the device changes."""
        dev = kernel = None
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if p._device is not dev:
                dev = p._device
                kernel = getattr(dev.backend, kernel_name, None)
            if p.dtype.compute is not None and kernel is not None:  # float16/bfloat16: step in float32
                yield p, g, getattr(narrow.backend(dev.backend), kernel_name)
                continue
            yield p, g, kernel

    # ---- state_dict ----------------------------------------------------------------------
    def state_dict(self):
        """{'state': {i: {...}}, 'param_groups': [{..., 'params': [i, ...]}]} where i numbers the
        parameters across groups in order (torch's format). State tensors are references."""
        index_of = {}
        groups = []
        next_index = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
                ids.append(index_of[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index_of and s:
                state[index_of[id(p)]] = dict(s)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by state_dict() (same group sizes required). State
        tensors are copied, cast to the parameter's dtype when floating point."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        saved_state = state_dict["state"]
        self.state = defaultdict(dict)
        for k, v in saved_state.items():
            key = int(k) if isinstance(k, str) else k  # keys become strings after a JSON round trip
            if key not in id_map:
                continue
            p = id_map[key]
            self.state[p] = {name: _cast_state(p, name, val) for name, val in v.items()}
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            new_groups.append(s)
        self.param_groups = new_groups
        self._on_load()

    def _on_load(self):
        """Hook for subclasses that cache things derived from state."""

    def __getstate__(self):
        raise TypeError("optimizers are not pickled; save optimizer.state_dict() with tinygrad_lite.save")

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += "\n" + f"Parameter Group {i}"
            for key in sorted(group.keys()):
                if key != "params":
                    s += "\n" + f"    {key}: {group[key]}"
        return s + "\n)"


def _cast_state(p, name, value):
    if isinstance(value, Tensor):
        if name == "step":
            return float(value.item())
        v = value.detach().clone()
        if v.is_floating_point() and v.dtype != p.dtype:
            v = v.to(p.dtype)
        # the fused kernels need contiguous arrays
        return v.contiguous() if hasattr(v, "contiguous") else v
    if hasattr(value, "dtype") and hasattr(value, "shape"):  # a numpy array (e.g. from tinygrad_lite.load)
        import numpy as np
        arr = np.ascontiguousarray(value)
        if arr.shape == () and name == "step":
            return float(arr)
        return _tl.from_numpy(arr.copy()).to(p.dtype)
    return value
