"""torch.nn.utils: clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_,
parameters_to_vector, vector_to_parameters."""
import math

import tinygrad_lite as _tl


def _grads(parameters):
    if isinstance(parameters, _tl.Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """‖(‖t₁‖, ‖t₂‖, …)‖ = the norm_type-norm of all the tensors' elements together"""
    if isinstance(tensors, _tl.Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _tl.tensor(0.0)
    with _tl.no_grad():
        norms = _tl.stack([_tl.linalg.vector_norm(t.detach(), norm_type).to(_tl.float32) for t in tensors])
        total = _tl.linalg.vector_norm(norms, norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """grad ← grad·min(1, max_norm/(total_norm + 1e-6)) for every parameter"""
    coef = min(float(max_norm) / (float(total_norm) + 1e-6), 1.0)
    with _tl.no_grad():
        for g in _grads(parameters):
            g.mul_(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their total norm is at most max_norm:
    g ← g·min(1, max_norm/(‖g‖ + 1e-6)). Returns the total norm before clipping (a 0-d tensor)."""
    if isinstance(parameters, _tl.Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite, foreach)
    if not math.isnan(float(total)):
        clip_grads_with_norm_(parameters, max_norm, total)
    else:
        clip_grads_with_norm_(parameters, max_norm, total)  # NaN propagates into the grads, as torch
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """g ← clamp(g, −clip_value, clip_value) for every gradient"""
    v = float(clip_value)
    with _tl.no_grad():
        for g in _grads(parameters):
            g.clamp_(-v, v)


def parameters_to_vector(parameters):
    """All parameters flattened and joined into one vector"""
    return _tl.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive pieces of vec into the parameters (their .data is replaced)"""
    if not isinstance(vec, _tl.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).detach()
        pointer += n
