"""torch.accelerator: the current accelerator (CUDA here, when available) in torch's words."""
from . import cuda as _cuda
from .device import device as _device


def is_available():
    return _cuda.is_available()


def current_accelerator(check_available=False):
    """device('cuda') when a GPU is usable, else None (torch returns None without one)."""
    return _device("cuda") if _cuda.is_available() else None


def device_count():
    return _cuda.device_count()


def synchronize(device=None):
    _cuda.synchronize(device)
