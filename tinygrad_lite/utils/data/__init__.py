"""tinygrad_lite.utils.data: Dataset, TensorDataset, DataLoader and friends (torch.utils.data's API)."""
from .collate import default_collate, default_convert
from ._worker import get_worker_info
from .dataloader import DataLoader
from .dataset import (
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset, random_split,
)
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader", "Sampler",
    "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler", "DistributedSampler", "default_collate",
    "default_convert", "IterableDataset", "ChainDataset", "StackDataset", "WeightedRandomSampler", "get_worker_info",
]
