"""Decoding for language models: greedy, temperature, top-k, top-p, n samples, stop strings,
max_tokens, seeded sampling, streaming (UTF-8-safe text deltas), and beam search for
sequence-to-sequence models.

Nothing here knows a particular network. A model is any object with these attributes (duck-typed,
nothing to inherit; `CachedLM` and `WindowedLM` below adapt ordinary `nn.Module`s):

Causal language model (GPT, Llama):
    tokenizer              .encode(text) -> list[int], .decode(ids) -> str; optionally
                           .decode_bytes(ids) -> bytes, the tokens' raw bytes, concatenating
                           (decode_bytes(a + b) == decode_bytes(a) + decode_bytes(b)): byte-level BPE
                           tokens can end inside a UTF-8 character and this lets streaming hold back
                           exactly the incomplete bytes.
    max_context: int       positions the model attends to.
    eos_token_id           an id, a list of ids, or None: sampling one ends a choice ("stop").
    next_logits(new_ids, cache) -> (logits, cache)
                           new_ids: the tokens this cache has not seen (the whole prompt with
                           cache=None, then one token at a time); logits: scores of the token after the
                           last of new_ids, a Tensor or array whose last axis is the vocabulary (its
                           last row is used); cache: anything the model wants back next call.
    optional: sliding_window (True when the model crops its input to the last max_context tokens
              itself, so a completion may run past the context), clone_cache(cache) (lets n samples
              share one prompt pass), bos_token_id (fed when the prompt is empty), vocab_size
              (checks token-id prompts), apply_chat_template(messages) -> str (see api.py).

Sequence-to-sequence model (encoder–decoder nn.Transformer):
    encode(src_ids) -> memory;  decode_step(tgt_ids, memory) -> logits of the token after tgt_ids;
    bos_token_id (decoder start), eos_token_id, max_context (longest target).

Sampling runs in numpy on the final logits row, float64: it is O(vocab) once per token against a
forward pass of O(parameters), it needs a sort and a cumulative sum that stay exact in float64, and
it draws from the engine's seeded `Generator` (a Philox stream), so `seed=` reproduces a completion.

Probabilities, in the order applied (Hugging Face's warpers, OpenAI's penalties):
    z_j = logit_j − frequency_penalty·c_j − presence_penalty·[c_j > 0]   (c_j: times j was generated)
    temperature T = 0 → argmax z (greedy); else z_j / T
    top-k: z_j = −∞ unless z_j ≥ the k-th largest (ties kept)
    p = softmax(z); top-p: keep the fewest most likely tokens whose mass reaches top_p, renormalise.
"""
import codecs
import math
from dataclasses import dataclass, field

import numpy as np

from .autograd import no_grad
from .random import Generator, default_generator

MAX_N = 128  # choices per request (OpenAI's limit)
MAX_STOP = 4  # stop strings per request (OpenAI's limit)
SLIDING_MAX_TOKENS = 4096  # completion length ceiling for models with a sliding window
FINISH_STOP, FINISH_LENGTH = "stop", "length"


# ---- validation ---------------------------------------------------------------------------------
def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def check_int(name, v, lo=None, hi=None):
    if not _is_int(v):
        raise TypeError(f"{name} must be an integer, got {type(v).__name__} {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be {rng}, got {v}")
    return int(v)


def check_number(name, v, lo=None, hi=None, lo_open=False):
    if not _is_number(v) or not math.isfinite(v):
        raise TypeError(f"{name} must be a finite number, got {type(v).__name__} {v!r}")
    if (lo is not None and (v <= lo if lo_open else v < lo)) or (hi is not None and v > hi):
        left = "(" if lo_open else "["
        raise ValueError(f"{name} must be in {left}{lo}, {hi if hi is not None else 'inf'}], got {v}")
    return float(v)


def normalize_stop(stop):
    """None | str | list of ≤ 4 non-empty str → tuple of str."""
    if stop is None:
        return ()
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, (list, tuple)) or not all(isinstance(s, str) for s in stops):
        raise TypeError(f"stop must be a string or a list of strings, got {stop!r}")
    if len(stops) > MAX_STOP:
        raise ValueError(f"stop takes at most {MAX_STOP} strings, got {len(stops)}")
    if any(s == "" for s in stops):
        raise ValueError("stop strings must not be empty")
    return tuple(stops)


def _check_logit_bias(logit_bias, vocab):
    """{token id (int or its decimal string, as JSON sends it): bias in [-100, 100]} → dense array."""
    if not logit_bias:
        return None
    if not isinstance(logit_bias, dict):
        raise TypeError(f"logit_bias must be a dict of token id → bias, got {type(logit_bias).__name__}")
    ids, biases = [], []
    for k, v in logit_bias.items():
        try:
            tok = int(k)
        except (TypeError, ValueError):
            raise TypeError(f"logit_bias keys must be token ids, got {k!r}") from None
        if tok < 0 or (vocab is not None and tok >= vocab):
            raise ValueError(f"logit_bias: token id {tok} is out of range [0, {vocab})")
        ids.append(tok)
        biases.append(check_number(f"logit_bias[{k}]", v, lo=-100.0, hi=100.0))
    dense = np.zeros(max(ids) + 1 if vocab is None else vocab)
    dense[ids] = biases
    return dense


def _bias(z, dense):
    z, n = z.copy(), min(len(z), len(dense))
    z[:n] += dense[:n]
    return z


def _eos_set(model):
    eos = getattr(model, "eos_token_id", None)
    if eos is None:
        return frozenset()
    return frozenset([int(eos)] if _is_int(eos) else (int(e) for e in eos))


# ---- sampling -----------------------------------------------------------------------------------
def logits_row(logits):
    """The last row of a model's output as float64 numpy: Tensor (any device) or array, (..., V)."""
    if hasattr(logits, "detach"):
        logits = logits.detach()
    if hasattr(logits, "cpu"):
        logits = logits.cpu()
    a = np.asarray(logits.numpy() if hasattr(logits, "numpy") else logits, dtype=np.float64)
    if a.ndim == 0 or a.shape[-1] == 0:
        raise RuntimeError(f"the model returned logits of shape {a.shape}; expected (..., vocab)")
    row = a.reshape(-1, a.shape[-1])[-1]
    if np.isnan(row).any():
        raise RuntimeError("the model returned NaN logits")
    return row


def filtered_probs(z, temperature=1.0, top_k=0, top_p=1.0):
    """Next-token probabilities after temperature, top-k and top-p (see the module docstring).
    z: float64 logits (V,) after penalties; temperature > 0."""
    z = z / temperature
    V = z.shape[0]
    if 0 < top_k < V:
        kth = np.partition(z, V - top_k)[V - top_k]
        z = np.where(z < kth, -np.inf, z)
    p = np.exp(z - z.max())
    p /= p.sum()
    if top_p < 1.0:
        p = _top_p(p, top_p)
    return p


def _top_p(p, top_p):
    # sort only the most likely few hundred when they already hold top_p of the mass (vocabularies of
    # 50k make a full argsort the costliest part of a step); else sort everything
    V = p.shape[0]
    m = min(V, 256)
    cand = np.argpartition(-p, m - 1)[:m] if m < V else np.arange(V)
    if p[cand].sum() < top_p:
        cand = np.arange(V)
    order = cand[np.argsort(-p[cand], kind="stable")]
    cum = np.cumsum(p[order])
    keep = int(np.searchsorted(cum, top_p)) + 1  # the fewest tokens whose mass reaches top_p
    out = np.zeros_like(p)
    kept = order[:min(keep, len(order))]
    out[kept] = p[kept]
    return out / out.sum()


def _uniform(rng):
    return rng.integers(0, 1 << 53) / float(1 << 53)  # [0, 1) with 53 random bits


def sample_token(z, temperature, top_k, top_p, rng):
    """One token id from logits z (float64, after penalties)."""
    if temperature == 0.0:
        return int(np.argmax(z))
    cdf = np.cumsum(filtered_probs(z, temperature, top_k, top_p))
    j = int(np.searchsorted(cdf, _uniform(rng) * cdf[-1], side="right"))
    j = min(j, len(cdf) - 1)
    while j > 0 and cdf[j] == cdf[j - 1]:  # never a zero-probability token (rounding at the top edge)
        j -= 1
    return j


# ---- text: UTF-8 hold-back and stop strings -----------------------------------------------------
class _TextTracker:
    """The text of one choice as its tokens arrive. `push(id)` returns the text safe to show: never
    half a UTF-8 character, never the start of what may become a stop string; the text ends before
    the first stop string, which is left out (as OpenAI does)."""

    def __init__(self, tokenizer, stops):
        self.tokenizer, self.stops = tokenizer, stops
        self.ids, self.text, self.shown = [], "", 0
        self._bytes = hasattr(tokenizer, "decode_bytes")
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._decoded = ""  # the whole decoded text, for tokenizers without decode_bytes
        self.stopped = False

    def _decode_new(self, token_id, final=False):
        if self._bytes:
            raw = b"" if token_id is None else self.tokenizer.decode_bytes([token_id])
            return self._utf8.decode(raw, final=final)
        # no byte view: decode everything, hold back trailing replacement characters until the end
        full = self.tokenizer.decode(self.ids)
        if not final:
            full = full.rstrip("\ufffd")
        new, self._decoded = full[len(self._decoded):], full
        return new

    def push(self, token_id):
        self.ids.append(token_id)
        return self._advance(self._decode_new(token_id))

    def finish(self):
        """Flush what was held back (the choice ended without a stop string)."""
        return self._advance(self._decode_new(None, final=True), final=True)

    def _advance(self, new, final=False):
        start = max(0, len(self.text) - max((len(s) for s in self.stops), default=0) + 1)
        self.text += new
        cut = min((i for i in (self.text.find(s, start) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self.text, self.stopped = self.text[:cut], True
            safe = len(self.text)
        elif final:
            safe = len(self.text)
        else:
            safe = len(self.text) - self._stop_prefix_len()
        delta, self.shown = self.text[self.shown:safe], max(self.shown, safe)
        return delta

    def _stop_prefix_len(self):
        """Length of the longest end of the text that begins some stop string."""
        best = 0
        for s in self.stops:
            for k in range(min(len(s) - 1, len(self.text)), best, -1):
                if self.text.endswith(s[:k]):
                    best = k
                    break
        return best


# ---- causal LM generation -----------------------------------------------------------------------
@dataclass
class Delta:
    """A piece of streamed text of choice `index`; finish_reason is set on the choice's last piece."""
    index: int
    text: str
    finish_reason: str = None
    token_id: int = None


@dataclass
class Choice:
    index: int
    text: str
    token_ids: list
    finish_reason: str


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self):
        return self.prompt_tokens + self.completion_tokens


@dataclass
class GenerationResult:
    choices: list
    usage: Usage = field(default_factory=Usage)


def encode_prompt(model, prompt):
    """str → the tokenizer's ids; list[int] → checked ids. Empty → [bos_token_id] or an error."""
    if isinstance(prompt, str):
        ids = list(model.tokenizer.encode(prompt))
    elif isinstance(prompt, (list, tuple)) and all(_is_int(t) for t in prompt):
        ids = [int(t) for t in prompt]
        vocab = getattr(model, "vocab_size", None)
        bad = [t for t in ids if t < 0 or (vocab is not None and t >= vocab)]
        if bad:
            raise ValueError(f"prompt token id {bad[0]} is out of range [0, {vocab})")
    else:
        raise TypeError(f"prompt must be a string or a list of token ids, got {type(prompt).__name__}")
    if not ids:
        bos = getattr(model, "bos_token_id", None)
        if bos is None:
            raise ValueError("the prompt is empty and the model has no beginning-of-text token to start from")
        ids = [int(bos)]
    return ids


class Generation:
    """A prepared completion of `prompt`: arguments checked and the prompt encoded when built (so a
    bad request fails before anything streams); the model runs as it is iterated.

        g = Generation(model, "Once upon", max_tokens=32, temperature=0.7, n=2, stop=["\\n"], seed=0)
        for d in g: print(d.index, d.text, d.finish_reason)      # deltas with text, and each last one
        g.usage                                                   # counts so far
        # or: g.run() → GenerationResult;  g.steps() yields once per model call (for schedulers)

    max_tokens=None means as many as the context leaves (a sliding-window model: max_context).
    seed: a fresh Generator seeded with it; else `generator`, else the default generator (so
    `tinygrad_lite.manual_seed` reproduces). A model call runs under no_grad.
    """

    def __init__(self, model, prompt, *, max_tokens=16, temperature=1.0, top_k=0, top_p=1.0, n=1, stop=None,
                 seed=None, generator=None, presence_penalty=0.0, frequency_penalty=0.0, logit_bias=None):
        self.model = model
        self.temperature = check_number("temperature", temperature, lo=0.0)
        self.top_p = check_number("top_p", top_p, lo=0.0, hi=1.0, lo_open=True)
        self.top_k = check_int("top_k", top_k, lo=0)
        self.n = check_int("n", n, lo=1, hi=MAX_N)
        self.presence_penalty = check_number("presence_penalty", presence_penalty, lo=-2.0, hi=2.0)
        self.frequency_penalty = check_number("frequency_penalty", frequency_penalty, lo=-2.0, hi=2.0)
        self.stops = normalize_stop(stop)
        self.logit_bias = _check_logit_bias(logit_bias, getattr(model, "vocab_size", None))
        self.prompt_ids = encode_prompt(model, prompt)
        ctx = int(model.max_context)
        P = len(self.prompt_ids)
        if P > ctx:
            raise ValueError(f"the prompt is {P} tokens long; this model's context is {ctx} tokens")
        sliding = bool(getattr(model, "sliding_window", False))
        room = SLIDING_MAX_TOKENS if sliding else ctx - P
        if max_tokens is None:
            max_tokens = ctx if sliding else max(room, 1)
        self.max_tokens = check_int("max_tokens", max_tokens, lo=1)
        if self.max_tokens > room:
            if sliding:
                raise ValueError(f"max_tokens must be at most {room} for this model, got {self.max_tokens}")
            raise ValueError(f"this model's maximum context length is {ctx} tokens, however you requested "
                             f"{P + self.max_tokens} tokens ({P} in the prompt, {self.max_tokens} for the "
                             f"completion); reduce the prompt or max_tokens")
        if seed is not None:
            generator = Generator().manual_seed(check_int("seed", seed))
        self.rng = generator if generator is not None else default_generator
        self.eos = _eos_set(model)
        self.usage = Usage(prompt_tokens=P)
        self.choices = [None] * self.n

    def _call(self, ids, cache):
        with no_grad():
            logits, cache = self.model.next_logits(ids, cache)
        return logits_row(logits), cache

    def _penalised(self, z, counts):
        if self.logit_bias is not None:
            z = _bias(z, self.logit_bias)
        if counts and (self.presence_penalty or self.frequency_penalty):
            z = z.copy()
            ids = np.fromiter(counts.keys(), dtype=np.int64)
            c = np.fromiter(counts.values(), dtype=np.float64)
            z[ids] -= self.frequency_penalty * c + self.presence_penalty
        return z

    def steps(self):
        """Yields a Delta after every model call (text may be ""), the choices one after another."""
        clone = getattr(self.model, "clone_cache", None)
        shared = None  # (logits, cache) of the prompt, when the model can copy its cache
        for i in range(self.n):
            if shared is not None:
                z, cache = shared[0], (clone(shared[1]) if i < self.n - 1 else shared[1])
            else:
                z, cache = self._call(self.prompt_ids, None)
                if clone is not None and self.n > 1:
                    shared = (z, cache)
                    cache = clone(cache)
            yield from self._choice(i, z, cache)

    def _choice(self, index, z, cache):
        text, counts = _TextTracker(self.model.tokenizer, self.stops), {}
        for t in range(self.max_tokens):  # always ends by a break: the last t breaks with "length"
            tok = sample_token(self._penalised(z, counts), self.temperature, self.top_k, self.top_p, self.rng)
            self.usage.completion_tokens += 1
            if tok in self.eos:  # EOS is not text: flush what was held back and stop
                finish, delta = FINISH_STOP, text.finish()
                break
            counts[tok] = counts.get(tok, 0) + 1
            delta = text.push(tok)
            if text.stopped:
                finish = FINISH_STOP
                break
            if t == self.max_tokens - 1:
                delta += text.finish()
                finish = FINISH_STOP if text.stopped else FINISH_LENGTH
                break
            yield Delta(index, delta, None, tok)
            z, cache = self._call([tok], cache)
        self.choices[index] = Choice(index, text.text, text.ids, finish)
        yield Delta(index, delta, finish, tok)

    def __iter__(self):
        """Deltas that carry text, and each choice's last delta."""
        return (d for d in self.steps() if d.text or d.finish_reason)

    def run(self):
        for _ in self.steps():
            pass
        return GenerationResult(list(self.choices), self.usage)


def generate(model, prompt, **kwargs):
    """Complete `prompt` (see Generation for the arguments) → GenerationResult(choices, usage)."""
    return Generation(model, prompt, **kwargs).run()


def stream(model, prompt, **kwargs):
    """A Generation to iterate: text deltas as they are decoded."""
    return Generation(model, prompt, **kwargs)


# ---- adapters for ordinary modules --------------------------------------------------------------
class WindowedLM:
    """A module without a cache, `module(idx (1, T) int64) -> logits (1, T, V)` (or a tuple whose first
    item is that, as nanoGPT's `(logits, loss)`), recomputed over the last `block_size` tokens each
    step: nanoGPT's generate loop. A completion may run past the context (sliding_window)."""

    sliding_window = True

    def __init__(self, module, tokenizer, block_size, eos_token_id=None, bos_token_id=None):
        self.module, self.tokenizer, self.max_context = module, tokenizer, int(block_size)
        self.eos_token_id, self.bos_token_id = eos_token_id, bos_token_id

    def next_logits(self, new_ids, cache):
        from .creation import tensor

        ids = (list(cache or []) + list(new_ids))[-self.max_context:]
        out = self.module(tensor([ids]))
        logits = out[0] if isinstance(out, tuple) else getattr(out, "logits", out)
        return logits[0, -1], ids


class CachedLM:
    """A module with a Hugging Face-style cache, `module(input_ids (1, T), past_key_values=cache,
    use_cache=True)` returning an output with `.logits` (1, T, V) and `.past_key_values`."""

    def __init__(self, module, tokenizer, max_context, eos_token_id=None, bos_token_id=None):
        self.module, self.tokenizer, self.max_context = module, tokenizer, int(max_context)
        self.eos_token_id, self.bos_token_id = eos_token_id, bos_token_id

    def next_logits(self, new_ids, cache):
        from .creation import tensor

        out = self.module(tensor([list(new_ids)]), past_key_values=cache, use_cache=True)
        return out.logits[0, -1], out.past_key_values


# ---- beam search for sequence-to-sequence models ------------------------------------------------
@dataclass
class Hypothesis:
    token_ids: list  # the target tokens, without the start token and without EOS
    score: float  # Σ log p / L^length_penalty, L = tokens generated counting EOS
    logprob: float
    finish_reason: str


def _log_softmax(z):
    m = z.max()
    return z - m - math.log(np.exp(z - m).sum())


def beam_search(model, src_ids, *, num_beams=4, max_new_tokens=None, length_penalty=1.0, num_return_sequences=1,
                early_stopping=False):
    """The `num_beams` most likely target sequences of a sequence-to-sequence model (protocol in
    the module docstring), scored by  Σ_t log p(y_t | y_<t, src) / L^length_penalty.

    Each step extends every running beam by every token, keeps the 2·num_beams best candidates,
    sets aside those ending in EOS as finished and continues with the best num_beams others. It
    stops when num_beams hypotheses are finished and (early_stopping, or no running beam can still
    beat the worst of them: log p only falls, so a beam's best reachable score is its sum divided
    by the most favourable length), or at max_new_tokens, where running beams end with "length".
    num_beams=1 with early_stopping=True is greedy decoding. → list of Hypothesis, best first."""
    num_beams = check_int("num_beams", num_beams, lo=1)
    num_return_sequences = check_int("num_return_sequences", num_return_sequences, lo=1, hi=num_beams)
    length_penalty = check_number("length_penalty", length_penalty)
    limit = int(model.max_context)
    max_new = limit if max_new_tokens is None else check_int("max_new_tokens", max_new_tokens, lo=1, hi=limit)
    bos, eos = getattr(model, "bos_token_id", None), _eos_set(model)
    if bos is None:
        raise ValueError("beam_search: the model has no bos_token_id (the decoder's start token)")
    start = [int(bos)]

    def norm(logp, length):
        return logp / (length ** length_penalty)

    with no_grad():
        memory = model.encode(src_ids)
        beams, finished = [(0.0, [])], []  # (Σ log p, generated ids)
        for step in range(1, max_new + 1):
            cands = []
            for logp, ids in beams:
                lp = _log_softmax(logits_row(model.decode_step(start + ids, memory)))
                top = np.argsort(-lp, kind="stable")[:2 * num_beams]
                cands.extend((logp + lp[j], ids, int(j)) for j in top)
            cands.sort(key=lambda c: -c[0])
            beams = []
            for logp, ids, j in cands[:2 * num_beams]:
                if j in eos:
                    finished.append(Hypothesis(ids, norm(logp, step), logp, FINISH_STOP))
                elif len(beams) < num_beams:
                    beams.append((logp, ids + [j]))
            finished.sort(key=lambda h: -h.score)
            del finished[num_beams:]
            if len(finished) == num_beams:
                if early_stopping:
                    break
                best_len = max_new if length_penalty > 0 else step + 1
                if not beams or norm(beams[0][0], best_len) <= finished[-1].score:
                    break
        else:
            finished += [Hypothesis(ids, norm(logp, max_new), logp, FINISH_LENGTH) for logp, ids in beams]
    finished.sort(key=lambda h: -h.score)
    return finished[:num_return_sequences]
