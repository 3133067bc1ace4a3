"""Builds tinygrad_lite._C (the C++ core and its CPU kernels) with pybind11.

Every .cpp under csrc/core, csrc/cpu and csrc/bindings is compiled; a new kernel file needs
no edit here. No -march flag: one build runs on any x86-64, and the kernels pick AVX-512,
AVX2 or portable code at run time (csrc/cpu/simd.h).
"""
import glob
import os
import sys

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import setup

ParallelCompile("TL_BUILD_JOBS", default=0).install()

sources = sorted(
    glob.glob("csrc/core/*.cpp") + glob.glob("csrc/cpu/*.cpp") + glob.glob("csrc/bindings/*.cpp")
)

extra_compile = ["-O3", "-fopenmp", "-fno-math-errno", "-Wall", "-Wno-unused-function"]
extra_link = ["-fopenmp"]
if os.environ.get("TL_DEBUG"):
    extra_compile = ["-O0", "-g", "-fopenmp", "-fsanitize=address"]
    extra_link = ["-fopenmp", "-fsanitize=address"]

ext = Pybind11Extension(
    "tinygrad_lite._C",
    sources,
    cxx_std=17,
    extra_compile_args=extra_compile,
    extra_link_args=extra_link,
)

# The CUDA library (csrc/cuda, loaded at run time through cffi): built when nvcc is found;
# TL_CUDA=0 skips it, TL_CUDA=1 requires it. A CPU-only install never needs the toolkit.
import runpy  # noqa: E402

runpy.run_path("csrc/cuda/build_cuda.py")["maybe_build_for_setup"]("tinygrad_lite")

setup(
    ext_modules=[ext],
    cmdclass={"build_ext": build_ext},
    package_data={"tinygrad_lite": ["libtl_cuda.so", "tl_cuda.h"]},
)
