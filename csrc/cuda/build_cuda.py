"""Build libtl_cuda.so, the CUDA backend of tinygrad_lite, with nvcc alone.

    python csrc/cuda/build_cuda.py [OUT_DIR]      # build (default OUT_DIR: tinygrad_lite/)
    python csrc/cuda/build_cuda.py --check        # compile-check every .cu, no GPU needed

The library exposes the plain C ABI of tl_cuda.h; tinygrad_lite/backend/cuda/ loads it
with cffi (ABI mode), so no Python headers, pybind11 or CUDA toolkit are needed by a
CPU-only install. The header is copied next to the library: cuda.py reads its CDEF section.

Environment:
  TL_CUDA        unset: build when nvcc is found, skip quietly otherwise; 0: never build;
                 1: build or fail loudly (setup.py hook `maybe_build_for_setup`).
  TL_NVCC        path of nvcc (else $CUDA_HOME/bin/nvcc, then PATH, then /usr/local/cuda).
  TL_CUDA_ARCH   comma-separated SM numbers, e.g. "80,90" (default) or "native".
  TL_CUDA_JOBS   parallel nvcc processes (default 2).
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LIB_NAME = "libtl_cuda.so"
HEADER = "tl_cuda.h"
DEFAULT_ARCHS = ("80", "90")  # Ampere (A100) and Hopper (H100/H200); PTX of the last for newer GPUs


def sources() -> list[str]:
    return sorted(glob.glob(os.path.join(HERE, "*.cu")))


def headers() -> list[str]:
    return sorted(glob.glob(os.path.join(HERE, "*.h")) + glob.glob(os.path.join(HERE, "*.cuh")))


def find_nvcc(nvcc: str | None = None) -> str | None:
    """nvcc's path, or None when there is no CUDA toolkit."""
    cands = [nvcc, os.environ.get("TL_NVCC")]
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH")):
        if home:
            cands.append(os.path.join(home, "bin", "nvcc"))
    cands.append(shutil.which("nvcc"))
    cands.append("/usr/local/cuda/bin/nvcc")
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def arch_flags(archs=None) -> list[str]:
    """-gencode flags: SASS for every listed SM plus PTX for the newest (JIT on newer GPUs)."""
    if archs is None:
        env = os.environ.get("TL_CUDA_ARCH", "").strip()
        archs = [a.strip() for a in env.split(",") if a.strip()] if env else list(DEFAULT_ARCHS)
    if list(archs) == ["native"]:
        return ["-arch=native"]
    flags = []
    for a in archs:
        flags += ["-gencode", f"arch=compute_{a},code=sm_{a}"]
    last = list(archs)[-1]
    flags += ["-gencode", f"arch=compute_{last},code=compute_{last}"]
    return flags


def compile_flags(archs=None) -> list[str]:
    return ["-std=c++17", "-O3", "-Xcompiler", "-fPIC", "-Xcompiler", "-Wall",
            "--expt-relaxed-constexpr", "-I", HERE] + arch_flags(archs)


def _jobs(jobs):
    return max(1, int(jobs or os.environ.get("TL_CUDA_JOBS", "2")))


def _run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def _compile_all(nvcc, srcs, obj_dir, archs, jobs, force):
    os.makedirs(obj_dir, exist_ok=True)
    dep_mtime = max([os.path.getmtime(h) for h in headers()] + [os.path.getmtime(__file__)])
    flags = compile_flags(archs)

    def one(src):
        obj = os.path.join(obj_dir, os.path.basename(src)[:-3] + ".o")
        if (not force and os.path.exists(obj)
                and os.path.getmtime(obj) >= max(dep_mtime, os.path.getmtime(src))):
            return src, obj, 0, ""
        rc, out = _run([nvcc, *flags, "-c", src, "-o", obj])
        return src, obj, rc, out

    with ThreadPoolExecutor(_jobs(jobs)) as ex:
        results = list(ex.map(one, srcs))
    errors = [f"--- {os.path.basename(s)} ---\n{out}" for s, _, rc, out in results if rc != 0]
    if errors:
        raise RuntimeError("nvcc failed:\n" + "\n".join(errors))
    return [obj for _, obj, _, _ in results]


def build(out_dir: str, nvcc: str | None = None, archs=None, jobs=None, force=False) -> str:
    """Compile every .cu into OUT_DIR/libtl_cuda.so (objects cached under build/tl_cuda_obj*);
    copy tl_cuda.h next to it. Returns the library path. Raises RuntimeError on failure."""
    nvcc = find_nvcc(nvcc)
    if nvcc is None:
        raise RuntimeError("build_cuda: nvcc not found (set TL_NVCC or CUDA_HOME, or put nvcc on PATH)")
    out_dir = os.path.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    tag = "_".join(a.replace("-", "").replace("=", "") for a in arch_flags(archs) if a != "-gencode")
    obj_dir = os.path.join(REPO, "build", "tl_cuda_obj", hashlib.sha1(tag.encode()).hexdigest()[:10])
    objs = _compile_all(nvcc, sources(), obj_dir, archs, jobs, force)
    lib = os.path.join(out_dir, LIB_NAME)
    tmp = lib + ".tmp"
    # --cudart static (nvcc's default): the .so needs only the driver (libcuda.so.1) at run time,
    # which the CUDA runtime opens lazily, so loading the library never fails on a machine
    # without a GPU; device_count() then reports 0.
    rc, out = _run([nvcc, "--shared", "--cudart", "static", *arch_flags(archs), "-o", tmp, *objs])
    if rc != 0:
        raise RuntimeError("build_cuda: link failed:\n" + out)
    os.replace(tmp, lib)
    shutil.copyfile(os.path.join(HERE, HEADER), os.path.join(out_dir, HEADER))
    return lib


def compile_check(nvcc: str | None = None, archs=("80",), jobs=None, files=None) -> list[str]:
    """`nvcc -c` every .cu (or `files`) into a temporary directory: what CI without a GPU runs.
    One SM by default to keep CI fast; archs=None uses the full build list. Returns the
    compiled sources; raises RuntimeError with nvcc's output for the failing file(s)."""
    nvcc = find_nvcc(nvcc)
    if nvcc is None:
        raise RuntimeError("compile_check: nvcc not found")
    srcs = [f if os.path.isabs(f) else os.path.join(HERE, f) for f in files] if files else sources()
    with tempfile.TemporaryDirectory(prefix="tl_cuda_check_") as tmp:
        _compile_all(nvcc, srcs, tmp, archs, jobs, force=True)
    return srcs


def maybe_build_for_setup(package_dir: str) -> str | None:
    """setup.py hook implementing TL_CUDA: builds libtl_cuda.so into package_dir (next to
    _C) when wanted. Returns the library path, or None when skipped."""
    mode = os.environ.get("TL_CUDA", "").strip()
    if mode == "0":
        print("tinygrad_lite: TL_CUDA=0, not building the CUDA backend")
        return None
    nvcc = find_nvcc()
    if nvcc is None:
        if mode == "1":
            raise RuntimeError("TL_CUDA=1 but nvcc was not found: install the CUDA toolkit, set "
                               "TL_NVCC or CUDA_HOME, or build with TL_CUDA=0")
        return None  # CPU-only install: quietly skip
    try:
        lib = build(os.path.join(REPO, "build", "tl_cuda"), nvcc=nvcc)
        os.makedirs(package_dir, exist_ok=True)
        shutil.copyfile(lib, os.path.join(package_dir, LIB_NAME))
        shutil.copyfile(os.path.join(HERE, HEADER), os.path.join(package_dir, HEADER))
        print(f"tinygrad_lite: built the CUDA backend ({os.path.join(package_dir, LIB_NAME)})")
        return os.path.join(package_dir, LIB_NAME)
    except Exception as e:  # noqa: BLE001
        if mode == "1":
            raise
        print(f"tinygrad_lite: WARNING: could not build the CUDA backend, continuing CPU-only:\n{e}",
              file=sys.stderr)
        return None


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--check":
        done = compile_check()
        print("compile check ok:", ", ".join(os.path.basename(s) for s in done))
    else:
        out = args[0] if args else os.path.join(REPO, "tinygrad_lite")
        print(build(out))
