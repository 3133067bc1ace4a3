"""Moving a tensor between devices, differentiably."""
from ..autograd.function import Function


def move_array(arr, src, dst):
    """Copy an Array from device src to device dst through their backends."""
    if src == dst:
        return arr
    if dst.type == "cpu":
        return src.backend.to_host(arr)
    if src.type == "cpu":
        return dst.backend.to_device(arr, dst.index)
    return dst.backend.to_device(src.backend.to_host(arr), dst.index)


class ToDevice(Function):
    """y = x on another device;  ∂L/∂x = ∂L/∂y copied back to x's device"""

    __slots__ = ("src", "dst")

    @classmethod
    def apply(cls, x, dev):
        out = super().apply(x, dev=dev)
        out._device = dev
        return out

    def forward(self, x, dev):
        from ..device import device_of_array

        self.src, self.dst = device_of_array(x), dev
        return move_array(x, self.src, dev)

    def backward(self, g):
        return move_array(g, self.dst, self.src)

    def backward_graph(self, g):
        return ToDevice.apply(g, dev=self.src)

