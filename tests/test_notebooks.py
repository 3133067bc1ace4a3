"""Every notebook in notebooks/ runs from top to bottom without an error (nbclient, a fresh
python3 kernel started in notebooks/, as a reader's Jupyter would). The outputs stored in the
files are not compared — they are what the last run printed — but the run must not raise.

Skipped when nbclient, nbformat or ipykernel (the `test` extra) or a python3 kernel is absent.
"""
import asyncio
import glob
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
# per notebook (each runs in well under a minute here); a hung kernel fails, not hangs CI. The
# sanitizer build runs them ~15x slower (notebook 06: 629 s), so tools/sanitize.sh raises it.
TIMEOUT_S = int(os.environ.get("TL_NOTEBOOK_TIMEOUT_S", "300"))

nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (pip install -e '.[test]')")
pytest.importorskip("ipykernel", reason="ipykernel not installed (pip install -e '.[test]')")


def _kernel_available():
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        KernelSpecManager().get_kernel_spec("python3")
        return True
    except Exception:
        return False


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ has no .ipynb files"


@pytest.mark.skipif(not _kernel_available(), reason="no python3 Jupyter kernel (python -m ipykernel install)")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    # cwd = notebooks/, as a reader's Jupyter has it; each notebook's first cell puts the checkout it
    # lives in first on sys.path. Outputs go to the in-memory copy only: the file is not rewritten.
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": os.path.dirname(path)}})
    try:
        asyncio.run(asyncio.wait_for(client.async_execute(), timeout=TIMEOUT_S))
    except asyncio.TimeoutError:
        pytest.fail(f"{os.path.basename(path)} did not finish within {TIMEOUT_S} s", pytrace=False)
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"{os.path.basename(path)} raised:\n{e}", pytrace=False)
    except Exception as e:  # before any cell ran: the kernel machinery, not the notebook, failed
        if any(c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
            raise
        pytest.skip(f"the Jupyter kernel could not be started: {type(e).__name__}: {e}")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
