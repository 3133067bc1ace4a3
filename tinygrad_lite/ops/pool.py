"""Pooling over the last two dims, forward and backward side by side (kernels: csrc/cpu/pool.cpp).

Windows along rows (columns alike) for output row i: i·s − p + u·d, u < k, inside the input
(max, avg), or [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) (adaptive)."""
from ..autograd.function import Function
from ._util import reshape_array


class MaxPool2d(Function):
    """y = max over the window; idx = h·W + w of its first maximum (NaN counts as a maximum).
    ∂L/∂x[idx] += g: each gradient goes to the one element that was the maximum (as torch on ties).
    The indices are kept on the node (`indices`) for return_indices."""

    __slots__ = ("hw", "indices")

    def forward(self, x, kernel_size, stride, padding, dilation, ceil_mode):
        self.hw = list(x.shape[-2:])
        y, self.indices = self.B.max_pool2d(x, list(kernel_size), list(stride), list(padding), list(dilation),
                                            ceil_mode)
        return y

    def backward(self, g):
        return self.B.max_pool2d_backward(g, self.indices, self.hw)


class AdaptiveMaxPool2d(MaxPool2d):
    """y = max over adaptive windows; ∂L/∂x[idx] += g (as MaxPool2d)."""

    __slots__ = ()

    def forward(self, x, output_size):
        self.hw = list(x.shape[-2:])
        y, self.indices = self.B.adaptive_max_pool2d(x, list(output_size))
        return y


class MaxUnpool2d(Function):
    """y = zeros(…, OH, OW) with y[idx] = x;  ∂L/∂x = g[idx] (a gather)."""

    __slots__ = ("indices",)

    def forward(self, x, indices, output_size):
        self.indices = indices
        return self.B.max_unpool2d(x, indices, list(output_size))

    def backward(self, g):
        B, idx = self.B, self.indices
        lead = list(idx.shape[:-2])
        gf = reshape_array(B, g, lead + [g.shape[-2] * g.shape[-1]])
        flat = B.gather(gf, len(lead), reshape_array(B, idx, lead + [idx.shape[-2] * idx.shape[-1]]))
        return reshape_array(B, flat, list(idx.shape))


class AvgPool2d(Function):
    """y = Σ window / D (D: divisor_override, or the window's size with or without padding);
    ∂L/∂x[window] += g / D."""

    __slots__ = ("hw", "args")

    def forward(self, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
        self.hw = list(x.shape[-2:])
        self.args = (list(kernel_size), list(stride), list(padding), ceil_mode, count_include_pad,
                     divisor_override or 0)
        return self.B.avg_pool2d(x, *self.args)

    def backward(self, g):
        return self.B.avg_pool2d_backward(g, self.hw, *self.args)


class AdaptiveAvgPool2d(Function):
    """y = mean over adaptive windows; ∂L/∂x[window] += g / |window|."""

    __slots__ = ("hw",)

    def forward(self, x, output_size):
        self.hw = list(x.shape[-2:])
        return self.B.adaptive_avg_pool2d(x, list(output_size))

    def backward(self, g):
        return self.B.adaptive_avg_pool2d_backward(g, self.hw)
