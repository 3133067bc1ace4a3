"""OpenAI's Python API (openai 0.28's resource classes), answered by local models:

    import tinygrad_lite.api as openai
    response = openai.Completion.create(engine="smollm2-135m-instruct", prompt="What are the benefits of exercise?",
                                        max_tokens=150, n=1, stop=None, temperature=0.7)
    print(response.choices[0].text.strip())          # also response["choices"][0]["text"]

Completion.create      continues the raw prompt (str, list of str, token ids, lists of token ids)
ChatCompletion.create  applies the model's chat template to `messages`
Embedding.create       `input` → vectors (encoding_format "float" or "base64" float32, as the clients ask)
Image.create           `prompt` → PNGs, {"data": [{"b64_json": ...} | {"url": "data:image/png;base64,..."}]}

`engine` or `model` names an engine of tinygrad_lite.engines: a registered name or a checkpoint
directory; with neither, the default of its kind. Parameters follow OpenAI's (temperature 0 is
greedy; n ≤ 128; stop ≤ 4 strings, left out of the text), plus top_k and seed; openai 0.28's
connection arguments (api_key, api_base, request_timeout, ...) are accepted and ignored. A bad
request raises InvalidRequestError (a ValueError, also reachable as `error.InvalidRequestError`),
an unknown engine one with http_status 404 and code "model_not_found". stream=True returns a
generator of chunks shaped like the server-sent events of OpenAI's API.

Each create() builds a Job — validated, model loaded, prompts encoded — and runs it. The HTTP server
(tinygrad_lite.server) builds the same Jobs and runs their steps on its worker thread.
"""
import base64
import io
import json
import re
import time
import uuid
from types import SimpleNamespace

import numpy as np

from . import engines
from . import generation as G
from .engines import register_directory_loader, register_engine  # noqa: F401  (the registry, from here too)
from .text.chat import render_chat_template  # noqa: F401  (part of the API: openai.render_chat_template)


class OpenAIObject(dict):
    """A dict whose keys are also attributes, recursively: r.choices[0].text == r["choices"][0]["text"]."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    @classmethod
    def construct_from(cls, value):
        if isinstance(value, dict):
            return cls({k: cls.construct_from(v) for k, v in value.items()})
        if isinstance(value, list):
            return [cls.construct_from(v) for v in value]
        return value

    def to_dict_recursive(self):
        return json.loads(json.dumps(self))

    def __str__(self):
        return json.dumps(self, indent=2, ensure_ascii=False)

    def __repr__(self):
        obj = self.get("object")
        return f"<{type(self).__name__}{' ' + obj if obj else ''} at {hex(id(self))}> JSON: {self}"


class InvalidRequestError(ValueError):
    """A request the API refuses; `param`, `code` and `http_status` as in OpenAI's error objects."""

    def __init__(self, message, param=None, code=None, http_status=400):
        super().__init__(message)
        self.param, self.code, self.http_status = param, code, http_status

    @property
    def user_message(self):
        return str(self)


error = SimpleNamespace(InvalidRequestError=InvalidRequestError)  # openai 0.28: `except openai.error.X`

_CONNECTION = {"api_key", "api_base", "api_type", "api_version", "organization", "request_timeout", "request_id",
               "headers", "deployment_id"}
_SAMPLING = {"max_tokens", "temperature", "top_p", "top_k", "n", "stop", "seed", "presence_penalty",
             "frequency_penalty", "logit_bias"}
_COMPLETION = _SAMPLING | {"engine", "model", "prompt", "stream", "stream_options", "echo", "logprobs", "best_of",
                           "suffix", "user"}
_CHAT = (_SAMPLING | {"engine", "model", "messages", "stream", "stream_options", "user", "max_completion_tokens",
                      "logprobs", "top_logprobs", "response_format"})
_EMBEDDING = {"engine", "model", "input", "encoding_format", "dimensions", "user"}
_IMAGE = {"model", "prompt", "n", "size", "response_format", "user", "seed", "quality", "style"}
MAX_PROMPTS = 64
MAX_EMBEDDING_INPUTS = 2048
MAX_IMAGES = 10  # OpenAI's limit for n


# ---- checks --------------------------------------------------------------------------------------
def _check_params(params, allowed):
    for key in params:
        if key not in allowed and key not in _CONNECTION:
            raise InvalidRequestError(f"Unrecognized request argument supplied: {key}", param=key)
    return {k: v for k, v in params.items() if k not in _CONNECTION and v is not None}


def _as_request_error(e, params):
    """A TypeError/ValueError from decoding as an InvalidRequestError naming the parameter."""
    if isinstance(e, InvalidRequestError):
        return e
    msg = str(e)
    if "context" in msg and ("prompt" in msg or "max_tokens" in msg):
        return InvalidRequestError(msg, param="max_tokens" if "requested" in msg else "prompt",
                                   code="context_length_exceeded")
    first = re.match(r"\w*", msg).group(0)
    return InvalidRequestError(msg, param=first if first in params or first in _SAMPLING else None)


def _flag(params, name, default=False):
    v = params.get(name, default)
    if not isinstance(v, bool):
        raise InvalidRequestError(f"{name} must be a boolean, got {type(v).__name__} {v!r}", param=name)
    return v


def _engine(params, kind, fallback, allow_paths):
    """→ (name that answers, model). fallback=True: unknown names get the default of `kind`."""
    name = params.get("model", params.get("engine"))
    if name is not None and not isinstance(name, str):
        raise InvalidRequestError(f"model must be a string, got {type(name).__name__}", param="model")
    known = name is not None and (name in engines.registered_engines() or (allow_paths and engines.exists(name)))
    if not known:
        if name is None or fallback:
            name = engines.default_engine(kind)
            if name is None:
                raise InvalidRequestError(f"no {kind} model is available: register one with tinygrad_lite.engines."
                                          f"register_engine(name, loader, kind={kind!r}) or pass model=DIR",
                                          param="model", code="model_not_found", http_status=404)
        else:
            raise InvalidRequestError(f"The model `{name}` does not exist (registered engines: "
                                      f"{', '.join(sorted(engines.registered_engines())) or 'none'}; or give a "
                                      f"checkpoint directory)", param="model", code="model_not_found", http_status=404)
    try:
        model = engines.load(name)
    except engines.EngineNotFoundError as e:
        raise InvalidRequestError(str(e), param="model", code="model_not_found", http_status=404) from None
    need = {"text": "next_logits", "embedding": "encode", "image": "generate_images"}[kind]
    if not hasattr(model, need):
        raise InvalidRequestError(f"the engine {name!r} ({type(model).__name__}) is not a {kind} model: it has no "
                                  f"{need}()", param="model", code="model_not_supported")
    return name, model


# ---- text: completions and chat -----------------------------------------------------------------
class TextJob:
    """A validated completion or chat request. steps() makes one model call per iteration and yields
    a chunk (dict) or None; response() is the whole answer once the steps are done."""

    def __init__(self, chat, name, gens, stream, include_usage):
        self.chat, self.model_name, self.gens = chat, name, gens  # gens: [(Generation, index offset, echo)]
        self.stream, self.include_usage = stream, include_usage
        self.id = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        self.created = int(time.time())
        self.object = "chat.completion" if chat else "text_completion"

    def _head(self, obj):
        return {"id": self.id, "object": obj, "created": self.created, "model": self.model_name}

    def _chunk(self, index, text, finish, first):
        if self.chat:
            delta = ({"role": "assistant", "content": text} if first else {"content": text}) if text or first else {}
            choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
            return {**self._head("chat.completion.chunk"), "choices": [choice]}
        choice = {"text": text, "index": index, "logprobs": None, "finish_reason": finish}
        return {**self._head("text_completion"), "choices": [choice]}

    def steps(self):
        for gen, offset, echo in self.gens:
            started = set()
            for d in gen.steps():
                first = d.index not in started
                started.add(d.index)
                text = (echo + d.text) if first and echo else d.text
                yield self._chunk(offset + d.index, text, d.finish_reason, first) \
                    if text or d.finish_reason or (first and self.chat) else None
        if self.include_usage:
            yield {**self._head("chat.completion.chunk" if self.chat else "text_completion"), "choices": [],
                   "usage": self.usage()}

    def usage(self):
        p = sum(g.usage.prompt_tokens for g, _, _ in self.gens)
        c = sum(g.usage.completion_tokens for g, _, _ in self.gens)
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}

    def response(self):
        choices = []
        for gen, offset, echo in self.gens:
            for c in gen.choices:
                if self.chat:
                    choices.append({"index": offset + c.index, "message": {"role": "assistant", "content": c.text},
                                    "logprobs": None, "finish_reason": c.finish_reason})
                else:
                    choices.append({"text": echo + c.text, "index": offset + c.index, "logprobs": None,
                                    "finish_reason": c.finish_reason})
        return {**self._head(self.object), "choices": choices, "usage": self.usage()}


def _sampling_kwargs(p, max_tokens_default):
    kw = {k: p[k] for k in ("temperature", "top_p", "top_k", "n", "stop", "seed", "presence_penalty",
                            "frequency_penalty", "logit_bias") if k in p}
    kw["max_tokens"] = p.get("max_tokens", p.get("max_completion_tokens", max_tokens_default))
    return kw


def _stream_options(p, stream):
    opts = p.get("stream_options")
    if opts is None:
        return False
    if not stream or not isinstance(opts, dict) or set(opts) - {"include_usage"}:
        raise InvalidRequestError("stream_options must be {\"include_usage\": bool} and needs stream=true",
                                  param="stream_options")
    return _flag(opts, "include_usage")


def _prompts(prompt):
    """OpenAI's prompt forms → a list of prompts (each a str or a list of token ids)."""
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt:
        if all(G._is_int(t) for t in prompt):
            return [prompt]
        if all(isinstance(x, str) or (isinstance(x, list) and x and all(G._is_int(t) for t in x)) for x in prompt):
            if len(prompt) > MAX_PROMPTS:
                raise InvalidRequestError(f"at most {MAX_PROMPTS} prompts per request, got {len(prompt)}",
                                          param="prompt")
            return list(prompt)
    raise InvalidRequestError("prompt must be a string, a list of strings, a list of token ids or a list of "
                              f"lists of token ids (non-empty), got {type(prompt).__name__}", param="prompt")


def prepare_completion(params, fallback=False, allow_paths=True):
    """Completion.create's arguments → a TextJob (raises InvalidRequestError before any model call)."""
    p = _check_params(params, _COMPLETION)
    stream, echo = _flag(p, "stream"), _flag(p, "echo")
    include_usage = _stream_options(p, stream)
    if p.get("logprobs") not in (None, 0):
        raise InvalidRequestError("logprobs is not supported", param="logprobs")
    if p.get("suffix"):
        raise InvalidRequestError("suffix is not supported", param="suffix")
    if p.get("best_of") not in (None, p.get("n", 1)):
        raise InvalidRequestError("best_of other than n is not supported", param="best_of")
    prompts = _prompts(p.get("prompt", ""))
    name, model = _engine(p, "text", fallback, allow_paths)
    kw = _sampling_kwargs(p, 16)
    n = kw.get("n", 1)
    if len(prompts) > 1 and G._is_int(n) and n * len(prompts) > G.MAX_N:
        raise InvalidRequestError(f"n × prompts must be at most {G.MAX_N}, got {n} × {len(prompts)}", param="n")
    gens = []
    try:
        for i, prompt in enumerate(prompts):
            gen = G.Generation(model, prompt, **kw)
            text = prompt if isinstance(prompt, str) else model.tokenizer.decode(prompt)
            gens.append((gen, i * gen.n, text if echo else ""))
    except (TypeError, ValueError) as e:
        raise _as_request_error(e, p) from None
    return TextJob(False, name, gens, stream, include_usage)


_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def _messages(messages):
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError("messages must be a non-empty list of {role, content} objects", param="messages")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in _ROLES:
            raise InvalidRequestError(f"messages[{i}] must be an object with a role in {sorted(_ROLES)}",
                                      param=f"messages[{i}]")
        content = m.get("content")
        if isinstance(content, list):  # content parts: text only
            if not all(isinstance(c, dict) and c.get("type") == "text" and isinstance(c.get("text"), str)
                       for c in content):
                raise InvalidRequestError(f"messages[{i}].content: only text parts are supported",
                                          param=f"messages[{i}].content")
            content = "".join(c["text"] for c in content)
        if content is None:
            content = ""
        if not isinstance(content, str):
            raise InvalidRequestError(f"messages[{i}].content must be a string", param=f"messages[{i}].content")
        out.append({"role": m["role"], "content": content})
    return out


def chat_prompt(model, messages):
    """The model's chat template applied to `messages`, ending where the assistant speaks: the
    model's (or its tokenizer's) apply_chat_template(messages, add_generation_prompt=True), else
    its `chat_template` (a Jinja string, as GGUF and tokenizer_config.json carry it, rendered with
    its bos_token/eos_token attributes), else "role: content" lines + "assistant:"."""
    owners = (model, getattr(model, "tokenizer", None))
    for owner in owners:
        if hasattr(owner, "apply_chat_template"):
            return owner.apply_chat_template(messages, add_generation_prompt=True)
    for owner in owners:
        template = getattr(owner, "chat_template", None)
        if isinstance(template, str):
            special = {k: getattr(owner, k) for k in ("bos_token", "eos_token")
                       if isinstance(getattr(owner, k, None), str)}
            try:
                return render_chat_template(template, messages, add_generation_prompt=True, **special)
            except Exception as e:  # jinja2's TemplateError: raise_exception() of the template, or a bad template
                raise InvalidRequestError(f"the model's chat template refused these messages: {e}",
                                          param="messages") from None
    return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"


def prepare_chat(params, fallback=False, allow_paths=True):
    """ChatCompletion.create's arguments → a TextJob. max_tokens defaults to what the context leaves."""
    p = _check_params(params, _CHAT)
    stream = _flag(p, "stream")
    include_usage = _stream_options(p, stream)
    if p.get("logprobs"):
        raise InvalidRequestError("logprobs is not supported", param="logprobs")
    if p.get("response_format") not in (None, {"type": "text"}):
        raise InvalidRequestError("only response_format {\"type\": \"text\"} is supported", param="response_format")
    messages = _messages(p.get("messages"))
    name, model = _engine(p, "text", fallback, allow_paths)
    try:
        gen = G.Generation(model, chat_prompt(model, messages), **_sampling_kwargs(p, None))
    except (TypeError, ValueError) as e:
        raise _as_request_error(e, p) from None
    return TextJob(True, name, [(gen, 0, "")], stream, include_usage)


# ---- embeddings ---------------------------------------------------------------------------------
class OneStepJob:
    """A request answered by one model call (embeddings, images): steps() runs it, yields None."""
    stream = False

    def __init__(self, name, run):
        self.model_name, self._run, self._response = name, run, None

    def steps(self):
        self._response = self._run()
        yield None

    def response(self):
        return self._response


def prepare_embedding(params, fallback=False, allow_paths=True):
    p = _check_params(params, _EMBEDDING)
    fmt = p.get("encoding_format", "float")
    if fmt not in ("float", "base64"):
        raise InvalidRequestError("encoding_format must be 'float' or 'base64'", param="encoding_format")
    inputs = p.get("input")
    if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and all(G._is_int(t) for t in inputs)):
        inputs = [inputs]
    ok = isinstance(inputs, list) and 0 < len(inputs) <= MAX_EMBEDDING_INPUTS and all(
        (isinstance(x, str) and x) or (isinstance(x, list) and x and all(G._is_int(t) for t in x)) for x in inputs)
    if not ok:
        raise InvalidRequestError(f"input must be a non-empty string, token list, or a list of 1..."
                                  f"{MAX_EMBEDDING_INPUTS} of them", param="input")
    name, model = _engine(p, "embedding", fallback, allow_paths)
    tok = getattr(model, "tokenizer", None)
    if any(isinstance(x, list) for x in inputs):
        if tok is None:
            raise InvalidRequestError(f"the engine {name!r} has no tokenizer: give input as text", param="input")
        vocab = getattr(model, "vocab_size", None)
        bad = [t for x in inputs if isinstance(x, list) for t in x if t < 0 or (vocab is not None and t >= vocab)]
        if bad:
            raise InvalidRequestError(f"input token id {bad[0]} is out of range [0, {vocab})", param="input")
    texts = [x if isinstance(x, str) else tok.decode(x) for x in inputs]
    n_tokens = sum(len(x) if isinstance(x, list) else len(tok.encode(x)) if tok else 0 for x in inputs)
    dims = p.get("dimensions")

    def run():
        from .autograd import no_grad

        with no_grad():
            out = model.encode(texts)
        vecs = np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype=np.float32)
        if dims is not None and dims != vecs.shape[1]:
            raise InvalidRequestError(f"this model's embeddings have {vecs.shape[1]} dimensions, not {dims}",
                                      param="dimensions")
        data = [{"object": "embedding", "index": i,
                 "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if fmt == "base64" else v.tolist()}
                for i, v in enumerate(vecs)]
        return {"object": "list", "data": data, "model": name,
                "usage": {"prompt_tokens": n_tokens, "total_tokens": n_tokens}}

    return OneStepJob(name, run)


# ---- images -------------------------------------------------------------------------------------
def _size(size):
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except (AttributeError, ValueError):
        w = h = -1
    if not (8 <= w <= 1024 and 8 <= h <= 1024):
        raise InvalidRequestError(f"size must be 'WIDTHxHEIGHT' with sides 8..1024 (e.g. '256x256'), got {size!r}",
                                  param="size")
    return w, h


def png_bytes(image, size):
    """An image (H, W) or (H, W, 3|4), uint8 or float in [0, 1], resized to size=(w, h), as PNG bytes."""
    from PIL import Image as PILImage

    a = np.asarray(image.numpy() if hasattr(image, "numpy") else image)
    if a.dtype != np.uint8:
        a = (np.clip(a.astype(np.float64), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    img = PILImage.fromarray(a).resize(size, PILImage.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def prepare_image(params, fallback=False, allow_paths=True):
    p = _check_params(params, _IMAGE)
    prompt = p.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > 4000:
        raise InvalidRequestError("prompt must be a non-empty string of at most 4000 characters", param="prompt")
    try:
        n = G.check_int("n", p.get("n", 1), lo=1, hi=MAX_IMAGES)
        seed = None if p.get("seed") is None else G.check_int("seed", p["seed"])
    except (TypeError, ValueError) as e:
        raise _as_request_error(e, p) from None
    size = _size(p.get("size", "256x256"))
    fmt = p.get("response_format", "url")
    if fmt not in ("url", "b64_json"):
        raise InvalidRequestError("response_format must be 'url' or 'b64_json'", param="response_format")
    name, model = _engine(p, "image", fallback, allow_paths)

    def run():
        from .autograd import no_grad

        with no_grad():
            images = model.generate_images(prompt, n, seed=seed)
        data = []
        for im in images:
            b64 = base64.b64encode(png_bytes(im, size)).decode()
            data.append({"b64_json": b64} if fmt == "b64_json" else {"url": "data:image/png;base64," + b64})
        return {"created": int(time.time()), "data": data}

    return OneStepJob(name, run)


# ---- the resource classes -----------------------------------------------------------------------
def _run(job):
    if job.stream:
        return (OpenAIObject.construct_from(c) for c in job.steps() if c is not None)
    for _ in job.steps():
        pass
    return OpenAIObject.construct_from(job.response())


class Completion:
    @classmethod
    def create(cls, **params):
        return _run(prepare_completion(params))


class ChatCompletion:
    @classmethod
    def create(cls, **params):
        return _run(prepare_chat(params))


class Embedding:
    @classmethod
    def create(cls, **params):
        return _run(prepare_embedding(params))


class Image:
    @classmethod
    def create(cls, **params):
        return _run(prepare_image(params))


class Model:
    @classmethod
    def list(cls):
        return OpenAIObject.construct_from({"object": "list", "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "tinygrad_lite", "kind": kind}
            for name, kind in sorted(engines.registered_engines().items())]})
