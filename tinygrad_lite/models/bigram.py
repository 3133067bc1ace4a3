"""The smallest language model: a byte-level bigram (makemore's and "Let's build GPT"'s first model).

    tokens: the 256 byte values of UTF-8 text, and 256 = <|endoftext|> (end and start of a document)
    logits(next | current) = W[current]                    W (257, 257), one row per current token
    forward: idx (B, T) int64 → W[idx] (B, T, 257)          an embedding lookup

`ByteBigramLM.from_text(corpus)` fits W by counting, W[a, b] = log((count(a→b) + α) / Σ_b' ...),
which is the maximum-likelihood bigram with add-α smoothing; gradient descent on the cross-entropy
would reach the same table. It implements the decoding protocol of `tinygrad_lite.generation`
(next_logits, tokenizer with decode_bytes, eos_token_id, max_context), saves as a checkpoint
directory (config.json with model_type "byte-bigram" + model.safetensors) that the engine registry
loads, and so is the model the API, server and their tests run when no large model is wanted: its
byte tokens split multi-byte characters, which exercises the UTF-8 hold-back of streaming.
"""
import json
import os

import numpy as np

import tinygrad_lite as torch
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F

EOT = 256
VOCAB = 257
MODEL_TYPE = "byte-bigram"


class ByteTokenizer:
    """UTF-8 bytes as token ids; 256 is <|endoftext|>, which decode leaves out."""

    vocab_size = VOCAB
    eos_token_id = EOT

    def encode(self, text):
        return list(text.encode("utf-8"))

    def decode_bytes(self, ids):
        return bytes(i for i in ids if i < 256)

    def decode(self, ids):
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    def apply_chat_template(self, messages, add_generation_prompt=True):
        """A plain transcript: "role: content" lines, then "assistant:" to answer."""
        text = "".join(f"{m['role']}: {m['content']}\n" for m in messages)
        return text + ("assistant:" if add_generation_prompt else "")


class ByteBigramLM(nn.Module):
    def __init__(self, max_context=1024):
        super().__init__()
        self.max_context = int(max_context)
        self.weight = nn.Parameter(torch.zeros(VOCAB, VOCAB))  # (current, next) log-probabilities
        self.tokenizer = ByteTokenizer()
        self.eos_token_id = self.bos_token_id = EOT
        self.vocab_size = VOCAB

    @classmethod
    def from_text(cls, text, smoothing=0.01, max_context=1024):
        """Fit by counting transitions in `text`; blank-line-separated paragraphs are documents."""
        counts = np.full((VOCAB, VOCAB), float(smoothing))
        for doc in (d for d in text.split("\n\n") if d.strip()):
            ids = np.array([EOT, *doc.encode("utf-8"), EOT])
            np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
        model = cls(max_context)
        logp = np.log(counts / counts.sum(1, keepdims=True)).astype(np.float32)
        model.weight = nn.Parameter(torch.from_numpy(logp))
        return model

    def forward(self, idx):
        return F.embedding(idx, self.weight)  # (B, T) → (B, T, V)

    # ---- the decoding protocol (tinygrad_lite.generation) ----
    def next_logits(self, new_ids, cache):
        """The bigram needs only the last token; the cache counts the positions seen."""
        if not new_ids:
            raise ValueError("ByteBigramLM.next_logits: no tokens given")
        bad = [i for i in new_ids if not 0 <= i < VOCAB]
        if bad:
            raise IndexError(f"ByteBigramLM: token id {bad[0]} out of range [0, {VOCAB})")
        logits = self.forward(torch.tensor([[new_ids[-1]]]))  # (1, 1, V)
        return logits[0, -1], (cache or 0) + len(new_ids)

    def clone_cache(self, cache):
        return cache

    apply_chat_template = ByteTokenizer.apply_chat_template

    # ---- checkpoint directory ----
    def save_pretrained(self, path):
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump({"model_type": MODEL_TYPE, "vocab_size": VOCAB, "max_context": self.max_context}, f)
        torch.save(self.state_dict(), os.path.join(path, "model.safetensors"))

    @classmethod
    def from_pretrained(cls, path):
        with open(os.path.join(path, "config.json")) as f:
            config = json.load(f)
        if config.get("model_type") != MODEL_TYPE:
            raise ValueError(f"{path}: model_type {config.get('model_type')!r} is not {MODEL_TYPE!r}")
        model = cls(config.get("max_context", 1024))
        model.load_state_dict(torch.load(os.path.join(path, "model.safetensors")))
        return model.eval()
