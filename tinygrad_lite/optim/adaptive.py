"""Adaptive optimizers with torch.optim's names, defaults and update order: RMSprop, Adagrad,
Adadelta, Adamax, NAdam, RAdam. Each update is a few in-place tensor ops per parameter
(native kernels), in torch's single-tensor order, so runs match torch step for step. g is
the gradient (−g with maximize), λ the weight decay, γ the learning rate, t the step."""
import math

import tinygrad_lite as _tl

from .optimizer import Optimizer


def _check(lr=0.0, eps=0.0, weight_decay=0.0, betas=None):
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if betas is not None:
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {b}")


class _Stepper(Optimizer):
    """step(): for every parameter with a gradient, self._update(p, g, state, group) under no_grad."""

    def step(self, closure=None):
        loss = self._run_closure(closure)
        with _tl.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad if not group.get("maximize") else -p.grad
                    self._update(p, g, self.state[p], group)
        return loss


def _decay(p, g, group):
    wd = group["weight_decay"]
    return g.add(p, alpha=wd) if wd != 0 else g


class RMSprop(_Stepper):
    r"""RMSprop (torch.optim.RMSprop):

        g ← g + λθ
        v ← αv + (1 − α)g²
        centered:  ḡ ← lerp(ḡ, g, 1 − α),  v̂ = v − ḡ²   (else v̂ = v)
        d = √v̂ + ε
        momentum:  b ← μb + g/d,  θ ← θ − γb              (else θ ← θ − γ·g/d)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check(lr, eps, weight_decay)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, p, g, st, group):
        if not st:
            st["step"] = 0.0
            st["square_avg"] = _tl.zeros_like(p)
            if group["momentum"] > 0:
                st["momentum_buffer"] = _tl.zeros_like(p)
            if group["centered"]:
                st["grad_avg"] = _tl.zeros_like(p)
        st["step"] += 1
        g = _decay(p, g, group)
        alpha = group["alpha"]
        sq = st["square_avg"]
        sq.mul_(alpha).addcmul_(g, g, value=1 - alpha)
        if group["centered"]:
            ga = st["grad_avg"]
            ga.lerp_(g, 1 - alpha)
            avg = sq.addcmul(ga, ga, value=-1).sqrt_()
        else:
            avg = sq.sqrt()
        avg = avg.add_(group["eps"])
        if group["momentum"] > 0:
            buf = st["momentum_buffer"]
            buf.mul_(group["momentum"]).addcdiv_(g, avg)
            p.add_(buf, alpha=-group["lr"])
        else:
            p.addcdiv_(g, avg, value=-group["lr"])


class Adagrad(_Stepper):
    r"""Adagrad (torch.optim.Adagrad):

        g ← g + λθ,   γ_t = γ / (1 + (t − 1)·lr_decay)
        s ← s + g²    (s starts at initial_accumulator_value)
        θ ← θ − γ_t·g/(√s + ε)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check(lr, eps, weight_decay)
        if lr_decay < 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if initial_accumulator_value < 0.0:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:  # torch creates the state at construction
            for p in group["params"]:
                self.state[p]["step"] = 0.0
                self.state[p]["sum"] = _tl.full_like(p, group["initial_accumulator_value"])

    def _update(self, p, g, st, group):
        st["step"] += 1
        g = _decay(p, g, group)
        clr = group["lr"] / (1 + (st["step"] - 1) * group["lr_decay"])
        st["sum"].addcmul_(g, g, value=1)
        std = st["sum"].sqrt().add_(group["eps"])
        p.addcdiv_(g, std, value=-clr)


class Adadelta(_Stepper):
    r"""Adadelta (torch.optim.Adadelta):

        g ← g + λθ
        v ← ρv + (1 − ρ)g²
        Δ = √(u + ε)/√(v + ε)·g
        u ← ρu + (1 − ρ)Δ²
        θ ← θ − γΔ
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check(lr, eps, weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _update(self, p, g, st, group):
        if not st:
            st["step"] = 0.0
            st["square_avg"] = _tl.zeros_like(p)
            st["acc_delta"] = _tl.zeros_like(p)
        st["step"] += 1
        g = _decay(p, g, group)
        rho, eps = group["rho"], group["eps"]
        sq, acc = st["square_avg"], st["acc_delta"]
        sq.mul_(rho).addcmul_(g, g, value=1 - rho)
        std = sq.add(eps).sqrt_()
        delta = acc.add(eps).sqrt_()
        delta.div_(std).mul_(g)
        acc.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        p.add_(delta, alpha=-group["lr"])


class Adamax(_Stepper):
    r"""Adamax (torch.optim.Adamax), Adam with the infinity norm:

        g ← g + λθ
        m ← lerp(m, g, 1 − β₁)
        u ← max(β₂u, |g| + ε)
        θ ← θ − γ/(1 − β₁ᵗ)·m/u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check(lr, eps, weight_decay, betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _update(self, p, g, st, group):
        if not st:
            st["step"] = 0.0
            st["exp_avg"] = _tl.zeros_like(p)
            st["exp_inf"] = _tl.zeros_like(p)
        st["step"] += 1
        g = _decay(p, g, group)
        b1, b2 = group["betas"]
        m, u = st["exp_avg"], st["exp_inf"]
        m.lerp_(g, 1 - b1)
        u.copy_(_tl.maximum(u.mul_(b2), g.abs().add_(group["eps"])))
        clr = group["lr"] / (1 - b1 ** st["step"])
        p.addcdiv_(m, u, value=-clr)


class NAdam(_Stepper):
    r"""NAdam (torch.optim.NAdam), Adam with Nesterov momentum:

        g ← g + λθ   (decoupled_weight_decay: θ ← θ(1 − γλ))
        μ_t = β₁(1 − ½·0.96^(t·ψ)),  μ_{t+1} likewise,  Π_t = Π_{t−1}·μ_t   (ψ = momentum_decay)
        m ← lerp(m, g, 1 − β₁),   v ← β₂v + (1 − β₂)g²
        d = √(v/(1 − β₂ᵗ)) + ε
        θ ← θ − γ(1 − μ_t)/(1 − Π_t)·g/d − γμ_{t+1}/(1 − Π_t·μ_{t+1})·m/d
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check(lr, eps, weight_decay, betas)
        if momentum_decay < 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, p, g, st, group):
        if not st:
            st["step"] = 0.0
            st["mu_product"] = 1.0
            st["exp_avg"] = _tl.zeros_like(p)
            st["exp_avg_sq"] = _tl.zeros_like(p)
        st["step"] += 1
        t = st["step"]
        lr, wd, (b1, b2) = group["lr"], group["weight_decay"], group["betas"]
        bc2 = 1 - b2 ** t
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                g = g.add(p, alpha=wd)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * group["momentum_decay"]))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * group["momentum_decay"]))
        st["mu_product"] *= mu
        m, v = st["exp_avg"], st["exp_avg_sq"]
        m.lerp_(g, 1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = v.div(bc2).sqrt().add_(group["eps"])
        mu_product_next = st["mu_product"] * mu_next
        p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - st["mu_product"]))
        p.addcdiv_(m, denom, value=-lr * mu_next / (1.0 - mu_product_next))


class RAdam(_Stepper):
    r"""RAdam (torch.optim.RAdam), Adam with the variance of the adaptive step rectified:

        g ← g + λθ   (decoupled_weight_decay: θ ← θ(1 − γλ))
        m ← lerp(m, g, 1 − β₁),   v ← β₂v + (1 − β₂)g²,   m̂ = m/(1 − β₁ᵗ)
        ρ∞ = 2/(1 − β₂) − 1,   ρ_t = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
        ρ_t > 5:  r = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t)),
                  θ ← θ − γ·m̂·r·√(1 − β₂ᵗ)/(√v + ε)
        else:     θ ← θ − γ·m̂
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check(lr, eps, weight_decay, betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable, differentiable=differentiable))

    def _update(self, p, g, st, group):
        if not st:
            st["step"] = 0.0
            st["exp_avg"] = _tl.zeros_like(p)
            st["exp_avg_sq"] = _tl.zeros_like(p)
        st["step"] += 1
        t = st["step"]
        lr, wd, (b1, b2) = group["lr"], group["weight_decay"], group["betas"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                g = g.add(p, alpha=wd)
        m, v = st["exp_avg"], st["exp_avg_sq"]
        m.lerp_(g, 1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        m_hat = m / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2 ** t) / bc2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (bc2 ** 0.5) / v.sqrt().add(group["eps"])
            p.add_(m_hat * lr * adaptive * rect, alpha=-1.0)
        else:
            p.add_(m_hat * lr, alpha=-1.0)


__all__ = ["RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]
