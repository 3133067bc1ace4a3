"""BertTokenizer against transformers' BertTokenizer on the same directory (all-MiniLM-L6-v2 = bert-base-uncased's
vocabulary): identical ids, types, masks, tokens and decoded text on whole corpora and on hand-picked hard cases."""
import os
import shutil
import warnings

import numpy as np
import pytest

import tinygrad_lite as tl
from hf_fixtures import bbc_rows, hf_tokenizer, minilm_dir, shakespeare_lines
from tinygrad_lite.text import BertTokenizer, BertTokenizerFast

HARD = [
    "", " ", "\t\n  ", "Hello, my dog is cute", "HELLO World!!!", "naïve café résumé Ångström façade Øresund",
    "Crème brûlée à la mode — déjà vu", "Straße, Maß, ǅemal, ﬁnance", "東京は日本の首都です。", "我爱北京天安门",
    "한국어 문장입니다", "日本語とEnglishのmix123", "emoji 😀👍🏽🇫🇷 family 👨‍👩‍👧‍👦 end", "🙂🙂🙂",
    "pneumonoultramicroscopicsilicovolcanoconiosis", "a" * 99, "b" * 100, "c" * 101, "x" * 300,
    "supercalifragilisticexpialidocious antidisestablishmentarianism", "don't won't y'all rock'n'roll",
    "U.S.A. e.g. i.e. Mr. Smith's", "$1,234.56 (approx.) 50% off! #hashtag @user", "http://example.com/a?b=c&d=e",
    "ﾊﾝｶｸ ｶﾀｶﾅ full-width：ＡＢＣ１２３", "zero\u200bwidth\u200djoiner", "control\x00chars\x07here\x1b",
    "combining e\u0301 a\u0300 n\u0303", "Ελληνικά κείμενα", "Русский текст, ёлка", "العربية نص", "हिन्दी पाठ",
    "[CLS] [SEP] [MASK] [PAD] [UNK] inside text", "the [MASK] sat on the mat", "tabs\tand\nnewlines\r\n",
    "MiXeD CaSe WoRdS", "1234567890 3.14159 -42", "...!!!???,,,;;;", "«quotes» „low“ ‘single’", "\u00a0nbsp\u3000ideo",
]


@pytest.fixture(scope="module")
def toks():
    d = minilm_dir()
    return BertTokenizer.from_pretrained(d), hf_tokenizer(d), d


def _lists(enc):
    return {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in dict(enc).items()}


def _np(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else x)


def test_fast_alias():
    assert BertTokenizerFast is BertTokenizer


def test_every_shakespeare_line(toks):
    ours, hf, _ = toks
    lines = shakespeare_lines()
    assert len(lines) > 30000
    assert _lists(ours(lines)) == _lists(hf(lines))


def test_every_bbc_article_and_title_body_pairs(toks):
    ours, hf, _ = toks
    rows = bbc_rows()
    texts = [r["text"] for r in rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # articles longer than 512 tokens warn (as transformers does)
        assert ours(texts)["input_ids"] == hf(texts)["input_ids"]
    titles = [t.split("\n", 1)[0] for t in texts]
    bodies = [t.split("\n", 1)[1] for t in texts]
    kw = dict(truncation=True, max_length=256, padding=True)
    assert _lists(ours(titles, bodies, **kw)) == _lists(hf(titles, bodies, **kw))


def test_hard_strings(toks):
    ours, hf, _ = toks
    for s in HARD:
        assert ours(s)["input_ids"] == hf(s)["input_ids"], s
        assert ours.tokenize(s) == hf.tokenize(s), s
    assert _lists(ours(HARD, padding=True)) == _lists(hf(HARD, padding=True))
    assert _lists(ours(HARD, HARD[::-1])) == _lists(hf(HARD, HARD[::-1]))


@pytest.mark.parametrize("padding", [False, True, "longest", "max_length"])
@pytest.mark.parametrize("truncation", [None, True, "longest_first", "only_first", "only_second", False])
@pytest.mark.parametrize("max_length", [None, 12, 40])
@pytest.mark.parametrize("pairs", [False, True])
def test_padding_truncation_variants(toks, padding, truncation, max_length, pairs):
    ours, hf, _ = toks
    a = ["Hello, my dog is cute", "a much longer sentence that goes on and on about many different things", "hi"]
    b = ["and this is its pair", "short", "a second sentence that is rather long as well, longer than the first"]
    args = (a, b) if pairs else (a,)
    kw = dict(padding=padding, truncation=truncation, max_length=max_length)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = _lists(hf(*args, **kw))
        except Exception as e:  # e.g. only_second with a second sentence too short to cut
            with pytest.raises(ValueError):
                ours(*args, **kw)
            return
        assert _lists(ours(*args, **kw)) == want


@pytest.mark.parametrize("kw", [
    dict(padding=True, padding_side="left"), dict(padding=True, pad_to_multiple_of=8),
    dict(padding="max_length", max_length=16, truncation=True, pad_to_multiple_of=8),
    dict(return_attention_mask=False), dict(return_token_type_ids=False), dict(return_special_tokens_mask=True),
    dict(return_offsets_mapping=True), dict(return_length=True, padding=True), dict(add_special_tokens=False),
    dict(truncation=True, max_length=10, stride=3, return_overflowing_tokens=True, padding=True),
])
def test_call_options(toks, kw):
    ours, hf, _ = toks
    texts = ["Hello, my dog is cute", "naïve café 東京 😀 " * 3, "hi"]
    assert _lists(ours(texts, **kw)) == _lists(hf(texts, **kw))
    assert _lists(ours(texts[1], **kw)) == _lists(hf(texts[1], **kw))


def test_pre_split_words(toks):
    ours, hf, _ = toks
    words = [["Hello", "unaffable", "world"], ["naïve", "café"]]
    assert _lists(ours(words, is_split_into_words=True, padding=True)) == \
        _lists(hf(words, is_split_into_words=True, padding=True))
    assert _lists(ours(words[0], is_split_into_words=True)) == _lists(hf(words[0], is_split_into_words=True))


@pytest.mark.parametrize("rt", [None, "np", "pt"])
def test_return_tensors(toks, rt):
    ours, hf, _ = toks
    one = ours("Hello, my dog is cute", return_tensors=rt)
    many = ours(["Hello, my dog is cute", "hi"], padding=True, return_tensors=rt)
    ref_one, ref_many = hf("Hello, my dog is cute", return_tensors="np"), hf(["Hello, my dog is cute", "hi"],
                                                                           padding=True, return_tensors="np")
    for k in ref_many:
        if rt is None:
            assert one[k] == ref_one[k][0].tolist() and many[k] == ref_many[k].tolist()
            continue
        kind = tl.Tensor if rt == "pt" else np.ndarray
        assert isinstance(one[k], kind) and isinstance(many[k], kind)
        np.testing.assert_array_equal(_np(one[k]), ref_one[k])
        np.testing.assert_array_equal(_np(many[k]), ref_many[k])
    if rt == "pt":
        assert one.input_ids.dtype is tl.int64 and tuple(one.input_ids.shape) == (1, 8)
        assert one.to("cpu") is one


def test_decode_and_vocabulary(toks):
    ours, hf, _ = toks
    enc = hf(HARD)["input_ids"]
    for ids in enc:
        for skip in (False, True):
            for clean in (None, True, False):
                assert ours.decode(ids, skip, clean) == hf.decode(ids, skip_special_tokens=skip,
                                                                  clean_up_tokenization_spaces=clean)
        assert ours.convert_ids_to_tokens(ids) == hf.convert_ids_to_tokens(ids)
        assert ours.convert_ids_to_tokens(ids, skip_special_tokens=True) == \
            hf.convert_ids_to_tokens(ids, skip_special_tokens=True)
    assert ours.batch_decode(enc, skip_special_tokens=True) == hf.batch_decode(enc, skip_special_tokens=True)
    t = ours(["hello there", "hi"], padding=True, return_tensors="pt")
    assert ours.batch_decode(t.input_ids) == hf.batch_decode(t.input_ids.tolist())
    assert ours.decode(t.input_ids[0]) == hf.decode(t.input_ids[0].tolist())
    assert ours.decode(7592) == hf.decode(7592)
    assert ours.convert_ids_to_tokens(101) == "[CLS]"
    tokens = ["hello", "##s", "[MASK]", "zzzzqqq", "café"]
    assert ours.convert_tokens_to_ids(tokens) == hf.convert_tokens_to_ids(tokens)
    assert ours.convert_tokens_to_ids("hello") == hf.convert_tokens_to_ids("hello")
    assert ours.convert_tokens_to_string(["hel", "##lo", "world"]) == hf.convert_tokens_to_string(["hel", "##lo", "world"])
    assert ours.encode("Hello, my dog") == hf.encode("Hello, my dog")
    assert (len(ours), ours.vocab_size, ours.model_max_length) == (len(hf), hf.vocab_size, hf.model_max_length)
    for name in ("pad", "unk", "cls", "sep", "mask"):
        assert getattr(ours, f"{name}_token_id") == getattr(hf, f"{name}_token_id")
    assert sorted(ours.all_special_ids) == sorted(hf.all_special_ids)
    assert ours.get_vocab() == hf.get_vocab()


def test_pad_collates(toks):
    ours, hf, _ = toks
    rows = [ours("Hello, my dog is cute"), ours("hi")]
    want = hf.pad([hf("Hello, my dog is cute"), hf("hi")], return_tensors="np")
    got = ours.pad(rows, return_tensors="np")
    for k in want:
        np.testing.assert_array_equal(got[k], want[k])


def test_vocab_txt_only_directory(toks, tmp_path):
    """A directory without tokenizer.json builds the tokenizer from vocab.txt + tokenizer_config.json."""
    _, _, d = toks
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(d, name), tmp_path / name)
    ours, hf = BertTokenizer.from_pretrained(tmp_path), hf_tokenizer(str(tmp_path))
    assert _lists(ours(HARD, HARD[::-1], padding=True)) == _lists(hf(HARD, HARD[::-1], padding=True))
    cased = BertTokenizer.from_pretrained(tmp_path, do_lower_case=False)
    assert cased.tokenize("Hello") != ours.tokenize("Hello")


def test_save_pretrained_round_trip(toks, tmp_path):
    ours, hf, _ = toks
    ours.save_pretrained(tmp_path)
    back, hf_back = BertTokenizer.from_pretrained(tmp_path), hf_tokenizer(str(tmp_path))
    assert _lists(back(HARD, padding=True)) == _lists(hf(HARD, padding=True))
    assert _lists(hf_back(HARD, padding=True)) == _lists(hf(HARD, padding=True))
    assert back.model_max_length == 512


def test_name_in_hub_cache(toks, tmp_path, monkeypatch):
    """from_pretrained("org/name") finds models--org--name/snapshots/<refs/main> under HF_HUB_CACHE / HF_HOME."""
    _, hf, d = toks
    for var, root in (("HF_HUB_CACHE", tmp_path / "hub"), ("HF_HOME", tmp_path / "home")):
        monkeypatch.delenv("HF_HUB_CACHE", raising=False)
        monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
        monkeypatch.delenv("HF_HOME", raising=False)
        monkeypatch.setenv(var, str(root))
        repo = (root / "hub" if var == "HF_HOME" else root) / "models--sentence-transformers--all-MiniLM-L6-v2"
        snap = repo / "snapshots" / "abc123"
        snap.mkdir(parents=True)
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text("abc123")
        for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
            os.symlink(os.path.join(d, name), snap / name)
        tok = BertTokenizer.from_pretrained("sentence-transformers/all-MiniLM-L6-v2")
        assert tok("Hello, my dog is cute")["input_ids"] == hf("Hello, my dog is cute")["input_ids"]


def test_bad_input(toks, tmp_path):
    ours, _, _ = toks
    with pytest.raises(ValueError, match="return_tensors"):
        ours("hi", return_tensors="tf")
    with pytest.raises(ValueError, match="padding"):
        ours(["a b c", "a"], return_tensors="pt")
    with pytest.raises(ValueError, match="text"):
        ours(12)
    with pytest.raises(ValueError, match="batch length"):
        ours(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="padding must be"):
        ours("a", padding="sideways")
    with pytest.raises(ValueError, match="truncation must be"):
        ours("a", truncation="middle")
    with pytest.raises(IndexError, match="outside the vocabulary"):
        ours.decode([101, 10 ** 6])
    with pytest.raises(IndexError, match="outside the vocabulary"):
        ours.convert_ids_to_tokens([5, 40000])
    with pytest.raises(OSError, match="no tokenizer files"):
        BertTokenizer.from_pretrained(tmp_path)
    with pytest.raises(OSError, match="offline"):
        BertTokenizer.from_pretrained("no-such-org/no-such-model-xyz")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "vocab.txt").write_text("[UNK]\n[CLS]\n[SEP]\n[PAD]\n[MASK]\nhello\n")
    (tmp_path / "bad" / "tokenizer_config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        BertTokenizer.from_pretrained(tmp_path / "bad")
    with pytest.warns(UserWarning, match="longer than the specified maximum"):
        fresh = BertTokenizer.from_pretrained(minilm_dir())
        assert len(fresh("word " * 600)["input_ids"]) == 602
    assert len(ours("word " * 600, truncation=True)["input_ids"]) == 512
