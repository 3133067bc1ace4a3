"""tinygrad_lite.amp: torch.amp's autocast and GradScaler.

autocast: a context manager and decorator with torch's signature and state queries
(is_autocast_enabled, get_autocast_dtype). Every op of this engine computes in the dtype of
its inputs, so inside autocast the math is what it is outside (float32 stays float32) — the
stand-in changes no numbers, and code written for mixed precision runs unchanged.

GradScaler: torch's dynamic loss scaling, step for step: scale(loss) multiplies by the scale;
unscale_(optimizer) divides the gradients by it and records whether any is inf/NaN; step()
skips optimizer.step() when one was; update() halves the scale after such a step (backoff)
and doubles it after `growth_interval` clean steps in a row.
"""
import functools
import math

_state = {"enabled": {}, "dtype": {}}


class autocast:
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)"""

    def __init__(self, device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        import tinygrad_lite as _tl

        self.device = device_type
        default = getattr(_tl, "bfloat16", None) if device_type == "cpu" else getattr(_tl, "float16", None)
        self.fast_dtype = dtype if dtype is not None else default
        self._enabled = bool(enabled)

    def __enter__(self):
        self.prev = (_state["enabled"].get(self.device, False), _state["dtype"].get(self.device))
        _state["enabled"][self.device] = self._enabled
        _state["dtype"][self.device] = self.fast_dtype
        return self

    def __exit__(self, *exc):
        _state["enabled"][self.device], _state["dtype"][self.device] = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)

        return wrapper


def is_autocast_enabled(device_type="cuda"):
    return _state["enabled"].get(device_type, False)


def get_autocast_dtype(device_type):
    return _state["dtype"].get(device_type)


def custom_fwd(fwd=None, *, device_type="cuda", cast_inputs=None):
    return fwd if fwd is not None else (lambda f: f)


def custom_bwd(bwd=None, *, device_type="cuda"):
    return bwd if bwd is not None else (lambda f: f)


class GradScaler:
    """torch.amp.GradScaler(device='cuda', init_scale=2.**16, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True)"""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}

    def is_enabled(self):
        return self._enabled

    def scale(self, outputs):
        """outputs·scale (a tensor, or a list/tuple of them)"""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def _opt_state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False, "found_inf": False, "stepped": False})

    def unscale_(self, optimizer):
        """Divide every gradient of optimizer's parameters by the scale (once per step)."""
        if not self._enabled:
            return
        st = self._opt_state(optimizer)
        if st["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if st["stepped"]:
            raise RuntimeError("unscale_() is being called after step().")
        import tinygrad_lite as _tl

        inv = 1.0 / self._scale
        found = False
        with _tl.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.mul_(inv)
                    if not found and not bool(p.grad.isfinite().all()):
                        found = True
        st["unscaled"], st["found_inf"] = True, found

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step() unless an inf/NaN gradient was found (unscaling first if needed)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        st = self._opt_state(optimizer)
        if st["stepped"]:
            raise RuntimeError("step() has already been called since the last update().")
        if not st["unscaled"]:
            self.unscale_(optimizer)
        st["stepped"] = True
        if st["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Back off after a step with inf/NaN gradients, grow after growth_interval clean ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        else:
            found = any(st["found_inf"] for st in self._per_optimizer.values())
            if found:
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    if math.isfinite(self._scale * self._growth_factor):
                        self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, v):
        self._growth_factor = float(v)

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, v):
        self._backoff_factor = float(v)

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, v):
        self._growth_interval = int(v)

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype", "custom_fwd", "custom_bwd"]
