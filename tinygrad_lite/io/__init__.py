"""tinygrad_lite.io: weight files and model directories (safetensors, the Hugging Face layout)."""
