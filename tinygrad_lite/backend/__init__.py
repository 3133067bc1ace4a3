"""Device backends. The CPU backend is the native module tinygrad_lite._C itself; the CUDA
backend (cuda.py) implements the same kernel names over a library built by nvcc."""
