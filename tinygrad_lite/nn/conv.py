"""nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d with torch's signatures, defaults,
initialisation, state_dict names and reprs. The math: tinygrad_lite/ops/conv.py."""
import math

import tinygrad_lite as _tl

from . import init
from .functional import conv as FC
from .functional.padding import pad as _pad
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n):
    if isinstance(v, int):
        return (v,) * n
    t = tuple(v)
    return t * n if len(t) == 1 and n > 1 else t


class _ConvNd(Module):
    """Shared by the convolutions: weight (out, in/groups, *k) — (in, out/groups, *k) when transposed —
    and bias (out,).

    Initialisation (torch's): weight ~ kaiming_uniform_(a=√5) = U(−1/√fan_in, 1/√fan_in),
    bias ~ U(−1/√fan_in, 1/√fan_in), fan_in = weight.size(1)·Π k."""

    _nd = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed, output_padding,
                 groups, bias, padding_mode, device=None, dtype=None):
        super().__init__()
        nd = self._nd
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, nd)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        elif any(p < 0 for p in _ntuple(padding, nd)):
            raise ValueError(f"negative padding {padding} is not supported")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, nd)
        self.stride = _ntuple(stride, nd)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, nd)
        self.dilation = _ntuple(dilation, nd)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        if any(k <= 0 for k in self.kernel_size) or any(s <= 0 for s in self.stride) or any(
                d <= 0 for d in self.dilation):
            raise ValueError(f"kernel_size {self.kernel_size}, stride {self.stride} and dilation {self.dilation} must "
                             f"be positive")
        # F.pad's order (last dim first) for the non-zero padding modes
        if isinstance(self.padding, str):
            self._reversed_padding_repeated_twice = [0, 0] * nd
            if padding == "same":
                for d, k, i in zip(self.dilation, self.kernel_size, range(nd - 1, -1, -1)):
                    total = d * (k - 1)
                    left = total // 2
                    self._reversed_padding_repeated_twice[2 * i] = left
                    self._reversed_padding_repeated_twice[2 * i + 1] = total - left
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(self.padding) for _ in range(2)]
        kw = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(_tl.empty(*shape, *self.kernel_size, **kw))
        if bias:
            self.bias = Parameter(_tl.empty(out_channels, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.kernel_size):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input, weight, bias):
        nd, name = self._nd, self  # the name is formatted (repr) only if an error is raised
        if self.padding_mode != "zeros":
            input = _pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return FC._convnd(nd, input, weight, bias, self.stride, 0, self.dilation, self.groups, name)
        return FC._convnd(nd, input, weight, bias, self.stride, self.padding, self.dilation, self.groups, name)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_ConvNd):
    """y[n,o,j] = b[o] + Σ_{c,v} w[o,c,v]·x[n, g(o)·C/G + c, j·s − p + v·d]; input (N, C_in, L) or (C_in, L)."""

    _nd = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups, bias,
                         padding_mode, device, dtype)


class Conv2d(_ConvNd):
    """y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n, g(o)·C/G + c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w];
    input (N, C_in, H, W) or (C_in, H, W), output (N, C_out, H_out, W_out) with
    H_out = ⌊(H + 2p_h − d_h·(k_h − 1) − 1)/s_h⌋ + 1 (W_out alike)."""

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups, bias,
                         padding_mode, device, dtype)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation,
                 padding_mode, device, dtype):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input, output_size=None):
        return FC._conv_transposend(self._nd, input, self.weight, self.bias, self.stride, self.padding,
                                    self.output_padding, self.groups, self.dilation, self, output_size)


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint of Conv1d: L_out = (L − 1)·s − 2p + d·(k − 1) + output_padding + 1;
    weight (C_in, C_out/groups, k)."""

    _nd = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)


class ConvTranspose2d(_ConvTransposeNd):
    """The adjoint of Conv2d (the gradient of a convolution with respect to its input):
    H_out = (H − 1)·s_h − 2p_h + d_h·(k_h − 1) + output_padding_h + 1 (W_out alike);
    weight (C_in, C_out/groups, k_h, k_w). forward(input, output_size=None) picks among the sizes a
    strided convolution maps to the same input size."""

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)


__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]
