"""Sentence embeddings served the OpenAI way: the built-in "all-minilm-l6-v2" engine (real weights) through
tinygrad_lite.api.Embedding.create and POST /v1/embeddings (FastAPI's TestClient), checked against transformers
(mean pooling over real tokens, then L2 normalisation: what all-MiniLM-L6-v2's modules.json says) within 1e-5;
bad input answers 400 in OpenAI's error shape."""
import base64

import numpy as np
import pytest

from hf_fixtures import minilm_dir
from tinygrad_lite import api, engines

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("fastapi", reason="the serve extra (fastapi, uvicorn) is not installed")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from tinygrad_lite.server import create_app  # noqa: E402

NAME = "all-minilm-l6-v2"
TEXTS = ["Hello, my dog is cute", "The stock market fell sharply on Monday.", "naïve café 東京", "x"]
ATOL = 1e-5


def reference(texts):
    d = minilm_dir()
    tok = transformers.AutoTokenizer.from_pretrained(d)
    model = transformers.AutoModel.from_pretrained(d).eval()
    enc = tok(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        h = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    e = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(e, dim=-1).numpy()


@pytest.fixture(scope="module")
def want():
    minilm_dir()  # skips when the weights are absent
    assert engines.default_engine("embedding") == NAME and engines.engine_kind(NAME) == "embedding"
    return reference(TEXTS)


@pytest.fixture(scope="module")
def client(want):
    with TestClient(create_app()) as c:
        yield c


def test_api_embedding_create(want):
    r = api.Embedding.create(input=TEXTS, model=NAME)
    assert r.object == "list" and r.model == NAME and [d.index for d in r.data] == list(range(len(TEXTS)))
    assert all(d.object == "embedding" for d in r.data)
    got = np.array([d.embedding for d in r.data], dtype=np.float32)
    assert got.shape == (len(TEXTS), 384)
    assert np.abs(got - want).max() < ATOL
    assert r.usage.prompt_tokens == r.usage.total_tokens > len(TEXTS)
    one = api.Embedding.create(input=TEXTS[0], model=NAME, encoding_format="base64")
    assert np.abs(np.frombuffer(base64.b64decode(one.data[0].embedding), "<f4") - want[0]).max() < ATOL


def test_api_model_directory(want):
    """A BERT checkpoint directory is an embedding engine too (model_type "bert")."""
    r = api.Embedding.create(input=TEXTS[:2], model=minilm_dir())
    assert np.abs(np.array([d.embedding for d in r.data]) - want[:2]).max() < ATOL


def test_http_embeddings(client, want):
    r = client.post("/v1/embeddings", json={"input": TEXTS, "model": NAME})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"object", "data", "model", "usage"} and body["object"] == "list" and body["model"] == NAME
    assert [(d["object"], d["index"]) for d in body["data"]] == [("embedding", i) for i in range(len(TEXTS))]
    assert np.abs(np.array([d["embedding"] for d in body["data"]]) - want).max() < ATOL
    assert set(body["usage"]) == {"prompt_tokens", "total_tokens"}
    # no model, or OpenAI's name for one: the default embedding engine answers
    for extra in ({}, {"model": "text-embedding-3-small"}):
        r = client.post("/v1/embeddings", json={"input": TEXTS[0], **extra})
        assert r.status_code == 200 and r.json()["model"] == NAME
        assert np.abs(np.array(r.json()["data"][0]["embedding"]) - want[0]).max() < ATOL
    # token ids (one list, or a list of lists) are decoded first
    ids = minilm_tokenizer().encode(TEXTS[0], add_special_tokens=False)
    r = client.post("/v1/embeddings", json={"input": [ids], "model": NAME})
    assert r.status_code == 200 and np.abs(np.array(r.json()["data"][0]["embedding"]) - want[0]).max() < ATOL


def minilm_tokenizer():
    from tinygrad_lite.text import BertTokenizer

    return BertTokenizer.from_pretrained(minilm_dir())


@pytest.mark.parametrize("body, param", [
    ({"input": ""}, "input"),
    ({"input": []}, "input"),
    ({"input": ["ok", ""]}, "input"),
    ({"input": {"text": "hi"}}, "input"),
    ({"input": ["ok", 3.5]}, "input"),
    ({"input": ["x"] * 2049}, "input"),
    ({}, "input"),
    ({"input": "hi", "encoding_format": "int8"}, "encoding_format"),
    ({"input": "hi", "dimensions": 12}, "dimensions"),
    ({"input": "hi", "temperature": 0.5}, "temperature"),
    ({"input": [[101, 10 ** 9]]}, "input"),
    ({"input": [[-1]]}, "input"),
    ({"input": "hi", "model": 7}, "model"),
])
def test_bad_input_is_400_in_openai_shape(client, body, param):
    r = client.post("/v1/embeddings", json={"model": NAME, **body} if "model" not in body else body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert err["type"] == "invalid_request_error" and err["param"] == param and err["message"]


def test_bad_json_is_400(client):
    r = client.post("/v1/embeddings", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
