"""The kernel interface is code (tinygrad_lite/backend/interface.py): the CPU core, the numpy
reference and the CUDA backend each implement every kernel in it, with the same arguments."""
import inspect
import re

import pytest
import tinygrad_lite._C as C
from tinygrad_lite.backend import interface, numpy_ref


def _args(spec):
    return [a.strip() for a in spec.split(",") if a.strip()]


def _native_arg_names(fn):
    """Argument names of a pybind11 function, from its signature line."""
    m = re.match(r"\w+\((.*?)\) ->", fn.__doc__ or "")
    if not m or not m.group(1):
        return []
    return [a.split(":")[0].strip() for a in m.group(1).split(", ") if a and not a.startswith("*")]


def test_cpu_core_implements_every_kernel_with_its_arguments():
    for name, spec, _ in interface.all_kernels():
        fn = getattr(C, name, None)
        assert callable(fn), f"_C lacks {name}"
        names = _native_arg_names(fn)
        if names and not names[0].startswith("arg"):  # pybind py::arg names are given
            assert len(names) == len(_args(spec)), f"_C.{name}{names} vs interface ({spec})"


def test_numpy_reference_implements_every_kernel_with_its_arguments():
    for name, spec, _ in interface.all_kernels():
        fn = getattr(numpy_ref, name, None)
        assert callable(fn), f"numpy_ref lacks {name}"
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):  # delegated to _C (random)
            continue
        params = [p for p in sig.parameters.values() if p.kind is not p.VAR_POSITIONAL]
        if any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values()):
            continue  # a table row's kernel taking its parameters as *p
        assert len(params) == len(_args(spec)), f"numpy_ref.{name}{sig} vs interface ({spec})"


def test_cuda_backend_implements_every_kernel():
    cuda = pytest.importorskip("tinygrad_lite.backend.cuda")
    names = interface.all_kernels() + interface.DEVICE_KERNELS
    missing = [n for n, _, _ in names if not callable(getattr(cuda, n, None))]
    assert not missing, f"backend.cuda lacks {missing}"


def test_markdown_lists_every_kernel():
    md = interface.markdown()
    for name, _, _ in interface.all_kernels():
        assert f"`{name}`" in md
