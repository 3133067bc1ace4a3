"""Byte-level BPE (GPT-2 style) from a GGUF file's embedded vocabulary, with its chat template.

The GGUF stores what a `tokenizer.json` would, under llama.cpp's keys:

    tokenizer.ggml.model        "gpt2" (byte-level BPE; the only kind built here)
    tokenizer.ggml.pre          the pre-tokenizer's name ("smollm", ...)
    tokenizer.ggml.tokens       the vocabulary, id order, spelled in GPT-2's byte alphabet ("Ġworld")
    tokenizer.ggml.merges       "a b" pairs, best first
    tokenizer.ggml.token_type   1 normal, 3 control (special: <|im_start|>), 4 user-defined, 6 byte
    tokenizer.ggml.{bos,eos,padding,unknown}_token_id, tokenizer.ggml.add_bos_token
    tokenizer.chat_template     a Jinja template over `messages`

Encoding: special tokens are matched whole in the text; the rest is split by the GPT-2 regex, each
piece is written as bytes in the byte alphabet and merged by rank. The `tokenizers` library runs it;
this file only assembles it. That is what Hugging Face builds from this file too
(`AutoTokenizer.from_pretrained(dir, gguf_file=...)`), and the tests hold us to its ids. (SmolLM2's
own tokenizer.json splits digits off first; it differs from both on whitespace before a digit —
"\n\n1" is [ĊĊ, 1] there and [Ċ, Ċ, 1] here — 30 of the 2225 BBC articles.)
"""
from __future__ import annotations

from functools import lru_cache

from tokenizers import (
    AddedToken,
    Tokenizer,
    decoders,
    models,
    pre_tokenizers,
    processors,
)

from .chat import render_chat_template

CONTROL, USER_DEFINED = 3, 4


@lru_cache(maxsize=1)
def byte_alphabet():
    """GPT-2's byte -> printable character table (bytes that are printable map to themselves)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class BPETokenizer:
    """encode / decode / apply_chat_template for a byte-level BPE vocabulary (Hugging Face names)."""

    def __init__(self, tokens, merges, token_types=None, bos_token_id=None, eos_token_id=None, pad_token_id=None,
                 unk_token_id=None, add_bos_token=False, chat_template=None):
        alphabet = byte_alphabet()
        letters = set(alphabet.values())
        # A token written outside the byte alphabet (rare; a converter's slip) is respelled from its UTF-8 bytes.
        spelled = [t if set(t) <= letters else "".join(alphabet[b] for b in t.encode("utf-8")) for t in tokens]
        vocab = {t: i for i, t in enumerate(spelled)}
        if len(vocab) != len(spelled):
            raise ValueError("BPETokenizer: the vocabulary has duplicate tokens")
        pairs = []
        for i, m in enumerate(merges):
            parts = m.split(" ")
            if len(parts) != 2:
                raise ValueError(f"BPETokenizer: merge #{i} {m!r} is not two tokens separated by one space")
            pairs.append((parts[0], parts[1]))
        tok = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False, byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        types = list(token_types) if token_types is not None else [1] * len(tokens)
        special = [AddedToken(t, normalized=False, special=True) for t, k in zip(tokens, types)
                   if k == CONTROL and set(t) <= letters]
        tok.add_special_tokens(special)
        user = [AddedToken(t, normalized=False, special=False) for t, k in zip(tokens, types) if k == USER_DEFINED]
        if user:
            tok.add_tokens(user)

        def name(i):
            return tokens[i] if i is not None and 0 <= i < len(tokens) else None

        self.bos_token_id, self.eos_token_id, self.pad_token_id, self.unk_token_id = (
            bos_token_id, eos_token_id, pad_token_id, unk_token_id)
        self.bos_token, self.eos_token, self.pad_token, self.unk_token = (
            name(bos_token_id), name(eos_token_id), name(pad_token_id), name(unk_token_id))
        self.add_bos_token = bool(add_bos_token) and bos_token_id is not None
        if self.add_bos_token:
            tok.post_processor = processors.TemplateProcessing(
                single=f"{self.bos_token} $A", pair=f"{self.bos_token} $A {self.bos_token} $B",
                special_tokens=[(self.bos_token, bos_token_id)])
        self.chat_template = chat_template
        self.all_special_ids = sorted(i for i, k in enumerate(types) if k == CONTROL)
        self._tok = tok

    @classmethod
    def from_gguf(cls, gguf):
        """From a GGUFFile or a path to one."""
        from ..io.gguf import GGUFError, GGUFFile
        f = gguf if isinstance(gguf, GGUFFile) else GGUFFile(gguf)
        kind = f.get("tokenizer.ggml.model")
        if kind != "gpt2":
            raise GGUFError(f"{f.path}: tokenizer.ggml.model is {kind!r}; only byte-level BPE ('gpt2') is supported")
        for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges"):
            f.require(key)
        return cls(f.metadata["tokenizer.ggml.tokens"], f.metadata["tokenizer.ggml.merges"],
                   token_types=f.get("tokenizer.ggml.token_type"),
                   bos_token_id=f.get("tokenizer.ggml.bos_token_id"), eos_token_id=f.get("tokenizer.ggml.eos_token_id"),
                   pad_token_id=f.get("tokenizer.ggml.padding_token_id"),
                   unk_token_id=f.get("tokenizer.ggml.unknown_token_id"),
                   add_bos_token=f.get("tokenizer.ggml.add_bos_token", False),
                   chat_template=f.get("tokenizer.chat_template"))

    # ---- text <-> ids ---------------------------------------------------------------------------
    @property
    def vocab_size(self):
        return self._tok.get_vocab_size(with_added_tokens=False)

    def __len__(self):
        return self._tok.get_vocab_size(with_added_tokens=True)

    def encode(self, text, add_special_tokens=True):
        """Token ids of `text`; special tokens written in the text (<|im_start|>) are matched whole."""
        if not isinstance(text, str):
            raise TypeError(f"encode: expected a str, got {type(text).__name__}")
        return self._tok.encode(text, add_special_tokens=add_special_tokens).ids

    def encode_batch(self, texts, add_special_tokens=True):
        return [e.ids for e in self._tok.encode_batch(list(texts), add_special_tokens=add_special_tokens)]

    def decode(self, ids, skip_special_tokens=False):
        ids = [int(i) for i in ids]
        n = len(self)
        for i in ids:
            if not 0 <= i < n:
                raise IndexError(f"decode: token id {i} is out of range for a vocabulary of {n}")
        return self._tok.decode(ids, skip_special_tokens=skip_special_tokens)

    def convert_ids_to_tokens(self, ids):
        return [self._tok.id_to_token(int(i)) for i in ids]

    def token_to_id(self, token):
        return self._tok.token_to_id(token)

    # ---- chat -----------------------------------------------------------------------------------
    def apply_chat_template(self, messages, add_generation_prompt=True, tokenize=True, chat_template=None, **kwargs):
        """Render `messages` ([{"role": ..., "content": ...}, ...]) with the file's Jinja chat template, as
        Hugging Face does (sandboxed, trim_blocks, lstrip_blocks); token ids, or the text with tokenize=False.
        add_generation_prompt=True ends with the assistant's header, so the model continues as the assistant."""
        template = chat_template or self.chat_template
        if template is None:
            raise ValueError("apply_chat_template: this tokenizer has no chat template")
        if not isinstance(messages, (list, tuple)) or not all(isinstance(m, dict) for m in messages):
            raise TypeError("apply_chat_template: messages must be a list of {'role': ..., 'content': ...} dicts")
        for i, m in enumerate(messages):
            if not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                raise ValueError(f"apply_chat_template: message #{i} needs a str 'role' and a str 'content'")
        text = render_chat_template(template, messages, add_generation_prompt,
                                    bos_token=self.bos_token, eos_token=self.eos_token, **kwargs)
        # the template writes any BOS itself: no post-processor tokens on top
        return self.encode(text, add_special_tokens=False) if tokenize else text
