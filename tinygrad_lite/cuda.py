"""tinygrad_lite.cuda: is_available(), device_count(), synchronize(), empty_cache() (torch.cuda's names)."""


def _backend():
    try:
        from .backend import cuda as b
    except Exception:  # the CUDA library was not built, or cffi is missing
        return None
    return b


def is_available():
    b = _backend()
    return bool(b is not None and b.is_available())


def device_count():
    b = _backend()
    return b.device_count() if b is not None and b.is_available() else 0


def synchronize(device=None):
    b = _backend()
    if b is not None and b.is_available():
        b.synchronize()


def empty_cache():
    """Give the cached free blocks of the device pool back to the driver (tensors in use are
    untouched); like torch, a no-op without a GPU. The host side: tinygrad_lite.cpu.empty_cache()."""
    b = _backend()
    if b is not None and b.is_available():
        b.empty_cache()


class amp:
    """torch.cuda.amp's names (autocast on 'cuda', GradScaler), as in tinygrad_lite.amp."""

    from .amp import GradScaler, custom_bwd, custom_fwd  # noqa: F401

    @staticmethod
    def autocast(enabled=True, dtype=None, cache_enabled=True):
        from .amp import autocast as _autocast

        return _autocast("cuda", dtype=dtype, enabled=enabled)
