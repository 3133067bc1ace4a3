"""Calling an optimizer's fused native kernel on one parameter, with the rare slow cases
(strided parameter or grad, kernel missing from the backend) handled out of the hot path."""


def run_slow(B, kernel, reference, p_arr, g_arr, state_arrs, scalars):
    """B: the parameter's device backend (tinygrad_lite._C on the CPU)."""
    # The kernels want contiguous arrays: a strided grad is copied; a strided parameter is
    # updated through a contiguous temporary and written back.
    if not g_arr.is_contiguous():
        g_arr = B.contiguous(g_arr)
    if kernel is None:
        if p_arr.device != "cpu":
            raise RuntimeError(f"this build's {p_arr.device} backend has no fused optimizer kernel")
        # numpy reference rule, in place through shared-memory views
        reference(p_arr.numpy(), g_arr.numpy(), *[a if a is None else a.numpy() for a in state_arrs], *scalars)
        return
    if p_arr.is_contiguous():
        kernel(p_arr, g_arr, *state_arrs, *scalars)
        return
    tmp = B.contiguous(p_arr)
    kernel(tmp, g_arr, *state_arrs, *scalars)
    B.copy_(p_arr, tmp)
