"""Readers of weight files: GGUF (gguf.py) and its quantised block formats (quants.py)."""
