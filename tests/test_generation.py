"""Decoding (tinygrad_lite.generation) on a real engine model, the byte-level bigram: sampling
filters against torch, greedy against the table's argmax chain, seeds, stop strings and streaming
hold-back, UTF-8 safety, finish reasons, argument errors, adapters, and beam search against an
exhaustive search."""
import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
import tinygrad_lite.nn.functional as F
from helpers import hsettings
from tinygrad_lite import generation as G
from tinygrad_lite.models.bigram import EOT, ByteBigramLM, ByteTokenizer

CORPUS = "the cat sat on the mat. the dog ate the hat.\n\nabcabcabcabcabc\n\nthé café était prêt à être servi."


@pytest.fixture(scope="module")
def lm():
    return ByteBigramLM.from_text(CORPUS, max_context=64)


def _torch_filtered(z, T, k, p):
    """Hugging Face's TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper, in torch."""
    torch = pytest.importorskip("torch")
    z = torch.tensor(z, dtype=torch.float64) / T
    if k > 0:
        z = z.masked_fill(z < torch.topk(z, min(k, z.numel()))[0][-1], -math.inf)
    if p < 1.0:
        sorted_z, idx = torch.sort(z, descending=False)
        remove = sorted_z.softmax(-1).cumsum(-1) <= (1 - p)
        remove[-1] = False
        z = z.masked_fill(remove.scatter(0, idx, remove), -math.inf)
    return z.softmax(-1).numpy()


@pytest.mark.parametrize("V", [7, 50, 1000])
@pytest.mark.parametrize("T,k,p", [(1.0, 0, 1.0), (0.7, 0, 1.0), (1.3, 5, 1.0), (1.0, 0, 0.9), (0.5, 20, 0.5),
                                   (2.0, 3, 0.3), (1.0, 0, 0.999)])
def test_filtered_probs_match_torch(V, T, k, p):
    z = np.random.default_rng(V).normal(0, 3, V)
    np.testing.assert_allclose(G.filtered_probs(z, T, k, p), _torch_filtered(z, T, k, p), atol=1e-12, rtol=1e-9)


def test_sampling_frequencies_follow_the_filtered_distribution():
    z = np.random.default_rng(0).normal(0, 1.5, 12)
    probs = G.filtered_probs(z, 0.8, 6, 0.8)
    rng = tl.Generator().manual_seed(123)
    draws = np.bincount([G.sample_token(z, 0.8, 6, 0.8, rng) for _ in range(20000)], minlength=12) / 20000
    assert np.all(draws[probs == 0] == 0), "a filtered-out token was sampled"
    sigma = np.sqrt(probs * (1 - probs) / 20000)
    assert np.all(np.abs(draws - probs) <= 5 * sigma + 1e-9), (draws, probs)


def test_greedy_follows_the_argmax_chain(lm):
    W = lm.weight.detach().numpy()
    tok, want = ord("t"), []
    for _ in range(20):
        tok = int(np.argmax(W[tok]))
        if tok == EOT:
            break
        want.append(tok)
    got = G.generate(lm, "t", max_tokens=20, temperature=0)
    assert got.choices[0].token_ids == want
    assert got.choices[0].text == bytes(want).decode("utf-8", "replace")


def test_seeds_reproduce(lm):
    a = G.generate(lm, "the", max_tokens=30, temperature=1.0, seed=7, n=3)
    b = G.generate(lm, "the", max_tokens=30, temperature=1.0, seed=7, n=3)
    c = G.generate(lm, "the", max_tokens=30, temperature=1.0, seed=8, n=3)
    assert [x.text for x in a.choices] == [x.text for x in b.choices]
    assert [x.text for x in a.choices] != [x.text for x in c.choices]
    tl.manual_seed(3)
    d = G.generate(lm, "the", max_tokens=30, n=2)
    tl.manual_seed(3)
    e = G.generate(lm, "the", max_tokens=30, n=2)
    assert [x.text for x in d.choices] == [x.text for x in e.choices]


def test_n_choices_and_usage(lm):
    r = G.generate(lm, "the", max_tokens=8, n=4, seed=0)
    assert [c.index for c in r.choices] == [0, 1, 2, 3]
    assert r.usage.prompt_tokens == 3
    assert r.usage.completion_tokens == sum(len(c.token_ids) + (c.finish_reason == "stop") for c in r.choices)
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_stop_string_is_excluded_and_never_streamed(lm):
    # greedy from "a" on the abc paragraph: "bcabcabc..."
    g = G.stream(lm, "a", max_tokens=20, temperature=0, stop=["cab"])
    deltas = list(g)
    assert "".join(d.text for d in deltas) == "b"
    assert deltas[-1].finish_reason == "stop" and g.choices[0].text == "b"
    # a stop string that never completes: what was held back is released, nothing lost
    g = G.stream(lm, "a", max_tokens=7, temperature=0, stop=["cx", "zzz"])
    deltas = list(g)
    assert "".join(d.text for d in deltas) == g.choices[0].text == "bcabcab"
    assert deltas[-1].finish_reason == "length"
    assert all(not d.text.endswith("c") for d in deltas[:-1]), "a possible stop prefix was shown early"


def test_eos_ends_with_stop():
    lm = ByteBigramLM.from_text("ab\n\nab\n\nab", max_context=32)
    r = G.generate(lm, "a", max_tokens=10, temperature=0)
    assert r.choices[0].text == "b" and r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens == 2  # "b" and <|endoftext|>


class _TextOnlyTokenizer:
    """The same tokenizer without decode_bytes: streaming must use the decode-and-diff path."""

    def __init__(self, tok):
        self.encode, self.decode = tok.encode, tok.decode


@pytest.mark.parametrize("byte_view", [True, False])
def test_streamed_text_is_whole_utf8_characters(byte_view):
    lm = ByteBigramLM.from_text("café café café à été", max_context=64)
    model = lm if byte_view else SimpleNamespace(**{k: getattr(lm, k) for k in (
        "max_context", "eos_token_id", "next_logits")}, tokenizer=_TextOnlyTokenizer(lm.tokenizer))
    g = G.stream(model, "c", max_tokens=40, temperature=0)  # "afé café ..." — é is 2 bytes, 2 tokens
    deltas = [d.text for d in g]
    text = g.choices[0].text
    assert "".join(deltas) == text and "é" in text and "\ufffd" not in text
    assert all("\ufffd" not in d for d in deltas)
    assert sum(len(d.encode()) for d in deltas) == len(bytes(g.choices[0].token_ids))


@pytest.mark.parametrize("kwargs,err", [
    (dict(temperature=-0.1), ValueError), (dict(temperature=float("nan")), TypeError),
    (dict(n=0), ValueError), (dict(n=10_000), ValueError), (dict(n=True), TypeError), (dict(n=2.0), TypeError),
    (dict(top_p=0.0), ValueError), (dict(top_p=1.5), ValueError), (dict(top_k=-1), ValueError),
    (dict(max_tokens=0), ValueError), (dict(max_tokens=10**9), ValueError), (dict(max_tokens=62), ValueError),
    (dict(stop=["a", "b", "c", "d", "e"]), ValueError), (dict(stop=[""]), ValueError), (dict(stop=3), TypeError),
    (dict(presence_penalty=3.0), ValueError), (dict(seed="x"), TypeError),
])
def test_bad_arguments_raise_clear_errors(lm, kwargs, err):
    with pytest.raises(err, match="|".join(kwargs) + "|context|stop"):
        G.Generation(lm, "abc", **kwargs)


def test_prompt_errors(lm):
    with pytest.raises(ValueError, match="prompt is 65 tokens long; this model's context is 64"):
        G.Generation(lm, "x" * 65)
    with pytest.raises(ValueError, match="out of range"):
        G.Generation(lm, [1, 2, 999])
    with pytest.raises(TypeError, match="prompt"):
        G.Generation(lm, 3.5)
    assert G.Generation(lm, "x" * 60, max_tokens=4).max_tokens == 4  # 60 + 4 = the context exactly
    r = G.generate(lm, "", max_tokens=3, temperature=0)  # empty prompt: starts from <|endoftext|>
    assert r.usage.prompt_tokens == 1 and len(r.choices[0].token_ids) == 3


def test_penalties_change_greedy(lm):
    plain = G.generate(lm, "a", max_tokens=12, temperature=0).choices[0].text
    penalised = G.generate(lm, "a", max_tokens=12, temperature=0, frequency_penalty=2.0).choices[0].text
    assert plain == "bcabcabcabca" and penalised != plain


def test_windowed_adapter_slides_past_the_context(lm):
    w = G.WindowedLM(lm, lm.tokenizer, block_size=8, eos_token_id=EOT)
    a = G.generate(w, "a", max_tokens=20, temperature=0).choices[0]
    b = G.generate(lm, "a", max_tokens=20, temperature=0).choices[0]
    assert a.text == b.text and len(a.token_ids) == 20  # 20 > block_size: the window slides
    with pytest.raises(ValueError, match="max_tokens"):
        G.Generation(w, "a", max_tokens=G.SLIDING_MAX_TOKENS + 1)


def test_cached_adapter(lm):
    class HFStyle:  # forward(input_ids, past_key_values, use_cache) → .logits, .past_key_values
        def __call__(self, input_ids, past_key_values=None, use_cache=True):
            return SimpleNamespace(logits=lm(input_ids), past_key_values=(past_key_values or 0) + input_ids.shape[1])

    c = G.CachedLM(HFStyle(), lm.tokenizer, 64, eos_token_id=EOT)
    assert G.generate(c, "th", max_tokens=15, temperature=0).choices[0].text == \
        G.generate(lm, "th", max_tokens=15, temperature=0).choices[0].text


# ---- beam search --------------------------------------------------------------------------------
class TableSeq2Seq:
    """A tiny encoder–decoder on engine ops: memory = Σ embeddings of the source tokens (V,);
    logits(next | prefix) = table[hash(prefix) mod S] + memory."""

    bos_token_id, eos_token_id, max_context = 0, 1, 4

    def __init__(self, V=4, S=97, seed=0):
        rng = np.random.default_rng(seed)
        self.S = S
        self.table = tl.tensor(rng.normal(0, 2, (S, V)).astype(np.float32))
        self.emb = tl.tensor(rng.normal(0, 1, (V, V)).astype(np.float32))

    def encode(self, src_ids):
        return F.embedding(tl.tensor(src_ids), self.emb).sum(0)

    def decode_step(self, tgt_ids, memory):
        state = hash(tuple(tgt_ids)) % self.S
        return F.embedding(tl.tensor([state]), self.table)[0] + memory


def _exhaustive(model, src, lp, L):
    mem = model.encode(src)
    best = []
    V = 4
    for n in range(1, L + 1):
        for seq in itertools.product(range(V), repeat=n):
            if 1 in seq[:-1] or (n < L and seq[-1] != 1):
                continue
            logp = 0.0
            for t in range(n):
                logp += G._log_softmax(G.logits_row(model.decode_step([0, *seq[:t]], mem)))[seq[t]]
            ids = list(seq[:-1]) if seq[-1] == 1 else list(seq)
            best.append((logp / n ** lp, ids))
    return max(best)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("lp", [0.0, 1.0, 2.0, -0.5])
def test_wide_beam_equals_exhaustive_search(seed, lp):
    m = TableSeq2Seq(seed=seed)
    score, ids = _exhaustive(m, [2, 3], lp, 4)
    top = G.beam_search(m, [2, 3], num_beams=4 ** 4, length_penalty=lp)[0]
    assert top.token_ids == ids and math.isclose(top.score, score, rel_tol=1e-9)


def test_one_beam_is_greedy_and_wider_beams_are_at_least_as_good_here():
    m = TableSeq2Seq(seed=5)
    mem, ids = m.encode([3]), []
    while len(ids) < 4:
        j = int(np.argmax(G.logits_row(m.decode_step([0, *ids], mem))))
        if j == 1:
            break
        ids.append(j)
    g = G.beam_search(m, [3], num_beams=1, early_stopping=True)
    assert len(g) == 1 and g[0].token_ids == ids
    hyps = G.beam_search(m, [3], num_beams=3, num_return_sequences=3)
    assert len(hyps) == 3 and hyps[0].score >= hyps[1].score >= hyps[2].score
    with pytest.raises(ValueError, match="num_return_sequences"):
        G.beam_search(m, [3], num_beams=2, num_return_sequences=3)
    with pytest.raises(ValueError, match="num_beams"):
        G.beam_search(m, [3], num_beams=0)


# ---- streaming text: a property over arbitrary bytes and stop strings ---------------------------
_text = st.text(alphabet=st.sampled_from("ab é€😀\n"), max_size=12)


@hsettings
@given(_text, st.binary(max_size=6), _text, st.lists(st.text(alphabet="ab é€\n", min_size=1, max_size=3), max_size=4),
       st.booleans())
def test_streamed_text_equals_the_decoded_text_cut_at_the_first_stop(head, junk, tail, stops, byte_view):
    """Whatever the bytes (split characters, invalid UTF-8) and the stop strings: the pieces add up
    to the decoded text cut where the first stop string to complete begins (the earliest-starting
    one when several complete together), and no piece is ever taken back."""
    data = head.encode() + junk + tail.encode()
    tok = ByteTokenizer() if byte_view else _TextOnlyTokenizer(ByteTokenizer())
    tracker = G._TextTracker(tok, tuple(stops))
    shown = ""
    for b in data:
        shown += tracker.push(b)
        if tracker.stopped:
            break
    else:
        shown += tracker.finish()
    full, want = data.decode("utf-8", errors="replace"), None
    for L in range(1, len(full) + 1):  # generation stops when the first stop string completes
        cuts = [i for i in (full[:L].find(s) for s in stops) if i >= 0]
        if cuts:
            want = full[:min(cuts)]
            break
    want = full if want is None else want
    assert shown == tracker.text == want
