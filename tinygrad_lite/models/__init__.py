"""The networks tinygrad_lite ships, one readable file each: config dataclass, module tree,
shapes in comments. Pretrained architectures use Hugging Face's names (from_pretrained / save_pretrained).
(llama.py, Llama / SmolLM2 from a GGUF file, is imported on use: it pulls in the tokenizer libraries;
BertTokenizer / BertTokenizerFast are re-exported here lazily for the same reason.)"""
from .bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel
from .bigram import ByteBigramLM
from .gpt import GPT, GPTConfig
from .mlp import MLP, MLPConfig
from .lenet import LeNet, LeNetConfig
from .resnet import ResNet, ResNetConfig
from .seq2seq import Seq2SeqConfig, Seq2SeqTransformer

__all__ = ["MLP", "MLPConfig", "ByteBigramLM", "GPT", "GPTConfig", "Seq2SeqTransformer", "Seq2SeqConfig",
           "LeNet", "LeNetConfig", "ResNet", "ResNetConfig",
           "BertTokenizer", "BertTokenizerFast", "BertConfig", "BertModel", "BertForSequenceClassification",
           "BertForMaskedLM"]


def __getattr__(name):
    """The WordPiece tokenizers on first use (they import the `tokenizers` library)."""
    if name in ("BertTokenizer", "BertTokenizerFast"):
        from ..text import wordpiece
        return getattr(wordpiece, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
