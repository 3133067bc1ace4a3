"""The engine registry: names and checkpoint directories → loaded models, loaded once, lazily,
thread-safely, and kept.

An engine is what the API's `engine=`/`model=` names:
  * a registered name, e.g. "smollm2-135m-instruct":  register_engine(name, loader, kind=...)
  * a checkpoint directory (or file) on disk: its `config.json` "model_type" picks the loader
    registered with register_directory_loader(model_type, loader); a file's suffix (".gguf")
    picks one registered with register_directory_loader(".gguf", loader).
A loader is a callable `loader(name_or_path) -> model`, or a "module:attribute" string imported on
first use (so registering costs no import and no layer has to import a model it may never use).
kind says what a model does, for defaults and error messages before it is loaded:
"text" (completion and chat: the protocol of tinygrad_lite.generation), "embedding"
(`encode(texts) -> (N, D)`), "image" (`generate_images(prompt, n, seed=None) -> list of images`).

Model files register themselves at import (`from tinygrad_lite.engines import register_engine`);
the tables _BUILTIN_* below name the ones shipped with the package, imported lazily.
"""
import importlib
import json
import os
import threading

KINDS = ("text", "embedding", "image")
DEFAULT_TEXT_ENGINE = "smollm2-135m-instruct"
DEFAULT_EMBEDDING_ENGINE = "all-minilm-l6-v2"

# name → (loader, kind): the models shipped with the package
_BUILTIN_ENGINES = {
    "smollm2-135m-instruct": ("tinygrad_lite.models.llama:load_smollm2", "text"),
    "all-minilm-l6-v2": ("tinygrad_lite.models.sentence:load_all_minilm_l6_v2", "embedding"),
}
# config.json model_type (or a file suffix) → loader of a checkpoint directory
_BUILTIN_DIRECTORY_LOADERS = {
    "byte-bigram": "tinygrad_lite.models.bigram:ByteBigramLM.from_pretrained",
    ".gguf": "tinygrad_lite.models.llama:load_gguf",
    "dalle": "tinygrad_lite.models.dalle:DALLE.from_pretrained",
    "bert": "tinygrad_lite.models.sentence:load_sentence_transformer",  # served as sentence embeddings
}


class EngineNotFoundError(LookupError):
    """No registered engine and no loadable checkpoint has this name."""

    def __str__(self):
        return str(self.args[0]) if self.args else "engine not found"


class _Registry:
    def __init__(self):
        self.lock = threading.Lock()
        self.engines = dict(_BUILTIN_ENGINES)  # name → (loader, kind)
        self.directory_loaders = dict(_BUILTIN_DIRECTORY_LOADERS)
        self.defaults = {"text": DEFAULT_TEXT_ENGINE, "embedding": DEFAULT_EMBEDDING_ENGINE}  # kind → name
        self.loaded = {}  # key → model
        self.loading = {}  # key → Lock held while that key loads


_R = _Registry()


def register_engine(name, loader, kind="text", default=False):
    """Make `name` load with `loader(name)` on first use. Re-registering replaces (and unloads) it.
    default=True makes it the engine its kind uses when none is named (text and embeddings have
    built-in defaults; the first registered image engine is the default until one says default=True)."""
    if kind not in KINDS:
        raise ValueError(f"register_engine: kind must be one of {KINDS}, got {kind!r}")
    if not (callable(loader) or (isinstance(loader, str) and ":" in loader)):
        raise TypeError("register_engine: loader must be callable or a 'module:attribute' string")
    with _R.lock:
        _R.engines[name] = (loader, kind)
        _R.loaded.pop(("engine", name), None)
        if default or kind not in _R.defaults:
            _R.defaults[kind] = name


def register_directory_loader(model_type, loader):
    """Checkpoint directories whose config.json says `"model_type": model_type` (or files ending in
    model_type when it starts with ".") load with `loader(path)`."""
    with _R.lock:
        _R.directory_loaders[model_type] = loader


def unregister_engine(name):
    with _R.lock:
        _R.engines.pop(name, None)
        _R.loaded.pop(("engine", name), None)
        for kind, n in list(_R.defaults.items()):
            if n == name and kind != "text":
                del _R.defaults[kind]


def default_engine(kind="text"):
    """The engine name used when a request names none (None when no engine of that kind exists)."""
    return _R.defaults.get(kind)


def set_default_engine(kind, name):
    with _R.lock:
        _R.defaults[kind] = name


def registered_engines():
    """{name: kind} of the registered engines (loaded or not)."""
    with _R.lock:
        return {name: kind for name, (_, kind) in _R.engines.items()}


def engine_kind(name):
    """The kind of a registered engine, or None (unknown, or a directory: known after loading)."""
    entry = _R.engines.get(name)
    return entry[1] if entry else None


def _directory_loader(path):
    if os.path.isfile(path):
        suffix = os.path.splitext(path)[1]
        loader = _R.directory_loaders.get(suffix)
        if loader is None:
            raise EngineNotFoundError(f"{path}: no loader for {suffix or 'extensionless'} files "
                                      f"(known: {sorted(k for k in _R.directory_loaders if k.startswith('.'))})")
        return loader
    config = os.path.join(path, "config.json")
    if not os.path.isfile(config):
        raise EngineNotFoundError(f"{path}: not a checkpoint directory (no config.json)")
    try:
        with open(config) as f:
            model_type = json.load(f).get("model_type")
    except (OSError, ValueError, AttributeError) as e:
        raise EngineNotFoundError(f"{config}: unreadable ({e})") from None
    loader = _R.directory_loaders.get(model_type)
    if loader is None:
        known = sorted(k for k in _R.directory_loaders if not k.startswith("."))
        raise EngineNotFoundError(f"{path}: no loader for model_type {model_type!r} (known: {known})")
    return loader


def load_checkpoint(path):
    """Load a checkpoint directory (or file) with the loader its model_type (suffix) names; uncached."""
    return _resolve(_directory_loader(path))(path)


def register_path(path, kind="text", default=False):
    """Register the checkpoint at `path` as an engine named `path` (the server does this for the
    models on its command line: requests may name those, never other paths)."""
    if not os.path.exists(path):
        raise EngineNotFoundError(f"{path}: no such file or directory")
    register_engine(path, load_checkpoint, kind=kind, default=default)


def exists(name):
    """True when `name` is a registered engine or a path on disk (whether it loads is seen on load)."""
    return isinstance(name, str) and (name in _R.engines or (bool(name) and os.path.exists(name)))


def _resolve(loader):
    if callable(loader):
        return loader
    module, _, attr = loader.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def load(name):
    """The model of engine `name`, loading it on first use. Concurrent callers of one name wait for
    a single load; different names load in parallel. A failed load is not cached."""
    if not isinstance(name, str) or not name:
        raise EngineNotFoundError(f"engine must be a non-empty string, got {name!r}")
    with _R.lock:
        if name in _R.engines:
            key, (loader, _) = ("engine", name), _R.engines[name]
        elif os.path.exists(name):
            key, loader = ("path", os.path.realpath(name)), None
        else:
            known = ", ".join(sorted(_R.engines)) or "none registered"
            raise EngineNotFoundError(f"the engine {name!r} does not exist: it is neither a registered engine "
                                      f"({known}) nor a checkpoint directory")
        if key in _R.loaded:
            return _R.loaded[key]
        key_lock = _R.loading.setdefault(key, threading.Lock())
    with key_lock:
        with _R.lock:
            if key in _R.loaded:
                return _R.loaded[key]
        model = load_checkpoint(name) if loader is None else _resolve(loader)(name)
        with _R.lock:
            _R.loaded[key] = model
        return model


def loaded_engines():
    with _R.lock:
        return [key[1] for key in _R.loaded]


def unload(name=None):
    """Forget loaded models (all when name is None); the next use loads again."""
    with _R.lock:
        if name is None:
            _R.loaded.clear()
        else:
            _R.loaded.pop(("engine", name), None)
            if os.path.exists(name):
                _R.loaded.pop(("path", os.path.realpath(name)), None)
