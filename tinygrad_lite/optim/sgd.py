"""optim.SGD: stochastic gradient descent with momentum, dampening, weight decay, Nesterov."""
import tinygrad_lite as _tl
from ._fused import run_slow
from .optimizer import Optimizer


def sgd_reference_(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step):
    """The update rule written out (numpy, in place; the native `sgd_step_` kernel (csrc/cpu/optim.cpp) computes the
    same in one pass). Used where the fused kernel is unavailable and as the tests' oracle."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param                 # g ← g + λθ
    if momentum != 0:
        if first_step:
            buf[...] = g                             # b ← g  (first step: no dampening)
        else:
            buf *= momentum                          # b ← μb + (1−τ)g
            buf += (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf  # Nesterov: g ← g + μb, else g ← b
    param -= lr * g                                  # θ ← θ − γg


class SGD(Optimizer):
    r"""Stochastic gradient descent (torch.optim.SGD), one fused native kernel per parameter.

    For each parameter θ with gradient g = ∇θL (γ = lr, μ = momentum, τ = dampening,
    λ = weight_decay):

        g ← −g                    if maximize
        g ← g + λθ                if λ ≠ 0
        if μ ≠ 0:
            b ← g                 on the first step, else   b ← μb + (1 − τ)g
            g ← g + μb            if nesterov,       else   g ← b
        θ ← θ − γg

    With the defaults this is the plain rule θ ← θ − γ∇θL.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = self._run_closure(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            nesterov = bool(group["nesterov"])
            maximize = bool(group["maximize"])
            for p, g, kernel in self._with_grads(group, "sgd_step_"):
                buf_arr = None
                first = False
                if momentum != 0:
                    st = state[p]
                    buf = st.get("momentum_buffer")
                    if buf is None:
                        # the kernel writes b ← g on the first step; zeros_like only allocates
                        buf = st["momentum_buffer"] = _tl.zeros_like(p)
                        first = True
                    buf_arr = buf._data
                pa, ga = p._data, g._data
                if kernel is not None and pa.is_contiguous() and ga.is_contiguous():
                    kernel(pa, ga, buf_arr, lr, momentum, dampening, weight_decay, nesterov, maximize, first)
                else:
                    run_slow(p._device.backend, kernel, sgd_reference_, pa, ga, (buf_arr,),
                             (lr, momentum, dampening, weight_decay, nesterov, maximize, first))
        return loss
