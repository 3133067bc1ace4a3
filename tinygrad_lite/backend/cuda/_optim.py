"""Fused optimizer steps (SGD, Adam/AdamW) updating contiguous parameter buffers in place."""
from __future__ import annotations

from ._loader import _DTYPE_NAME, _FLOATS, _check, _lib
from ._util import _device, _need, _ptr, _shape_str

# ----------------------------------------------------------------------------- optimizers

def _optim_check(op, param, *others):
    _device(op, param, *others)
    _need(op, param, _FLOATS, "floating")
    for a in (param,) + tuple(o for o in others if o is not None):
        if a.dtype != param.dtype or list(a.shape) != list(param.shape):
            raise ValueError(f"{op}: expected {_shape_str(param.shape)} {_DTYPE_NAME[param.dtype]} "
                             f"buffers, got {_shape_str(a.shape)} {_DTYPE_NAME[a.dtype]}")
        if not a.is_contiguous():
            raise ValueError(f"{op}: optimizer buffers must be contiguous")


def sgd_step_(param, grad, momentum_buf, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
              nesterov=False, maximize=False, first_step=False):
    op = "sgd_step_"
    _optim_check(op, param, grad, momentum_buf)
    ffi, lib = _lib()
    _check(lib.tl_sgd_step(param.dtype, param.numel, _ptr(param), _ptr(grad),
                           _ptr(momentum_buf) if momentum_buf is not None else ffi.NULL, float(lr),
                           float(momentum), float(dampening), float(weight_decay), int(bool(nesterov)),
                           int(bool(maximize)), int(bool(first_step))), op)


def adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay=0.0,
               decoupled_weight_decay=False, step=1, maximize=False):
    op = "adam_step_"
    _optim_check(op, param, grad, exp_avg, exp_avg_sq)
    if step < 1:
        raise ValueError(f"{op}: step must be >= 1, got {step}")
    _check(_lib()[1].tl_adam_step(param.dtype, param.numel, _ptr(param), _ptr(grad), _ptr(exp_avg),
                                  _ptr(exp_avg_sq), float(lr), float(beta1), float(beta2), float(eps),
                                  float(weight_decay), int(bool(decoupled_weight_decay)), int(step),
                                  int(bool(maximize))), op)
