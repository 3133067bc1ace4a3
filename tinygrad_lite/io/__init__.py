"""Readers of weight files and model directories: GGUF (gguf.py) and its quantised block formats
(quants.py); safetensors and the Hugging Face directory layout (hf.py, hub.py)."""
