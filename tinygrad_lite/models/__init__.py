"""Model families, one readable file each (llama.py: Llama / SmolLM2 from GGUF)."""
