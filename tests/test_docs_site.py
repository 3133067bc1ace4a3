"""The documentation site builds with `mkdocs build --strict` (a broken link, a missing page, a
docstring reference that does not resolve, a README section a page asks for that is gone: each
fails the build), and its key pages say what they should.

Skipped when the `docs` extra (mkdocs, mkdocstrings[python], mkdocs-material, mkdocs-jupyter)
is not installed.
"""
import html
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

for _module in ("mkdocs", "mkdocstrings", "mkdocstrings_handlers.python", "material", "mkdocs_jupyter"):
    pytest.importorskip(_module, reason=f"{_module} not installed (pip install -e '.[docs]')")


def _text(site, page):
    path = os.path.join(site, page)
    assert os.path.isfile(path), f"the site has no {page}"
    with open(path, encoding="utf-8") as f:
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", f.read())))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    return str(out)


def test_quick_start_has_the_readme_commands(site):
    text = _text(site, "index.html")
    assert "pip install -e . && tinygrad-lite train" in text
    assert 'pip install -e ".[test]" && python -m pytest -q tests' in text


def test_concepts_say_where_each_formula_lives(site):
    text = _text(site, "concepts/index.html")
    assert "tinygrad_lite/autograd/engine.py" in text and "csrc/math/pointwise.h" in text
    assert "Adding an op" in _text(site, "adding-an-op/index.html")


def test_api_reference_comes_from_the_docstrings(site):
    assert "CrossEntropyLoss" in _text(site, "api/nn/index.html")
    assert "θ ← θ − γg" in _text(site, "api/optim/index.html")  # the update rule in SGD's docstring
    assert "DataLoader" in _text(site, "api/utils_data/index.html")
    assert "init_process_group" in _text(site, "api/distributed/index.html")
    assert "MLP" in _text(site, "api/models/index.html")
    assert "ChatCompletion" in _text(site, "api/api/index.html")
    assert "create_app" in _text(site, "api/server/index.html")
    top = _text(site, "api/tinygrad_lite/index.html")
    assert "tinygrad_lite.tensor" in top and "softmax" in top
    assert "cross_entropy" in _text(site, "api/nn_functional/index.html")


def test_kernel_interface_is_generated(site):
    text = _text(site, "kernels/index.html")
    from tinygrad_lite.backend.interface import all_kernels

    for name, _, _ in all_kernels():
        assert name in text, f"kernel {name} missing from the kernel-interface page"


def test_notebooks_are_rendered_with_their_outputs(site):
    for page, title in [("notebooks/01_tensors_and_autograd/index.html", "Tensors and autograd"),
                        ("notebooks/02_mlp_on_mnist/index.html", "The seed MLP on MNIST"),
                        ("notebooks/03_convolutions_and_lenet/index.html", "Convolutions and LeNet-5"),
                        ("notebooks/04_attention_and_gpt/index.html", "Attention and a character-level GPT"),
                        ("notebooks/05_bert/index.html", "BERT: tokens, embeddings, similarity"),
                        ("notebooks/06_text_to_image/index.html", "Text to image: DALL-E at MNIST scale")]:
        with open(os.path.join(site, page), encoding="utf-8") as f:
            raw = f.read()
        assert title in html.unescape(raw)
        assert "<img" in raw and "data:image/png" in raw  # the stored figures


def test_benchmark_tables(site):
    text = _text(site, "benchmarks/index.html")
    assert "sgemm 512^3" in text and "ours/torch" in text
    assert os.path.isfile(os.path.join(site, "benchmarks.png"))
