"""Convolutions and the sliding-window pair unfold/fold, forward and backward side by side.

Notation (2-D; 1-D convolutions are 2-D ones with a height of 1): x (N, C, H, W),
w (O, C/G, KH, KW), y (N, O, OH, OW), G groups, stride s, padding p, dilation d, and
    y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, g(o)·C/G + c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w]
(x = 0 outside the image). The kernels are in csrc/cpu/conv.cpp (im2col + GEMM or direct).
"""
from ..autograd.function import Function


def conv_output_size(size, kernel, stride, padding, dilation):
    """⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1"""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class Conv2d(Function):
    """y = conv2d(x, w) + b.
    ∂L/∂x = conv2d_backward_input(g, w)  (the transposed convolution of g)
    ∂L/∂w[o,c,u,v] = Σ_{n,i,j} g[n,o,i,j] · x[n, ·, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w]
    ∂L/∂b[o] = Σ_{n,i,j} g[n,o,i,j]"""

    __slots__ = ("args", "xhw", "khw", "has_bias")

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        self.args = (list(stride), list(padding), list(dilation), groups)
        self.xhw, self.khw, self.has_bias = list(x.shape[2:]), list(w.shape[2:]), b is not None
        self.save(x, w)
        return self.B.conv2d(x, w, b, *self.args)

    def backward(self, g):
        x, w = self.saved
        B = self.B
        gx = B.conv2d_backward_input(g, w, self.xhw, *self.args) if self.needs_grad(0) else None
        gw = B.conv2d_backward_weight(x, g, self.khw, *self.args) if self.needs_grad(1) else None
        if not self.has_bias:
            return gx, gw
        gb = B.sum(g, [0, 2, 3], False) if self.needs_grad(2) else None
        return gx, gw, gb


class ConvTranspose2d(Function):
    """The adjoint of conv2d: y = conv2d_backward_input(x, w) + b, with w (C_in, C_out/G, KH, KW)
    and y of the size (H − 1)·s − 2p + d·(K − 1) + output_padding + 1.
    Since ⟨conv_transpose(x), g⟩ = ⟨x, conv2d(g)⟩:
    ∂L/∂x = conv2d(g, w);  ∂L/∂w = conv2d_backward_weight(input=g, grad=x);  ∂L/∂b[o] = Σ g[:, o]"""

    __slots__ = ("args", "xhw", "khw", "has_bias")

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), output_size=(1, 1), dilation=(1, 1), groups=1):
        self.args = (list(stride), list(padding), list(dilation), groups)
        self.khw, self.has_bias = list(w.shape[2:]), b is not None
        self.save(x, w)
        B = self.B
        y = B.conv2d_backward_input(x, w, list(output_size), *self.args)
        if b is not None:
            B.add_(y, b.view([1, b.shape[0], 1, 1]))
        return y

    def backward(self, g):
        x, w = self.saved
        B = self.B
        gx = B.conv2d(g, w, None, *self.args) if self.needs_grad(0) else None
        gw = B.conv2d_backward_weight(g, x, self.khw, *self.args) if self.needs_grad(1) else None
        if not self.has_bias:
            return gx, gw
        gb = B.sum(g, [0, 2, 3], False) if self.needs_grad(2) else None
        return gx, gw, gb


class Unfold(Function):
    """cols[n, (c,u,v), (i,j)] = x[n, c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w]  (F.unfold);
    ∂L/∂x = fold(g): each column entry's gradient added back to the pixel it was read from."""

    __slots__ = ("args", "hw")

    def forward(self, x, kernel_size, dilation, padding, stride):
        self.args = (list(kernel_size), list(dilation), list(padding), list(stride))
        self.hw = list(x.shape[2:])
        return self.B.im2col(x, *self.args)

    def backward(self, g):
        return self.B.col2im(g, self.hw, *self.args)


class Fold(Function):
    """x[n, c, h, w] = Σ of the column entries read from (h, w)  (F.fold, unfold's adjoint);
    ∂L/∂cols = unfold(g)."""

    __slots__ = ("args",)

    def forward(self, cols, output_size, kernel_size, dilation, padding, stride):
        self.args = (list(kernel_size), list(dilation), list(padding), list(stride))
        return self.B.col2im(cols, list(output_size), *self.args)

    def backward(self, g):
        return self.B.im2col(g, *self.args)
