"""The checkpoint directory of the small models trained here (vqvae.py, dalle.py, clip.py):
config.json — the config dataclass plus its model_type — and model.safetensors."""
import json
import os
from dataclasses import asdict, fields

import tinygrad_lite as torch


def save_model_dir(model, directory, model_type):
    """directory/config.json ({"model_type": model_type, **model.config}) and model.safetensors."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump({"model_type": model_type, **asdict(model.config)}, f, indent=2)
    torch.save(model.state_dict(), os.path.join(directory, "model.safetensors"))


def load_model_dir(cls, config_cls, directory, model_type=None):
    """cls(config_cls(config.json's fields)) with model.safetensors loaded; with model_type, a
    directory holding another kind of model is a ValueError."""
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    if model_type is not None and cfg.get("model_type") != model_type:
        raise ValueError(f"{cls.__name__}.from_pretrained: {directory!r} holds a {cfg.get('model_type')!r} model")
    names = {f.name for f in fields(config_cls)}
    model = cls(config_cls(**{k: v for k, v in cfg.items() if k in names}))
    model.load_state_dict(torch.load(os.path.join(directory, "model.safetensors")))
    return model
