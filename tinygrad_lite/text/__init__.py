"""Tokenizers: byte-level BPE from a GGUF file (bpe.py)."""
