"""tinygrad_lite.models: pretrained architectures with Hugging Face's names (from_pretrained / save_pretrained)."""
from ..text.wordpiece import BertTokenizer, BertTokenizerFast
from .bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel

__all__ = ["BertTokenizer", "BertTokenizerFast", "BertConfig", "BertModel", "BertForSequenceClassification",
           "BertForMaskedLM"]
