"""CUDA backend checks that need no GPU.

- every csrc/cuda/*.cu compiles with nvcc (skipped when nvcc is not on the machine): on a CI
  runner without a GPU this is what catches a compile error in the CUDA kernels;
- the C header's CDEF section parses with cffi, and the built library (when present) loads
  and reports a device count without a GPU;
- every kernel name of the CPU core documented in tinygrad_lite/backend/interface.py has a CUDA twin in
  tinygrad_lite.backend.cuda;
- device validation happens in Python before any CUDA call.
"""
import os
import re
import runpy

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CUDA_DIR = os.path.join(ROOT, "csrc", "cuda")
BUILD = runpy.run_path(os.path.join(CUDA_DIR, "build_cuda.py"))
NVCC = BUILD["find_nvcc"]()
CU_FILES = sorted(f for f in os.listdir(CUDA_DIR) if f.endswith(".cu"))

needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc not found (CUDA toolkit not installed)")


def test_expected_kernel_files():
    for fam in ("elementwise", "reduce", "matmul", "softmax", "cross_entropy", "index", "random",
                "optim", "memory"):
        assert f"{fam}.cu" in CU_FILES
    assert os.path.exists(os.path.join(CUDA_DIR, "tl_cuda.h"))


@needs_nvcc
@pytest.mark.parametrize("cu", CU_FILES)
def test_cu_file_compiles(cu):
    # nvcc -c with the build flags (one SM to keep CI fast); raises with nvcc's output on error
    BUILD["compile_check"](files=[cu], jobs=1)


def _cdef():
    text = open(os.path.join(CUDA_DIR, "tl_cuda.h")).read()
    return text.split("/* CDEF-BEGIN */", 1)[1].split("/* CDEF-END */", 1)[0]


def test_header_cdef_parses_with_cffi():
    cffi = pytest.importorskip("cffi")
    ffi = cffi.FFI()
    ffi.cdef(_cdef())
    # the deleter handed to _C.from_external must be void(void*, size_t)
    assert "void tl_cuda_free(void* ptr, size_t nbytes);" in _cdef()


def test_every_function_declared_is_defined():
    decl = set(re.findall(r"\b(tl_[a-z0-9_]+)\s*\(", _cdef()))
    src = "".join(open(os.path.join(CUDA_DIR, f)).read() for f in CU_FILES)
    missing = [d for d in sorted(decl) if not re.search(r"\b%s\s*\([^;]*\)\s*\{" % d, src)]
    assert not missing, f"declared in tl_cuda.h but not defined in any .cu: {missing}"


def test_kernel_names_have_cuda_twins():
    cuda = pytest.importorskip("tinygrad_lite.backend.cuda")
    from tinygrad_lite.backend import interface

    names = {n for n, _, _ in interface.all_kernels() + interface.DEVICE_KERNELS}
    missing = sorted(n for n in names if not callable(getattr(cuda, n, None)))
    assert not missing, f"kernels of backend/interface.py without a CUDA twin: {missing}"


def test_library_loads_without_gpu():
    cuda = pytest.importorskip("tinygrad_lite.backend.cuda")
    if cuda.library_path() is None:
        pytest.skip(f"libtl_cuda.so not built: {cuda.load_error()}")
    n = cuda.device_count()
    assert isinstance(n, int) and n >= 0
    assert cuda.is_available() == (n > 0)


def test_mixed_devices_raise_before_any_cuda_call():
    cuda = pytest.importorskip("tinygrad_lite.backend.cuda")
    if cuda.library_path() is None:
        pytest.skip("libtl_cuda.so not built")
    import numpy as np
    from tinygrad_lite import _C

    ffi = cuda._lib()[0]
    noop = ffi.callback("void(void*, size_t)", lambda p, n: None)
    # a fake device array (never dereferenced): validation must reject it before any kernel runs
    fake = _C.from_external(0x1000, 64, [4], _C.FLOAT32, 0, int(ffi.cast("uintptr_t", noop)))
    host = _C.from_numpy(np.zeros(4, np.float32))
    assert fake.device == "cuda:0"
    with pytest.raises(RuntimeError, match="expected all tensors to be on the same device"):
        cuda.add(fake, host)
    with pytest.raises(RuntimeError, match="on cpu"):
        cuda.exp(host)
    del fake


def test_setup_hook_respects_tl_cuda_0(monkeypatch, tmp_path):
    monkeypatch.setenv("TL_CUDA", "0")
    assert BUILD["maybe_build_for_setup"](str(tmp_path)) is None
    assert not (tmp_path / "libtl_cuda.so").exists()


def test_setup_hook_tl_cuda_1_without_nvcc_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("TL_CUDA", "1")
    monkeypatch.setenv("PATH", str(tmp_path))
    for v in ("TL_NVCC", "CUDA_HOME", "CUDA_PATH"):
        monkeypatch.delenv(v, raising=False)
    hook = runpy.run_path(os.path.join(CUDA_DIR, "build_cuda.py"))
    if hook["find_nvcc"]() is not None:  # /usr/local/cuda fallback present
        pytest.skip("nvcc found at the default location")
    with pytest.raises(RuntimeError, match="nvcc"):
        hook["maybe_build_for_setup"](str(tmp_path))
