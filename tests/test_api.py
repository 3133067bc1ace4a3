"""tinygrad_lite.api (openai 0.28's resource classes, answered locally) and the engine registry,
on small real models: the seed's snippet with only its import line and engine name changed."""
import base64
import contextlib
import io
import os
import pathlib
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import tinygrad_lite.api as openai
from tinygrad_lite import engines
from tinygrad_lite import generation as G
from tiny_models import ByteBagEmbedder, NoiseImages, bigram

REPO = pathlib.Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def registered(name, model, kind="text", default=False):
    saved = engines.default_engine(kind)
    engines.register_engine(name, lambda _: model, kind=kind, default=default)
    try:
        yield model
    finally:
        engines.unregister_engine(name)
        if saved is not None:
            engines.set_default_engine(kind, saved)


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp("bigram")
    bigram().save_pretrained(path)
    return str(path)


def test_seed_snippet_with_a_checkpoint_directory(ckpt):
    """Issue 11: the snippet runs with its import line and engine name changed, in a fresh process."""
    code = ("import tinygrad_lite.api as openai\n"
            f"response = openai.Completion.create(engine={ckpt!r}, prompt=\"What are the benefits of exercise?\", "
            "max_tokens=150, n=1, stop=None, temperature=0.7)\n"
            "print(response.choices[0].text.strip())\n")
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip(), "no answer printed"


def test_response_object_attribute_and_dict_access(ckpt):
    r = openai.Completion.create(engine=ckpt, prompt="What is a good", max_tokens=12, temperature=0)
    assert r.choices[0].text == r["choices"][0]["text"] == G.generate(
        engines.load(ckpt), "What is a good", max_tokens=12, temperature=0).choices[0].text
    assert r.object == "text_completion" and r.model == ckpt and r.id.startswith("cmpl-")
    assert r.choices[0].finish_reason in ("stop", "length") and r.usage.prompt_tokens == len("What is a good")
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert "JSON:" in repr(r) and r.to_dict_recursive()["choices"][0]["text"] == r.choices[0].text
    with pytest.raises(AttributeError):
        r.nope


def test_prompt_forms_echo_and_indices(ckpt):
    r = openai.Completion.create(model=ckpt, prompt=["What", [87, 104, 97, 116]], n=2, max_tokens=5, seed=1,
                                 echo=True)
    assert [c.index for c in r.choices] == [0, 1, 2, 3]
    assert all(c.text.startswith("What") for c in r.choices)
    assert r.usage.prompt_tokens == 8


def test_streaming_pieces_add_up_to_the_answer(ckpt):
    whole = openai.Completion.create(engine=ckpt, prompt="Exercise", max_tokens=40, temperature=0, stop=["sleep"])
    chunks = list(openai.Completion.create(engine=ckpt, prompt="Exercise", max_tokens=40, temperature=0,
                                           stop=["sleep"], stream=True))
    assert "".join(c.choices[0].text for c in chunks) == whole.choices[0].text
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])


def test_chat_applies_the_template(ckpt):
    messages = [{"role": "user", "content": "hello"}]
    r = openai.ChatCompletion.create(model=ckpt, messages=messages, max_tokens=20, temperature=0)
    plain = openai.Completion.create(model=ckpt, prompt="user: hello\nassistant:", max_tokens=20, temperature=0)
    assert r.object == "chat.completion" and r.choices[0].message.role == "assistant"
    assert r.choices[0].message.content == plain.choices[0].text
    parts = [{"role": "user", "content": [{"type": "text", "text": "hel"}, {"type": "text", "text": "lo"}]}]
    assert openai.ChatCompletion.create(model=ckpt, messages=parts, max_tokens=20, temperature=0) \
        .choices[0].message.content == plain.choices[0].text
    pieces = openai.ChatCompletion.create(model=ckpt, messages=messages, max_tokens=20, temperature=0, stream=True,
                                          stream_options={"include_usage": True})
    pieces = list(pieces)
    assert pieces[0].choices[0].delta.role == "assistant"
    assert "".join(p.choices[0].delta.get("content", "") for p in pieces if p.choices) == r.choices[0].message.content
    assert pieces[-1].usage == r.usage


@pytest.mark.parametrize("kwargs,param", [
    (dict(temperature=-1), "temperature"), (dict(n=0), "n"), (dict(n=10_000), "n"), (dict(top_p=0), "top_p"),
    (dict(max_tokens=0), "max_tokens"), (dict(max_tokens=10**9), "max_tokens"), (dict(max_tokens="5"), "max_tokens"),
    (dict(stop=5), "stop"), (dict(prompt=5), "prompt"), (dict(stream="yes"), "stream"), (dict(bogus=1), "bogus"),
    (dict(prompt="x" * 2000), "prompt"), (dict(logprobs=3), "logprobs"), (dict(logit_bias={"999": 1}), "logit_bias"),
])
def test_bad_requests_raise_invalid_request_error(ckpt, kwargs, param):
    args = dict(engine=ckpt, prompt="hi", max_tokens=5)
    args.update(kwargs)
    with pytest.raises(openai.error.InvalidRequestError) as e:
        openai.Completion.create(**args)
    assert isinstance(e.value, ValueError) and e.value.param == param and e.value.http_status == 400


def test_unknown_engine_is_a_clear_404():
    with pytest.raises(openai.InvalidRequestError, match="text-davinci-002.*does not exist") as e:
        openai.Completion.create(engine="text-davinci-002", prompt="hi")
    assert e.value.http_status == 404 and e.value.code == "model_not_found"


def test_embeddings_float_and_base64():
    emb = ByteBagEmbedder()
    with registered("bag", emb, kind="embedding"):
        r = openai.Embedding.create(input=["hello", "world"], model="bag")
        want = emb.encode(["hello", "world"]).numpy()
        np.testing.assert_allclose(np.array([d.embedding for d in r.data]), want, rtol=1e-6)
        b = openai.Embedding.create(input="hello", model="bag", encoding_format="base64")
        np.testing.assert_array_equal(np.frombuffer(base64.b64decode(b.data[0].embedding), "<f4"), want[0])
        assert r.usage.prompt_tokens == 10 and r.object == "list"
        with pytest.raises(openai.InvalidRequestError, match="input"):
            openai.Embedding.create(input="", model="bag")


def test_images_need_a_model_and_come_back_as_png():
    with pytest.raises(openai.InvalidRequestError, match="no image model is available"):
        openai.Image.create(prompt="A pink and blue elephant playing soccer", n=1, size="256x256")
    with registered("noise", NoiseImages(), kind="image"):
        r = openai.Image.create(prompt="A pink and blue elephant playing soccer", n=2, size="64x64",
                                response_format="b64_json", seed=0)
        from PIL import Image as PILImage

        imgs = [PILImage.open(io.BytesIO(base64.b64decode(d.b64_json))) for d in r.data]
        assert len(imgs) == 2 and all(im.size == (64, 64) and im.format == "PNG" for im in imgs)
        u = openai.Image.create(prompt="x", n=1, size="32x32")
        assert u.data[0].url.startswith("data:image/png;base64,")
        for bad, param in ((dict(size="huge"), "size"), (dict(n=11), "n"), (dict(response_format="gif"),
                                                                           "response_format")):
            with pytest.raises(openai.InvalidRequestError) as e:
                openai.Image.create(prompt="x", **bad)
            assert e.value.param == param


def test_registry_loads_once_across_threads():
    calls = []

    def loader(name):
        calls.append(name)
        time.sleep(0.2)
        return bigram()

    engines.register_engine("once", loader)
    try:
        out = [None] * 8
        threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, engines.load("once"))) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert calls == ["once"] and all(o is out[0] for o in out)
        engines.unload("once")
        assert engines.load("once") is not out[0] and len(calls) == 2
    finally:
        engines.unregister_engine("once")


def test_registry_lazy_strings_and_directory_errors(tmp_path, ckpt):
    engines.register_engine(ckpt, "tinygrad_lite.models.bigram:ByteBigramLM.from_pretrained")  # imported on load
    try:
        assert engines.registered_engines()[ckpt] == "text"
        assert type(engines.load(ckpt)).__name__ == "ByteBigramLM"
    finally:
        engines.unregister_engine(ckpt)
    (tmp_path / "config.json").write_text('{"model_type": "martian"}')
    with pytest.raises(engines.EngineNotFoundError, match="no loader for model_type 'martian'"):
        engines.load(str(tmp_path))
    with pytest.raises(ValueError, match="kind"):
        engines.register_engine("x", bigram, kind="audio")
