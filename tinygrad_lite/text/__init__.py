"""Tokenizers: WordPiece for BERT (wordpiece.py), byte-level BPE from a GGUF file (bpe.py)."""
from .wordpiece import BertTokenizer, BertTokenizerFast

__all__ = ["BertTokenizer", "BertTokenizerFast"]
