"""Padding and interpolation, forward and backward side by side (kernels: csrc/cpu/resample.cpp)."""
from ..autograd.function import Function

PAD_MODES = {"constant": 0, "reflect": 1, "replicate": 2, "circular": 3}


class Pad(Function):
    """y[o] = x[src(o)] where src maps an output index back into the input by the mode
    (constant: outside → value; reflect: −i, 2(n−1)−i; replicate: clamp; circular: i mod n);
    ∂L/∂x[i] = Σ_{o: src(o) = i} g[o]."""

    __slots__ = ("shape", "pads", "mode")

    def forward(self, x, pads, mode, value=0.0):
        self.shape, self.pads, self.mode = list(x.shape), list(pads), mode
        return self.B.pad(x, self.pads, mode, value)

    def backward(self, g):
        return self.B.pad_backward(g, self.shape, self.pads, self.mode)


class Upsample2d(Function):
    """y[i, j] = Σ_{a,b ∈ {0,1}} λ_a(i)·μ_b(j)·x[h_a(i), w_b(j)] (bilinear; nearest: one source,
    weight 1); ∂L/∂x[h, w] = Σ of g[i, j]·weight over the outputs that read (h, w)."""

    __slots__ = ("hw", "args")

    def forward(self, x, size, mode, align_corners, scales):
        self.hw = list(x.shape[-2:])
        self.args = (mode, align_corners, scales[0], scales[1])
        return self.B.upsample2d(x, size[0], size[1], *self.args)

    def backward(self, g):
        return self.B.upsample2d_backward(g, self.hw[0], self.hw[1], *self.args)
