"""tinygrad_lite.utils: data loading (tinygrad_lite.utils.data)."""
from . import data

__all__ = ["data"]
