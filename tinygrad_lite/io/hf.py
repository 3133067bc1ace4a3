"""Hugging Face model directories: config.json, model.safetensors (or shards), and the base classes
that give a model `from_pretrained` / `save_pretrained` / `config` with transformers' behaviour.

A directory (or a cached model name, see io/hub.py) holds
    config.json                         the architecture: PretrainedConfig.from_pretrained
    model.safetensors                   name → tensor; or model.safetensors.index.json + shards
Loading matches checkpoint names to `model.state_dict()` names, adding or removing the base-model
prefix (`bert.`) as transformers does; what is left over is reported as transformers reports it
(missing keys are newly initialised, unexpected keys are ignored), shapes must agree. Weights are
read with the `safetensors` package only: tinygrad_lite never unpickles.
"""
import copy
import inspect
import json
import logging
import os
import re

import threading

import numpy as np

import tinygrad_lite as _tl
from tinygrad_lite.nn.module import Module

from .hub import resolve_model_dir

logger = logging.getLogger("tinygrad_lite")
_LOADING = threading.local()  # .active: a from_pretrained is building its model (in this thread)

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
_PICKLE_NAMES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


def _read_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} {path} is not valid JSON: {e}") from None


# ---- configuration -------------------------------------------------------------------------------------
class PretrainedConfig:
    """A model's hyper-parameters as attributes, read from / written to config.json (transformers' format).

    Common fields: id2label / label2id (class names; num_labels is their count), problem_type,
    output_hidden_states, output_attentions, return_dict, architectures. Unknown keys are kept as attributes
    so that a config round-trips."""

    model_type = ""

    def __init__(self, id2label=None, label2id=None, num_labels=None, problem_type=None, output_hidden_states=False,
                 output_attentions=False, return_dict=True, architectures=None, **kwargs):
        if id2label is not None:
            id2label = {int(k): v for k, v in id2label.items()}
            if num_labels is not None and num_labels != len(id2label):
                logger.warning("You passed along `num_labels=%s` with an incompatible id to label map: %s. The number "
                               "of labels will be overwritten to %s.", num_labels, id2label, len(id2label))
        else:
            id2label = {i: f"LABEL_{i}" for i in range(2 if num_labels is None else int(num_labels))}
        self.id2label = id2label
        self.label2id = ({k: int(v) for k, v in label2id.items()} if label2id is not None and len(label2id) == len(id2label)
                         else {v: k for k, v in id2label.items()})
        if problem_type not in (None, "regression", "single_label_classification", "multi_label_classification"):
            raise ValueError(f"problem_type must be regression, single_label_classification or "
                             f"multi_label_classification, got {problem_type!r}")
        self.problem_type = problem_type
        self.output_hidden_states, self.output_attentions, self.return_dict = output_hidden_states, output_attentions, return_dict
        self.architectures = architectures
        for key in ("transformers_version", "_name_or_path", "torch_dtype", "dtype"):
            kwargs.pop(key, None)
        for k, v in kwargs.items():
            setattr(self, k, v)

    @property
    def num_labels(self):
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, n):
        if n != len(self.id2label):
            self.id2label = {i: f"LABEL_{i}" for i in range(n)}
            self.label2id = {v: k for k, v in self.id2label.items()}

    @classmethod
    def from_dict(cls, config_dict, **kwargs):
        """The config of a dict (config.json's content); kwargs then override fields, e.g. num_labels=5 gives
        five fresh LABEL_i names, id2label={...} new names (label2id follows)."""
        d = dict(config_dict)
        model_type = d.get("model_type")
        if cls.model_type and model_type and model_type != cls.model_type:
            logger.warning("You are using a model of type %s to instantiate a model of type %s. This is not supported "
                           "for all configurations of models and can yield errors.", model_type, cls.model_type)
        d.pop("model_type", None)
        config = cls(**d)
        config.update(kwargs)
        return config

    @classmethod
    def from_json_file(cls, path):
        return cls.from_dict(_read_json(path, "config file"))

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, revision=None, cache_dir=None, **kwargs):
        """The config.json of a model directory (or cached model name); kwargs override its fields."""
        path = resolve_model_dir(pretrained_model_name_or_path, revision=revision, cache_dir=cache_dir)
        fn = os.path.join(path, CONFIG_NAME)
        if not os.path.isfile(fn):
            raise OSError(f"{path} does not appear to have a file named {CONFIG_NAME}")
        config = cls.from_dict(_read_json(fn, "config file"), **kwargs)
        config._name_or_path = os.fspath(pretrained_model_name_or_path)
        return config

    def to_dict(self):
        d = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if not k.startswith("_")}
        d["id2label"] = {str(k): v for k, v in self.id2label.items()}
        d["model_type"] = self.model_type
        return d

    def to_json_string(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def save_pretrained(self, save_directory):
        os.makedirs(save_directory, exist_ok=True)
        with open(os.path.join(save_directory, CONFIG_NAME), "w", encoding="utf-8") as f:
            f.write(self.to_json_string())

    def update(self, config_dict):
        config_dict = dict(config_dict)
        if "id2label" in config_dict:
            self.id2label = {int(k): v for k, v in config_dict.pop("id2label").items()}
            self.label2id = {v: k for k, v in self.id2label.items()}
            config_dict.pop("num_labels", None)
        for k, v in config_dict.items():
            if k == "label2id":
                v = {lab: int(i) for lab, i in v.items()}
            setattr(self, k, v)

    def __eq__(self, other):
        return isinstance(other, PretrainedConfig) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return f"{type(self).__name__} {self.to_json_string()}"


# ---- weights -------------------------------------------------------------------------------------------
def _array(dtype, shape, data):
    """Raw safetensors bytes → a writable float32/float64/int64/bool numpy array (our dtypes)."""
    if dtype == "BF16":  # bfloat16 is the top half of a float32
        arr = (np.frombuffer(data, np.uint16).astype(np.uint32) << 16).view(np.float32)
    else:
        np_dtype = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
                    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}.get(dtype)
        if np_dtype is None:
            raise ValueError(f"unsupported safetensors dtype {dtype}")
        arr = np.frombuffer(data, np_dtype)
    arr = arr.reshape(shape)
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 4:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu" and arr.dtype != np.int64:
        return arr.astype(np.int64)
    return np.array(arr, copy=True)


def load_safetensors(path):
    """{name: tinygrad_lite tensor} of one .safetensors file; a damaged file raises OSError naming it."""
    import safetensors

    try:
        with open(path, "rb") as f:
            entries = safetensors.deserialize(f.read())
    except safetensors.SafetensorError as e:
        raise OSError(f"Unable to load weights from {path}: not a valid safetensors file ({e})") from None
    # sorted by name: the file's order is alphabetical, the library's is not stable
    return {name: _tl.from_numpy(_array(t["dtype"], t["shape"], t["data"])) for name, t in sorted(entries)}


def load_state_dict_from_dir(path):
    """The checkpoint of a model directory: model.safetensors, or the shards listed in model.safetensors.index.json."""
    single, index = os.path.join(path, WEIGHTS_NAME), os.path.join(path, WEIGHTS_INDEX_NAME)
    if os.path.isfile(single):
        return load_safetensors(single)
    if os.path.isfile(index):
        weight_map = _read_json(index, "weights index").get("weight_map")
        if not isinstance(weight_map, dict):
            raise OSError(f"{index} has no weight_map")
        state = {}
        for shard in sorted(set(weight_map.values())):
            fn = os.path.join(path, shard)
            if not os.path.isfile(fn):
                raise OSError(f"{index} lists the shard {shard}, which is missing from {path}")
            state.update(load_safetensors(fn))
        missing = sorted(set(weight_map) - set(state))
        if missing:
            raise OSError(f"the shards of {path} lack tensors their index lists: {missing[:5]}")
        return state
    pickled = [n for n in _PICKLE_NAMES if os.path.isfile(os.path.join(path, n))]
    if pickled:
        raise OSError(f"{path} has only {', '.join(pickled)}: tinygrad_lite reads safetensors weights and never "
                      "unpickles; convert the checkpoint (e.g. transformers' save_pretrained(safe_serialization=True))")
    raise OSError(f"Error no file named {WEIGHTS_NAME} (or {WEIGHTS_INDEX_NAME}) found in directory {path}")


def save_safetensors(state_dict, path, metadata=None):
    """Write {name: tensor} as a safetensors file transformers can read (metadata format=pt)."""
    from safetensors.numpy import save_file

    arrays = {k: np.ascontiguousarray(v.detach().numpy()) for k, v in state_dict.items()}
    save_file(arrays, path, metadata={"format": "pt", **(metadata or {})})


# ---- models --------------------------------------------------------------------------------------------
class PreTrainedModel(Module):
    """Base of the models that load Hugging Face checkpoints (transformers.PreTrainedModel's interface).

    Subclasses set config_class, base_model_prefix (the attribute holding the bare model, e.g. "bert"),
    _init_weights(module), and optionally _keys_to_ignore_on_load_unexpected (regexes of checkpoint names
    that are silently dropped) and _tied_weights_keys ({name: name it shares storage with})."""

    config_class = PretrainedConfig
    base_model_prefix = ""
    _keys_to_ignore_on_load_unexpected = ()
    _keys_to_ignore_on_load_missing = ()
    _tied_weights_keys = {}

    def __init__(self, config, *args, **kwargs):
        super().__init__()
        if not isinstance(config, PretrainedConfig):
            raise TypeError(f"{type(self).__name__} expects a PretrainedConfig (e.g. {self.config_class.__name__}), "
                            f"got {type(config).__name__}")
        self.config = config

    def post_init(self):
        """Initialise every weight (_init_weights) and tie the shared ones. Inside from_pretrained the
        initialisation waits: only the weights the checkpoint does not supply are initialised, after loading."""
        if not getattr(_LOADING, "active", False):
            self.apply(self._init_weights)
        self.tie_weights()

    def _init_weights_of(self, names):
        """_init_weights on every module that owns one of the state_dict `names` (directly)."""
        names = set(names)
        for prefix, module in self.named_modules():
            own = [n for n, _ in module.named_parameters(recurse=False)] + [n for n, _ in module.named_buffers(
                recurse=False)]
            if any((f"{prefix}.{n}" if prefix else n) in names for n in own):
                self._init_weights(module)

    def _init_weights(self, module):
        pass

    def tie_weights(self):
        pass

    @property
    def base_model(self):
        return getattr(self, self.base_model_prefix, self)

    @property
    def dtype(self):
        return next(self.parameters()).dtype

    @property
    def device(self):
        return next(self.parameters()).device

    def num_parameters(self, only_trainable=False):
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not only_trainable)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *model_args, config=None, revision=None, cache_dir=None,
                        ignore_mismatched_sizes=False, output_loading_info=False, dtype=None, torch_dtype=None,
                        local_files_only=True, **kwargs):
        """Build the model from its directory's config.json (kwargs such as num_labels or id2label override it)
        and load model.safetensors into it, reporting missing / unexpected keys as transformers does.

        A shape that disagrees between checkpoint and model raises RuntimeError naming the key and both
        shapes, unless ignore_mismatched_sizes=True (then that weight is newly initialised, with a warning)."""
        path = resolve_model_dir(pretrained_model_name_or_path, revision=revision, cache_dir=cache_dir)
        init_names = set(inspect.signature(cls.__init__).parameters) - {"self", "config"}
        model_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in init_names}  # e.g. add_pooling_layer
        if config is None:
            config = cls.config_class.from_pretrained(path, **kwargs)
        elif kwargs:
            config = copy.deepcopy(config)
            config.update(kwargs)
        state = load_state_dict_from_dir(path)
        _LOADING.active = True  # post_init skips the random initialisation the checkpoint overwrites anyway
        try:
            model = cls(config, *model_args, **model_kwargs)
        finally:
            _LOADING.active = False
        info = model._load_checkpoint(state, os.fspath(pretrained_model_name_or_path), ignore_mismatched_sizes)
        model._init_weights_of(info["missing_keys"] + [k for k, _, _ in info["mismatched_keys"]])
        model.tie_weights()
        want = dtype or torch_dtype
        if want is not None and want != "auto":
            model.to(getattr(_tl, want) if isinstance(want, str) else want)
        model.eval()
        return (model, info) if output_loading_info else model

    def _load_checkpoint(self, state, source, ignore_mismatched_sizes):
        own = self.state_dict(keep_vars=True)
        prefix = self.base_model_prefix
        if prefix:
            has_prefix = any(k.startswith(prefix + ".") for k in state)
            expects_prefix = any(k.startswith(prefix + ".") for k in own)
            if expects_prefix and not has_prefix:  # a bare model's checkpoint into a model with a head
                state = {(k if k in own else f"{prefix}.{k}"): v for k, v in state.items()}
            elif has_prefix and not expects_prefix:  # a checkpoint with a head into the bare model
                state = {(k[len(prefix) + 1:] if k.startswith(prefix + ".") else k): v for k, v in state.items()}
        state = {_legacy_name(k): v for k, v in state.items()}
        unexpected = [k for k in state if k not in own
                      and not any(re.search(p, k) for p in self._keys_to_ignore_on_load_unexpected)]
        tied = {k for k, src in self._tied_weights_keys.items() if src in state}
        missing = [k for k in own if k not in state and k not in tied
                   and not any(re.search(p, k) for p in self._keys_to_ignore_on_load_missing)]
        errors, mismatched = [], []
        for k, dst in own.items():
            if k not in state:
                continue
            src = state[k]
            if tuple(src.shape) != tuple(dst.shape):
                if ignore_mismatched_sizes:
                    mismatched.append((k, tuple(src.shape), tuple(dst.shape)))
                    continue
                errors.append(f"size mismatch for {k}: copying a param with shape {tuple(src.shape)} from checkpoint, "
                              f"the shape in current model is {tuple(dst.shape)}.")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors)
                               + "\n\tYou may consider adding `ignore_mismatched_sizes=True` in the model "
                               "`from_pretrained` method.")
        bad = {k for k, _, _ in mismatched}
        with _tl.no_grad():
            for k, dst in own.items():
                if k in state and k not in bad:
                    dst.copy_(state[k].to(dst.dtype))
        self.tie_weights()
        name = type(self).__name__
        if unexpected:
            logger.warning(
                "Some weights of the model checkpoint at %s were not used when initializing %s: %s\n"
                "- This IS expected if you are initializing %s from the checkpoint of a model trained on another task "
                "or with another architecture (e.g. initializing a BertForSequenceClassification model from a "
                "BertForPreTraining model).\n- This IS NOT expected if you are initializing %s from the checkpoint of a "
                "model that you expect to be exactly identical (initializing a BertForSequenceClassification model "
                "from a BertForSequenceClassification model).", source, name, unexpected, name, name)
        if missing:
            logger.warning("Some weights of %s were not initialized from the model checkpoint at %s and are newly "
                           "initialized: %s\nYou should probably TRAIN this model on a down-stream task to be able to "
                           "use it for predictions and inference.", name, source, missing)
        if mismatched:
            lines = "\n".join(f"- {k}: found shape {a} in the checkpoint and {b} in the model instantiated"
                              for k, a, b in mismatched)
            logger.warning("Some weights of %s were not initialized from the model checkpoint at %s and are newly "
                           "initialized because the shapes did not match:\n%s\nYou should probably TRAIN this model on "
                           "a down-stream task to be able to use it for predictions and inference.", name, source, lines)
        return {"missing_keys": missing, "unexpected_keys": unexpected, "mismatched_keys": mismatched,
                "error_msgs": []}

    def save_pretrained(self, save_directory, state_dict=None, safe_serialization=True, **kwargs):
        """Write config.json and model.safetensors into save_directory (transformers' from_pretrained loads it).
        Tied duplicates (e.g. an output layer sharing the embedding matrix) are stored once."""
        if not safe_serialization:
            raise ValueError("tinygrad_lite saves safetensors only (safe_serialization=True); it never pickles")
        if os.path.isfile(save_directory):
            raise OSError(f"save_pretrained: {save_directory} is a file, expected a directory")
        os.makedirs(save_directory, exist_ok=True)
        config = copy.deepcopy(self.config)
        config.architectures = [type(self).__name__]
        config.save_pretrained(save_directory)
        state = dict(self.state_dict() if state_dict is None else state_dict)
        for k, src in self._tied_weights_keys.items():
            if k in state and src in state:
                del state[k]
        save_safetensors(state, os.path.join(save_directory, WEIGHTS_NAME))


def _legacy_name(key):
    # checkpoints from TF-era BERT call LayerNorm's weight/bias gamma/beta
    return re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", key))
