"""The networks tinygrad_lite ships, one readable file each: config dataclass, module tree,
shapes in comments."""
from .bigram import ByteBigramLM
from .mlp import MLP, MLPConfig

__all__ = ["MLP", "MLPConfig", "ByteBigramLM"]
