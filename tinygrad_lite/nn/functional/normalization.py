"""torch.nn.functional's batch_norm, group_norm and instance_norm. Formulas: tinygrad_lite/ops/norm.py;
kernels: csrc/cpu/norm.cpp (fused forward and backward, statistics in double)."""
import builtins
import math

from tinygrad_lite import argcheck
from tinygrad_lite.ops import norm as N

from .conv import _shape


def _opt(t):
    return None if t is None else t._data


def _check_affine(name, input, weight, bias, C):
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.shape[0] != C):
            raise RuntimeError(f"{name}: expected {what} of shape ({C},) for input of shape {_shape(input.shape)}, "
                               f"got {_shape(t.shape)}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05,
               *, _name="batch_norm"):
    """y = (x − μ_c)/√(σ²_c + ε)·w_c + b_c per channel c of x (N, C, *). training: μ, σ² (biased) of the
    batch, and the running statistics (when given) are updated in place:
    r_μ ← (1 − m)·r_μ + m·μ, r_σ² ← (1 − m)·r_σ² + m·σ²·M/(M − 1) (M values per channel). Otherwise the
    running statistics are used."""
    name = _name
    argcheck.tensor(name, "input", input)
    argcheck.boolean(name, "training", training)
    for what, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        argcheck.optional_tensor(name, what, t)
    if input.dim() < 2:
        raise ValueError(f"{name}: expected an input of at least 2 dims (N, C, ...), got {_shape(input.shape)}")
    if not input.is_floating_point():
        raise TypeError(f"{name}: expected a floating input, got {input.dtype}")
    C = input.shape[1]
    _check_affine(name, input, weight, bias, C)
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{name}: running_mean and running_var must both be given or both be None")
    for what, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (C,):
            raise RuntimeError(f"{name}: expected {what} of shape ({C},) for input of shape {_shape(input.shape)}, "
                               f"got {_shape(t.shape)}")
    if not training and running_mean is None:
        raise ValueError(f"{name}: running_mean and running_var must be defined in evaluation mode")
    if training:
        m = input.numel() // builtins.max(C, 1)
        if m <= 1 and input.numel() > 0:
            raise ValueError(f"{name}: expected more than 1 value per channel when training, got input of shape "
                             f"{_shape(input.shape)}")
    return _apply_norm(N.BatchNorm, input, weight, bias, running_mean=_opt(running_mean),
                       running_var=_opt(running_var), use_batch_stats=builtins.bool(training),
                       momentum=builtins.float(momentum), eps=builtins.float(eps))


def _apply_norm(fn, input, weight, bias, **params):
    """Function.apply with the optional affine tensors passed only when present (the Function's
    backward returns one gradient per tensor given)."""
    if weight is not None and bias is not None:
        return fn.apply(input, weight, bias, **params)
    if weight is not None:
        return fn.apply(input, weight, **params)
    y = fn.apply(input, **params)
    if bias is not None:  # rare: a shift without a scale — the scale-free norm plus a broadcast bias
        y = y + bias.reshape([1, -1] + [1] * (input.dim() - 2))
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, *, _name="group_norm"):
    """Per sample n and group of C/G channels: y = (x − μ_ng)/√(σ²_ng + ε)·w_c + b_c, statistics over the
    group's channels and all spatial positions."""
    name = _name
    argcheck.tensor(name, "input", input)
    for what, t in (("weight", weight), ("bias", bias)):
        argcheck.optional_tensor(name, what, t)
    if input.dim() < 2:
        raise ValueError(f"{name}: expected an input of at least 2 dims (N, C, ...), got {_shape(input.shape)}")
    if not input.is_floating_point():
        raise TypeError(f"{name}: expected a floating input, got {input.dtype}")
    C = input.shape[1]
    if not isinstance(num_groups, builtins.int) or num_groups <= 0 or C % num_groups:
        raise RuntimeError(f"{name}: expected the number of channels {C} of input {_shape(input.shape)} to be "
                           f"divisible by num_groups={num_groups}")
    _check_affine(name, input, weight, bias, C)
    size = [input.shape[0] * C // num_groups, num_groups, *input.shape[2:]]  # torch's _verify_batch_size
    if math.prod(size) // num_groups == 1:  # N·C/G values per group and position
        raise ValueError(f"{name}: Expected more than 1 value per channel when training, got input size {size}")
    return _apply_norm(N.GroupNorm, input, weight, bias, groups=num_groups, eps=builtins.float(eps))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-05, *, _name="instance_norm"):
    """Per sample n and channel c: y = (x − μ_nc)/√(σ²_nc + ε)·w_c + b_c (group_norm with one channel per
    group). With running statistics and use_input_stats they are updated with the batch mean of the
    per-instance statistics; without use_input_stats the running statistics normalise (as batch_norm
    in evaluation)."""
    name = _name
    if input.dim() < 3:
        raise ValueError(f"{name}: expected an input of at least 3 dims (N, C, ...), got {_shape(input.shape)}")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps, _name=name)
    spatial = 1
    for d in input.shape[2:]:
        spatial *= d
    if spatial <= 1:  # torch: a single value per instance has no variance to normalise by
        raise ValueError(f"{name}: expected more than 1 spatial element when training, got input size "
                         f"{_shape(input.shape)}")
    y = group_norm(input, input.shape[1], weight, bias, eps, _name=name)
    if running_mean is not None:
        import tinygrad_lite as _tl
        with _tl.no_grad():
            x = input.detach()
            axes = builtins.tuple(range(2, x.dim()))
            mean = x.mean(dim=axes).mean(0)
            var = x.var(dim=axes, correction=1).mean(0) if x[0, 0].numel() > 1 else x.mean(dim=axes).mean(0) * 0
            running_mean.mul_(1 - momentum).add_(mean * momentum)
            running_var.mul_(1 - momentum).add_(var * momentum)
    return y


__all__ = ["batch_norm", "group_norm", "instance_norm"]
