"""The networks tinygrad_lite ships, one readable file each: config dataclass, module tree,
shapes in comments. (llama.py, Llama / SmolLM2 from a GGUF file, is imported on use: it pulls
in the tokenizer libraries.)"""
from .bigram import ByteBigramLM
from .mlp import MLP, MLPConfig

__all__ = ["MLP", "MLPConfig", "ByteBigramLM"]
