"""nn.parallel: DistributedDataParallel (over tinygrad_lite.distributed, MPI)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
