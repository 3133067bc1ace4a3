"""tinygrad_lite.text: tokenizers (WordPiece for BERT)."""
from .wordpiece import BertTokenizer, BertTokenizerFast

__all__ = ["BertTokenizer", "BertTokenizerFast"]
