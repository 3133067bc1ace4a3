"""The networks tinygrad_lite ships, one readable file each: config dataclass, module tree,
shapes in comments. Pretrained architectures use Hugging Face's names (from_pretrained / save_pretrained)."""
from ..text.wordpiece import BertTokenizer, BertTokenizerFast
from .bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel
from .mlp import MLP, MLPConfig

__all__ = ["MLP", "MLPConfig", "BertTokenizer", "BertTokenizerFast", "BertConfig", "BertModel",
           "BertForSequenceClassification", "BertForMaskedLM"]
