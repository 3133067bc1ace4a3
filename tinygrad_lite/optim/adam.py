"""optim.Adam and optim.AdamW (decoupled weight decay), one fused native kernel per parameter."""
import math

import tinygrad_lite as _tl
from ._fused import run_slow
from .optimizer import Optimizer


def adam_reference_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay,
                    decoupled_weight_decay, step, maximize):
    """The Adam/AdamW update written out (numpy, in place; `_C.adam_step_` computes the same in
    one pass, in torch's operation order). `step` is t after incrementing (1 on the first step)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled_weight_decay:
            param *= 1 - lr * weight_decay                  # AdamW: θ ← θ(1 − γλ)
        else:
            g = g + weight_decay * param                    # Adam (L2): g ← g + λθ
    exp_avg *= beta1                                        # m ← β1·m + (1−β1)·g
    exp_avg += (1 - beta1) * g
    exp_avg_sq *= beta2                                     # v ← β2·v + (1−β2)·g²
    exp_avg_sq += (1 - beta2) * g * g
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1                       # θ ← θ − γ·m̂/(√v̂ + ε),
    denom = (exp_avg_sq ** 0.5) / math.sqrt(bias_correction2) + eps  # m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
    param -= step_size * exp_avg / denom


def _amsgrad_update(p, g, st, lr, beta1, beta2, eps, weight_decay, decoupled, step, maximize):
    """Adam with amsgrad, in torch's single-tensor order: v_max ← max(v_max, v),
    θ ← θ − γ/(1 − β₁ᵗ)·m/(√v_max/√(1 − β₂ᵗ) + ε)."""
    with _tl.no_grad():
        g = -g if maximize else g
        if weight_decay != 0:
            if decoupled:
                p.mul_(1 - lr * weight_decay)
            else:
                g = g.add(p, alpha=weight_decay)
        m, v, vmax = st["exp_avg"], st["exp_avg_sq"], st["max_exp_avg_sq"]
        m.lerp_(g, 1 - beta1)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        step_size = lr / (1 - beta1 ** step)
        bc2_sqrt = math.sqrt(1 - beta2 ** step)
        vmax.copy_(_tl.maximum(vmax, v))
        denom = (vmax.sqrt() / bc2_sqrt).add_(eps)
        p.addcdiv_(m, denom, value=-step_size)


class Adam(Optimizer):
    r"""Adam (torch.optim.Adam): adaptive moments, bias-corrected.

    For each parameter θ with gradient g at step t (γ = lr, λ = weight_decay):

        g ← −g                              if maximize
        g ← g + λθ                          if λ ≠ 0   (L2 penalty folded into the gradient)
        m ← β1·m + (1 − β1)·g
        v ← β2·v + (1 − β2)·g²
        m̂ = m / (1 − β1ᵗ),   v̂ = v / (1 − β2ᵗ)
        θ ← θ − γ·m̂ / (√v̂ + ε)

    m and v start at zero. amsgrad keeps the running maximum v_max ← max(v_max, v) and
    divides by √v̂_max instead (a few tensor ops per parameter instead of the fused kernel).
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = self._run_closure(closure)
        decoupled = self._decoupled
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            maximize = bool(group["maximize"])
            amsgrad = bool(group.get("amsgrad"))
            for p, g, kernel in self._with_grads(group, "adam_step_"):
                st = state[p]
                if not st:
                    st["step"] = 0.0
                    st["exp_avg"] = _tl.zeros_like(p)
                    st["exp_avg_sq"] = _tl.zeros_like(p)
                    if amsgrad:
                        st["max_exp_avg_sq"] = _tl.zeros_like(p)
                step = st["step"] + 1.0
                st["step"] = step
                if amsgrad:
                    _amsgrad_update(p, g, st, lr, beta1, beta2, eps, weight_decay, decoupled, step, maximize)
                    continue
                pa, ga = p._data, g._data
                ma, va = st["exp_avg"]._data, st["exp_avg_sq"]._data
                if kernel is not None and pa.is_contiguous() and ga.is_contiguous():
                    kernel(pa, ga, ma, va, lr, beta1, beta2, eps, weight_decay, decoupled, int(step), maximize)
                else:
                    run_slow(p._device.backend, kernel, adam_reference_, pa, ga, (ma, va),
                             (lr, beta1, beta2, eps, weight_decay, decoupled, int(step), maximize))
        return loss


class AdamW(Adam):
    r"""AdamW (torch.optim.AdamW): Adam with decoupled weight decay (default λ = 1e-2).

    Identical to Adam except that the decay shrinks the weights directly instead of entering
    the gradient (so it is not rescaled by the adaptive denominator):

        θ ← θ·(1 − γλ)
        m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
        θ ← θ − γ·m̂ / (√v̂ + ε)
    """

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused)
