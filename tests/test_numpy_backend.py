"""The numpy reference backend is a tested device: the op test suite runs on it too
(TL_BACKEND=numpy puts the whole Python layer on backend/numpy_ref.py), so it stays a
trustworthy second opinion when a native kernel and a test disagree."""
import os
import pathlib
import subprocess
import sys

TESTS = pathlib.Path(__file__).resolve().parent
SUITE = ["test_ops_pointwise.py", "test_ops_elementwise.py", "test_ops_reduce.py", "test_ops_shape.py",
         "test_ops_nn.py", "test_ops_index.py", "test_ops_matmul.py", "test_autograd.py", "test_ops_sort_scan.py",
         "test_ops_breadth.py"]


def test_op_suite_passes_on_the_numpy_reference():
    env = dict(os.environ, TL_BACKEND="numpy")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        *[str(TESTS / t) for t in SUITE]], env=env, cwd=TESTS.parent, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
