"""The networks tinygrad_lite ships, one readable file each: config dataclass, module tree,
shapes in comments."""
from .gpt import GPT, GPTConfig
from .mlp import MLP, MLPConfig
from .seq2seq import Seq2SeqConfig, Seq2SeqTransformer

__all__ = ["MLP", "MLPConfig", "GPT", "GPTConfig", "Seq2SeqTransformer", "Seq2SeqConfig"]
