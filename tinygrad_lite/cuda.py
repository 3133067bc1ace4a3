"""tinygrad_lite.cuda: is_available(), device_count(), synchronize() (torch.cuda's names)."""


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


class amp:
    """torch.cuda.amp's names (autocast on 'cuda', GradScaler), as in tinygrad_lite.amp."""

    from .amp import GradScaler, custom_bwd, custom_fwd  # noqa: F401

    @staticmethod
    def autocast(enabled=True, dtype=None, cache_enabled=True):
        from .amp import autocast as _autocast

        return _autocast("cuda", dtype=dtype, enabled=enabled)
