"""Where a Hugging Face model lives on this machine: a directory, or a name in the local hub cache.

Offline only: nothing is ever downloaded. The cache layout (huggingface_hub's) is

    $HF_HUB_CACHE (or $HUGGINGFACE_HUB_CACHE, or $HF_HOME/hub, or ~/.cache/huggingface/hub)
      models--{org}--{name}/
        refs/main                 a text file holding a commit hash
        snapshots/{commit}/       config.json, model.safetensors, tokenizer files, ...
"""
import os


def hub_cache_dir():
    """The hub cache directory, honouring HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE and HF_HOME as huggingface_hub does."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return os.path.expanduser(os.environ[var])
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache"), "huggingface")
    return os.path.join(os.path.expanduser(home), "hub")


def _snapshot(repo_dir, revision):
    snapshots = os.path.join(repo_dir, "snapshots")
    ref = os.path.join(repo_dir, "refs", revision)
    if os.path.isfile(ref):
        with open(ref, encoding="utf-8") as f:
            commit = f.read().strip()
        if os.path.isdir(os.path.join(snapshots, commit)):
            return os.path.join(snapshots, commit)
    if os.path.isdir(os.path.join(snapshots, revision)):  # a commit hash given as the revision
        return os.path.join(snapshots, revision)
    if revision == "main" and os.path.isdir(snapshots):  # no refs/main: the only (or newest) snapshot
        found = sorted((os.path.join(snapshots, d) for d in os.listdir(snapshots)), key=os.path.getmtime)
        if found:
            return found[-1]
    return None


def resolve_model_dir(name_or_path, revision=None, cache_dir=None):
    """The local directory holding `name_or_path`: the path itself when it is a directory, else the snapshot
    of the model `org/name` in the hub cache (`revision`: a branch/tag under refs/, or a commit; default main).

    Raises OSError naming both places looked at when neither exists (we never download)."""
    name_or_path = os.fspath(name_or_path)
    if os.path.isdir(name_or_path):
        return name_or_path
    if os.path.isfile(name_or_path):
        raise OSError(f"{name_or_path!r} is a file; from_pretrained expects a model directory (config.json, "
                      "model.safetensors, ...) or a model name in the Hugging Face cache")
    cache = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else hub_cache_dir()
    repo_dir = os.path.join(cache, "models--" + name_or_path.replace("/", "--"))
    snap = _snapshot(repo_dir, revision or "main") if os.path.isdir(repo_dir) else None
    if snap is None:
        raise OSError(
            f"Can't find model {name_or_path!r}: it is not a local directory, and the Hugging Face cache "
            f"({repo_dir}) has no snapshot for revision {revision or 'main'!r}. tinygrad_lite works offline: "
            "download it once (e.g. `huggingface-cli download NAME`) or pass the model directory.")
    return snap
