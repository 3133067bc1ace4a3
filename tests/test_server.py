"""The HTTP server (tinygrad_lite.server) on loopback, driven by the official openai clients — the
current one, and openai 0.28 running the seed's snippet verbatim but for its api_base line — and by
raw HTTP for error shapes, keys, disconnects, queues and concurrency. Every server runs on a free
port in a thread and is shut down when its test ends."""
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

from tinygrad_lite import engines
from tinygrad_lite import generation as G
from tiny_models import ByteBagEmbedder, NoiseImages, bigram, slow_bigram

fastapi = pytest.importorskip("fastapi", reason="the serve extra (fastapi, uvicorn) is not installed")
uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
openai_v1 = pytest.importorskip("openai")

from tinygrad_lite.server import create_app  # noqa: E402
from tinygrad_lite.server.cli import exposure_warning  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT = engines.DEFAULT_TEXT_ENGINE
# the seed's snippet, verbatim (one line, as the seed has it)
SEED = '''response = openai.Completion.create(engine="text-davinci-002", prompt="What are the benefits of exercise?", max_tokens=150, n=1, stop=None, temperature=0.7)
print(response.choices[0].text.strip())
'''


@pytest.fixture(scope="module", autouse=True)
def models():
    """The bigram under the default name (the real default, SmolLM2, is wired in by its model file)."""
    m = bigram()
    saved = {k: engines.default_engine(k) for k in engines.KINDS}
    engines.register_engine(DEFAULT, lambda _: m, default=True)
    engines.register_engine("slow", lambda _: slow_bigram(0.01))
    engines.register_engine("bag", lambda _: ByteBagEmbedder(), kind="embedding")
    yield m
    for name in (DEFAULT, "slow", "bag"):
        engines.unregister_engine(name)
    for kind, name in saved.items():
        if name is not None:
            engines.set_default_engine(kind, name)


@contextlib.contextmanager
def running(**app_kwargs):
    server = uvicorn.Server(uvicorn.Config(create_app(**app_kwargs), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started or not thread.is_alive():
                break
            time.sleep(0.05)
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture(scope="module")
def url():
    with running() as u:
        yield u


def client(url, key="sk-local"):
    return openai_v1.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=60)


def health(url):
    return httpx.get(url + "/health", timeout=10).json()


def wait_idle(url, timeout_s=10.0):
    for _ in range(int(timeout_s / 0.05)):
        h = health(url)
        if h["active"] == 0 and h["queued"] == 0:
            return h
        time.sleep(0.05)
    raise AssertionError(f"the server did not go idle: {health(url)}")


# ---- the official clients -----------------------------------------------------------------------
def test_current_client_completion_and_fallback(url, models):
    r = client(url).completions.create(model="text-davinci-002", prompt="What are the benefits of exercise?",
                                       max_tokens=30, temperature=0)
    want = G.generate(models, "What are the benefits of exercise?", max_tokens=30, temperature=0).choices[0]
    assert r.model == DEFAULT  # unknown engine: the default model answered, and says so
    assert r.choices[0].text == want.text and r.choices[0].finish_reason == want.finish_reason
    assert r.usage.prompt_tokens == len("What are the benefits of exercise?")


def test_current_client_chat_stream(url, models):
    messages = [{"role": "user", "content": "hello"}]
    whole = client(url).chat.completions.create(model=DEFAULT, messages=messages, max_tokens=25, temperature=0)
    chunks = list(client(url).chat.completions.create(model=DEFAULT, messages=messages, max_tokens=25,
                                                      temperature=0, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason
    assert whole.choices[0].message.content  # the bigram says something
    with httpx.stream("POST", url + "/v1/chat/completions", json={"messages": messages, "max_tokens": 5,
                                                                  "stream": True}, timeout=30) as r:
        lines = [ln for ln in r.iter_lines() if ln]
    assert r.headers["content-type"].startswith("text/event-stream")
    assert lines[-1] == "data: [DONE]" and all(ln.startswith("data: ") for ln in lines)
    assert json.loads(lines[0][6:])["object"] == "chat.completion.chunk"


def test_current_client_embeddings(url):
    r = client(url).embeddings.create(model="bag", input=["hello", "world"])
    want = ByteBagEmbedder().encode(["hello", "world"]).numpy()
    assert [len(d.embedding) for d in r.data] == [16, 16]
    assert max(abs(a - b) for d, w in zip(r.data, want) for a, b in zip(d.embedding, w)) < 1e-6


def _openai028():
    """openai 0.28.1 installed apart from the current one: .ci/run puts it in .ci/openai028; else
    install it once into .pytest_cache/openai028 (skip when pip cannot reach the index)."""
    for d in (REPO / ".ci" / "openai028", REPO / ".pytest_cache" / "openai028"):
        if (d / "openai" / "version.py").exists():
            return d
    d = REPO / ".pytest_cache" / "openai028"
    try:
        r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(d), "openai==0.28.1"],
                           capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"openai 0.28.1 could not be installed: {e}")
    if r.returncode != 0:
        pytest.skip(f"openai 0.28.1 could not be installed: {r.stderr[-300:]}")
    return d


def run_028(url, code, key="sk-local"):
    env = dict(os.environ, PYTHONPATH=str(_openai028()), OPENAI_API_KEY=key)
    r = subprocess.run([sys.executable, "-c", f"import openai\nopenai.api_base = {url + '/v1'!r}\n" + code],
                       env=env, capture_output=True, text=True, timeout=120, cwd="/")
    return r


def test_seed_snippet_with_openai_028(url):
    r = run_028(url, "assert openai.version.VERSION == '0.28.1'\n" + SEED)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip(), "the snippet printed no answer"


def test_openai_028_chat_stream_and_errors(url):
    code = '''
text = "".join(c.choices[0].delta.get("content", "") for c in openai.ChatCompletion.create(
    model="gpt-3.5-turbo", messages=[{"role": "user", "content": "hello"}], max_tokens=10, stream=True))
print(repr(text))
try:
    openai.Completion.create(engine="davinci", prompt="x", n=10000)
except openai.error.InvalidRequestError as e:
    print("refused", e.http_status, e.param)
'''
    r = run_028(url, code)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "refused 400 n" in r.stdout


# ---- errors -------------------------------------------------------------------------------------
def _error(r, status, param=None):
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["message"]
    if param is not None:
        assert err["param"] == param, err
    return err


@pytest.mark.parametrize("body,param", [
    ({"prompt": "x", "n": 10_000}, "n"), ({"prompt": "x", "max_tokens": 10**9}, "max_tokens"),
    ({"prompt": "x", "max_tokens": "5"}, "max_tokens"), ({"prompt": "x", "temperature": "hot"}, "temperature"),
    ({"prompt": "x", "temperature": -1}, "temperature"), ({"prompt": 5}, "prompt"),
    ({"prompt": "x", "stop": 5}, "stop"),
    ({"prompt": "x", "top_p": 2}, "top_p"), ({"prompt": "x", "wat": 1}, "wat"), ({"prompt": "x", "n": True}, "n"),
    ({"prompt": "x" * 5000}, "prompt"),
])
def test_bad_parameters_are_400(url, body, param):
    _error(httpx.post(url + "/v1/completions", json=body, timeout=30), 400, param)


def test_malformed_requests(url):
    _error(httpx.post(url + "/v1/completions", content=b'{"prompt": "x",', timeout=30), 400)
    _error(httpx.post(url + "/v1/completions", content=b'[1, 2]', timeout=30), 400)
    _error(httpx.post(url + "/v1/chat/completions", json={"messages": "hi"}, timeout=30), 400, "messages")
    _error(httpx.post(url + "/v1/completions", content=b"x" * (5 << 20), timeout=30), 413)
    _error(httpx.get(url + "/v1/nothing-here", timeout=30), 404)
    _error(httpx.get(url + "/v1/models/no-such-model", timeout=30), 404, "model")
    err = _error(httpx.post(url + "/v1/images/generations", json={"prompt": "a thick seven"}, timeout=30), 404)
    assert "no image model" in err["message"]
    assert health(url)["status"] == "ok"  # still up


def test_models_and_legacy_route(url):
    ids = {m["id"] for m in httpx.get(url + "/v1/models", timeout=30).json()["data"]}
    assert {DEFAULT, "slow", "bag"} <= ids
    r = httpx.post(url + "/v1/engines/text-davinci-002/completions", json={"prompt": "hi", "max_tokens": 3},
                   timeout=30)
    assert r.status_code == 200 and r.json()["model"] == DEFAULT and len(r.json()["choices"]) == 1
    # a path on the server's disk is not an engine a request may load: the default answers
    r = httpx.post(url + "/v1/completions", json={"model": str(REPO), "prompt": "hi", "max_tokens": 3}, timeout=30)
    assert r.json()["model"] == DEFAULT


def test_images_when_a_model_is_registered():
    engines.register_engine("noise", lambda _: NoiseImages(), kind="image")
    try:
        with running() as u:
            r = httpx.post(u + "/v1/images/generations", json={"prompt": "a thick seven", "n": 2, "size": "64x64",
                                                               "response_format": "b64_json"}, timeout=30)
            assert r.status_code == 200 and len(r.json()["data"]) == 2 and "b64_json" in r.json()["data"][0]
    finally:
        engines.unregister_engine("noise")


def test_api_key():
    with running(api_key="s3cret") as u:
        err = _error(httpx.post(u + "/v1/completions", json={"prompt": "x"}, timeout=30), 401)
        assert err["code"] == "invalid_api_key"
        _error(httpx.get(u + "/v1/models", headers={"Authorization": "Bearer wrong"}, timeout=30), 401)
        assert httpx.get(u + "/health", timeout=30).status_code == 200
        with pytest.raises(openai_v1.AuthenticationError):
            client(u, key="wrong").completions.create(model=DEFAULT, prompt="x", max_tokens=2)
        assert client(u, key="s3cret").completions.create(model=DEFAULT, prompt="x", max_tokens=2).choices


def test_exposure_warning():
    assert exposure_warning("0.0.0.0", None) and "--api-key" in exposure_warning("0.0.0.0", None)
    assert exposure_warning("example.org", None)
    assert exposure_warning("0.0.0.0", "k") is None
    assert exposure_warning("127.0.0.1", None) is None and exposure_warning("::1", None) is None
    assert exposure_warning("localhost", None) is None


# ---- concurrency, disconnects, queue limits -----------------------------------------------------
def test_eight_concurrent_streaming_clients(url):
    before = health(url)["completed"]
    results, errors = [None] * 8, []

    def one(i):
        try:
            stream = client(url).completions.create(model="slow", prompt=f"Client {i}: exercise", max_tokens=25,
                                                    temperature=0.8, seed=i, stream=True)
            chunks = list(stream)
            results[i] = ("".join(c.choices[0].text for c in chunks), chunks[-1].choices[0].finish_reason)
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert all(r is not None and r[1] in ("stop", "length") for r in results), results
    assert wait_idle(url)["completed"] - before == 8


def test_disconnects_free_their_slot(url):
    h0 = health(url)
    body = {"model": "slow", "prompt": "go", "max_tokens": 1000, "stream": True,  # ~10 s if nobody stops it
            "logit_bias": {"256": -100}}  # never <|endoftext|>
    with httpx.stream("POST", url + "/v1/completions", json=body, timeout=30) as r:
        got = 0
        for line in r.iter_lines():
            got += line.startswith("data: ")
            if got == 3:
                break  # the client leaves mid-stream
    h = wait_idle(url, timeout_s=8)
    assert h["cancelled"] == h0["cancelled"] + 1 and h["completed"] == h0["completed"]
    # a non-streaming client that gives up: cancelled too
    with pytest.raises(httpx.TimeoutException):
        httpx.post(url + "/v1/completions", json={**body, "stream": False}, timeout=0.5)
    h = wait_idle(url, timeout_s=8)
    assert h["cancelled"] == h0["cancelled"] + 2 and h["completed"] == h0["completed"]


def test_full_queue_answers_429():
    with running(max_active=1, max_queued=1) as u:
        body = {"model": "slow", "prompt": "go", "max_tokens": 1000, "stream": True, "logit_bias": {"256": -100}}
        with httpx.Client(timeout=30) as c1, httpx.Client(timeout=30) as c2:
            with c1.stream("POST", u + "/v1/completions", json=body) as r1:
                lines1 = r1.iter_lines()  # kept: a dropped iterator closes the response
                next(lines1)  # running
                with c2.stream("POST", u + "/v1/completions", json=body) as r2:
                    for _ in range(100):  # wait until the second one is queued
                        if health(u)["queued"] == 1:
                            break
                        time.sleep(0.02)
                    assert health(u)["active"] == 1 and health(u)["queued"] == 1
                    r3 = httpx.post(u + "/v1/completions", json=body, timeout=30)
                    err = _error(r3, 429)
                    assert err["code"] == "rate_limit_exceeded" and r3.headers["retry-after"] == "1"
                    assert r2.status_code == 200
        h = wait_idle(u)
        assert h["rejected"] == 1 and h["cancelled"] == 2


# ---- the command line ---------------------------------------------------------------------------
def _cli(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("TL_API_KEY", None)
    return subprocess.Popen([sys.executable, "-m", "tinygrad_lite", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_serve_and_complete(tmp_path, models):
    models.save_pretrained(tmp_path / "ckpt")
    ckpt = str(tmp_path / "ckpt")
    p = _cli("complete", "--engine", ckpt, "--temperature", "0", "--max-tokens", "20", "What is a good")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert out.rstrip("\n") == G.generate(models, "What is a good", max_tokens=20, temperature=0).choices[0].text
    p = _cli("complete", "--engine", "no-such-engine", "hi")
    _, err = p.communicate(timeout=120)
    assert p.returncode == 2 and "does not exist" in err

    p = _cli("serve", "--model", ckpt, "--port", "0", "--api-key", "k", "--log-level", "info")
    try:
        port = None
        for _ in range(400):  # uvicorn logs the port it bound
            line = p.stderr.readline()
            if "Uvicorn running on" in line:
                port = int(line.split("http://127.0.0.1:")[1].split()[0])
                break
            if not line and p.poll() is not None:
                break
        assert port, "the server did not start"
        u = f"http://127.0.0.1:{port}"
        _error(httpx.post(u + "/v1/completions", json={"prompt": "x"}, timeout=30), 401)
        r = client(u, key="k").completions.create(model="davinci", prompt="What is a good", max_tokens=20,
                                                  temperature=0)
        assert r.model == ckpt and r.choices[0].text == out.rstrip("\n")
    finally:
        p.terminate()
        try:
            p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
