"""The networks tinygrad_lite ships, one readable file each: config dataclass, module tree,
shapes in comments. (llama.py, Llama / SmolLM2 from a GGUF file, is imported on use: it pulls
in the tokenizer libraries.)"""
from .bigram import ByteBigramLM
from .gpt import GPT, GPTConfig
from .mlp import MLP, MLPConfig
from .lenet import LeNet, LeNetConfig
from .resnet import ResNet, ResNetConfig
from .seq2seq import Seq2SeqConfig, Seq2SeqTransformer

__all__ = ["MLP", "MLPConfig", "ByteBigramLM", "GPT", "GPTConfig", "Seq2SeqTransformer", "Seq2SeqConfig",
           "LeNet", "LeNetConfig", "ResNet", "ResNetConfig"]
