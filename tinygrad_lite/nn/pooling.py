"""Pooling modules with torch's signatures, defaults and reprs: MaxPool1d/2d, AvgPool1d/2d,
AdaptiveAvgPool1d/2d, AdaptiveMaxPool1d/2d, MaxUnpool1d/2d. The math: tinygrad_lite/ops/pool.py."""
from .functional import pooling as FP
from .module import Module


class _MaxPoolNd(Module):
    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def forward(self, input):
        # `self` names the layer in error messages (formatted only if one is raised)
        return FP._max_pool_any(self._nd, input, self.kernel_size, self.stride, self.padding, self.dilation,
                                self.ceil_mode, self.return_indices, self)


class MaxPool1d(_MaxPoolNd):
    """y[n,c,j] = max_{u<k} x[n, c, j·s − p + u·d] (inside the input; stride defaults to kernel_size)."""

    _nd = 1


class MaxPool2d(_MaxPoolNd):
    """y[n,c,i,j] = max_{u,v<k} x[n, c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w] (inside the input;
    stride defaults to kernel_size); return_indices also gives h·W + w of each maximum, for MaxUnpool2d.
    The gradient goes to the first maximum of each window."""

    _nd = 2


class AvgPool1d(Module):
    """y[n,c,j] = Σ_{u<k} x[n, c, j·s − p + u] / D, D = k (count_include_pad) or the number of input elements."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = FP._tuple(kernel_size, 1, "kernel_size", "AvgPool1d")
        self.stride = FP._tuple(stride if stride is not None else kernel_size, 1, "stride", "AvgPool1d")
        self.padding = FP._tuple(padding, 1, "padding", "AvgPool1d")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return FP._avg_poolnd(1, input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, None, self)


class AvgPool2d(Module):
    """y[n,c,i,j] = Σ_{u,v<k} x[n, c, i·s_h − p_h + u, j·s_w − p_w + v] / D, D = divisor_override, or the
    window's size counting the padding (count_include_pad) or not."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return FP._avg_poolnd(2, input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.divisor_override, self)


class _AdaptivePoolNd(Module):
    _nd = 2

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """y[n,c,j] = mean of x[n, c, ⌊j·L/OL⌋ : ⌈(j+1)·L/OL⌉]."""

    _nd = 1

    def forward(self, input):
        return FP._adaptive_avg(1, input, self.output_size, self)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """y[n,c,i,j] = mean of x[n, c, ⌊i·H/OH⌋ : ⌈(i+1)·H/OH⌉, ⌊j·W/OW⌋ : ⌈(j+1)·W/OW⌉] (None keeps a size)."""

    def forward(self, input):
        return FP._adaptive_avg(2, input, self.output_size, self)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        return FP._adaptive_max(self._nd, input, self.output_size, self.return_indices, self)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """y[n,c,j] = max of x[n, c, ⌊j·L/OL⌋ : ⌈(j+1)·L/OL⌉]."""

    _nd = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """y[n,c,i,j] = max over the adaptive window (indices as MaxPool2d)."""

    _nd = 2


class _MaxUnpoolNd(Module):
    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        nd, name = self._nd, type(self).__name__
        self.kernel_size = FP._tuple(kernel_size, nd, "kernel_size", name)
        self.stride = FP._tuple(stride if stride is not None else kernel_size, nd, "stride", name)
        self.padding = FP._tuple(padding, nd, "padding", name)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input, indices, output_size=None):
        return FP._max_unpoolnd(self._nd, input, indices, self.kernel_size, self.stride, self.padding, output_size,
                                self)


class MaxUnpool1d(_MaxUnpoolNd):
    """The inverse of MaxPool1d: zeros with y[indices] = x."""

    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The inverse of MaxPool2d: zeros (N, C, H, W) with y[n, c, idx // W, idx % W] = x;
    H = (H_in − 1)·s − 2p + k unless output_size says otherwise."""

    _nd = 2


__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d"]
