"""Padding modules (torch's names and reprs): ZeroPad1d/2d, ConstantPad1d/2d, ReflectionPad1d/2d,
ReplicationPad1d/2d, CircularPad1d/2d — each F.pad with a fixed mode."""
from .functional.padding import pad as _pad
from .module import Module


class _PadNd(Module):
    _nd = 2
    _mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        n = 2 * self._nd
        self.padding = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != n:
            raise ValueError(f"{type(self).__name__}: expected an int or {n} values, got {padding!r}")
        if self._mode == "constant":
            self.value = value

    def forward(self, input):
        if self._mode == "constant":
            return _pad(input, self.padding, "constant", self.value)
        return _pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}" if self._mode == "constant" else f"{self.padding}"


def _pad_class(name, nd, mode, doc):
    return type(name, (_PadNd,), {"_nd": nd, "_mode": mode, "__doc__": doc})


ConstantPad1d = _pad_class("ConstantPad1d", 1, "constant", "F.pad(x, padding, 'constant', value) of the last dim.")
ConstantPad2d = _pad_class("ConstantPad2d", 2, "constant", "F.pad(x, padding, 'constant', value) of the last 2 dims.")
ReflectionPad1d = _pad_class("ReflectionPad1d", 1, "reflect", "F.pad(x, padding, 'reflect') of the last dim.")
ReflectionPad2d = _pad_class("ReflectionPad2d", 2, "reflect", "F.pad(x, padding, 'reflect') of the last 2 dims.")
ReplicationPad1d = _pad_class("ReplicationPad1d", 1, "replicate", "F.pad(x, padding, 'replicate') of the last dim.")
ReplicationPad2d = _pad_class("ReplicationPad2d", 2, "replicate", "F.pad(x, padding, 'replicate') of the last 2 dims.")
CircularPad1d = _pad_class("CircularPad1d", 1, "circular", "F.pad(x, padding, 'circular') of the last dim.")
CircularPad2d = _pad_class("CircularPad2d", 2, "circular", "F.pad(x, padding, 'circular') of the last 2 dims.")


class ZeroPad1d(ConstantPad1d):
    """F.pad(x, padding) with zeros, last dim."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """F.pad(x, padding) with zeros, last 2 dims."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


__all__ = ["ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d",
           "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d"]
