"""Calling an optimizer's fused native kernel on one parameter, with the rare slow cases
(strided parameter or grad, kernel missing from this build) handled out of the hot path."""
from tinygrad_lite import _C


def run_slow(kernel, reference, p_arr, g_arr, state_arrs, scalars):
    # The kernels want contiguous arrays: a strided grad is copied; a strided parameter is
    # updated through a contiguous temporary and written back.
    if not g_arr.is_contiguous():
        g_arr = _C.contiguous(g_arr)
    if kernel is None:  # numpy reference, in place through shared-memory views
        reference(p_arr.numpy(), g_arr.numpy(), *[a if a is None else a.numpy() for a in state_arrs], *scalars)
        return
    if p_arr.is_contiguous():
        kernel(p_arr, g_arr, *state_arrs, *scalars)
        return
    tmp = _C.contiguous(p_arr)
    kernel(tmp, g_arr, *state_arrs, *scalars)
    p_arr.copy_(tmp)
