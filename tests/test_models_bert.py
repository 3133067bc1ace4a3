"""BERT on real weights (all-MiniLM-L6-v2) against transformers / sentence-transformers: the same inputs through
both, float32, max-abs tolerance 1e-5 on hidden states, pooled and sentence embeddings; the issue's seed snippet
with only the imports changed; gradients of a training step; clear errors for bad input."""
import warnings

import numpy as np
import pytest

import tinygrad_lite as tl
from hf_fixtures import bbc_rows, minilm_dir, shakespeare_lines

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from tinygrad_lite.models import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer  # noqa: E402

ATOL = 1e-5


@pytest.fixture(scope="module")
def minilm():
    d = minilm_dir()
    torch.set_num_threads(1)
    ours = BertModel.from_pretrained(d)
    ref = transformers.BertModel.from_pretrained(d, attn_implementation="eager").eval()
    return d, BertTokenizer.from_pretrained(d), ours, ref


def _texts():
    news = [r["text"] for r in bbc_rows()[:6]]
    lines = [s for s in shakespeare_lines()[:200] if s.strip()][:10]
    return news + lines + ["Hello, my dog is cute", "naïve café 東京 😀", "x"]


def _run_both(ours, ref, enc, **kw):
    with tl.no_grad():
        a = ours(**enc, **kw)
    with torch.no_grad():
        b = ref(**{k: torch.from_numpy(v.numpy()) for k, v in enc.items()}, **kw)
    return a, b


def _maxdiff(a, b):
    return float(np.abs(a.numpy() - b.detach().numpy()).max())


@pytest.mark.parametrize("max_length", [32, 128])
def test_hidden_states_match_transformers(minilm, max_length):
    """Every layer's hidden states at the real tokens, the attentions of real queries and the pooled output
    agree within 1e-5. At padded positions (whose outputs nothing reads) float32 itself is the limit: there
    transformers' own float32 result is up to ~1e-4 from its float64 result, so ours is held to being no
    farther from float64 than transformers' float32 is."""
    d, tok, ours, ref = minilm
    enc = tok(_texts(), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    real = enc["attention_mask"].numpy().astype(bool)
    assert not real.all()  # the batch has padding
    a, b = _run_both(ours, ref, enc, output_hidden_states=True, output_attentions=True)
    assert _maxdiff(a.pooler_output, b.pooler_output) < ATOL
    assert len(a.hidden_states) == len(b.hidden_states) == 7 and len(a.attentions) == 6
    for x, y in zip(a.hidden_states + (a.last_hidden_state,), b.hidden_states + (b.last_hidden_state,)):
        assert np.abs(x.numpy() - y.numpy())[real].max() < ATOL
    for x, y in zip(a.attentions, b.attentions):
        assert np.abs(x.numpy() - y.numpy()).transpose(0, 2, 1, 3)[real].max() < ATOL
    assert a.last_hidden_state.dtype is tl.float32
    ref64 = transformers.BertModel.from_pretrained(d, attn_implementation="eager", dtype=torch.float64).eval()
    with torch.no_grad():
        c = ref64(**{k: torch.from_numpy(v.numpy()) for k, v in enc.items()}, output_hidden_states=True)
    for x, y, z in zip(a.hidden_states, b.hidden_states, c.hidden_states):
        ours_err = np.abs(x.numpy() - z.numpy()).max()
        assert ours_err <= max(2 * np.abs(y.numpy() - z.numpy()).max(), ATOL)


def test_pairs_token_types_and_position_ids(minilm):
    _, tok, ours, ref = minilm
    enc = tok(["a question about dogs?", "short"], ["an answer that is fairly long about cats", "b"],
              padding=True, return_tensors="pt")
    assert int(enc["token_type_ids"].numpy().max()) == 1
    a, b = _run_both(ours, ref, enc)
    real = enc["attention_mask"].numpy().astype(bool)
    assert np.abs(a.last_hidden_state.numpy() - b.last_hidden_state.numpy())[real].max() < ATOL
    T = enc["input_ids"].shape[1]
    pos = tl.tensor(np.arange(3, 3 + T)[None].repeat(2, 0))
    with tl.no_grad():
        x = ours(enc["input_ids"], position_ids=pos).last_hidden_state
    with torch.no_grad():
        y = ref(torch.from_numpy(enc["input_ids"].numpy()), position_ids=torch.from_numpy(pos.numpy())).last_hidden_state
    assert _maxdiff(x, y) < ATOL


def test_sentence_embeddings_match_sentence_transformers(minilm):
    st = pytest.importorskip("sentence_transformers")
    d = minilm[0]
    from tinygrad_lite.models.sentence import SentenceTransformer

    texts = _texts()
    ours = SentenceTransformer(d).encode(texts, batch_size=8)
    ref = st.SentenceTransformer(d, device="cpu").encode(texts, batch_size=8)
    assert ours.shape == (len(texts), 384)
    assert np.abs(ours - ref).max() < ATOL
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)  # modules.json has Normalize
    one = SentenceTransformer(d).encode("Hello, my dog is cute", convert_to_tensor=True)
    assert isinstance(one, tl.Tensor) and tuple(one.shape) == (384,)


def test_mean_pooling_formula(minilm):
    """Mean pooling by hand from transformers' hidden states equals ours from our hidden states."""
    from tinygrad_lite.models.sentence import mean_pooling

    _, tok, ours, ref = minilm
    enc = tok(_texts()[:8], padding=True, truncation=True, max_length=64, return_tensors="pt")
    a, b = _run_both(ours, ref, enc)
    m = torch.from_numpy(enc["attention_mask"].numpy()).unsqueeze(-1).float()
    want = (b.last_hidden_state * m).sum(1) / m.sum(1).clamp(min=1e-9)
    assert _maxdiff(mean_pooling(a.last_hidden_state, enc["attention_mask"]), want) < ATOL


def test_seed_snippet_with_only_imports_changed(minilm):
    DIR = minilm[0]
    # --- the seed, with `from transformers import ...` / `import torch` swapped for ours ---
    from tinygrad_lite.models import BertTokenizer, BertForSequenceClassification
    import tinygrad_lite as torch  # noqa: F811
    tokenizer = BertTokenizer.from_pretrained(DIR)
    model = BertForSequenceClassification.from_pretrained(DIR)
    inputs = tokenizer("Hello, my dog is cute", return_tensors="pt")
    with torch.no_grad():
        outputs = model(**inputs)
    predicted_class_id = outputs.logits.argmax().item()
    # ---
    assert model.config.id2label[predicted_class_id] in ("LABEL_0", "LABEL_1")
    assert tuple(outputs.logits.shape) == (1, 2)


def test_classifier_logits_loss_and_gradients_match(minilm):
    """One training step's loss and gradients equal transformers' (dropout off so both are deterministic)."""
    d, tok, _, _ = minilm
    kw = dict(num_labels=5, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(0)
    ref = transformers.BertForSequenceClassification.from_pretrained(d, attn_implementation="eager", **kw)
    ours = BertForSequenceClassification.from_pretrained(d, **kw)
    with tl.no_grad():
        ours.classifier.weight.copy_(tl.from_numpy(ref.classifier.weight.detach().numpy().copy()))
        ours.classifier.bias.copy_(tl.from_numpy(ref.classifier.bias.detach().numpy().copy()))
    ours.train()
    ref.train()
    enc = tok(_texts()[:6], padding=True, truncation=True, max_length=48, return_tensors="pt")
    labels = tl.tensor([0, 1, 2, 3, 4, 0])
    out = ours(**enc, labels=labels)
    out.loss.backward()
    ref_out = ref(**{k: torch.from_numpy(v.numpy()) for k, v in enc.items()}, labels=torch.from_numpy(labels.numpy()))
    ref_out.loss.backward()
    assert _maxdiff(out.logits.detach(), ref_out.logits) < ATOL
    assert abs(out.loss.item() - ref_out.loss.item()) < 1e-5
    ours_params, ref_params = dict(ours.named_parameters()), dict(ref.named_parameters())
    for name in ("classifier.weight", "bert.pooler.dense.weight", "bert.encoder.layer.5.output.LayerNorm.weight",
                 "bert.encoder.layer.3.attention.self.query.weight", "bert.encoder.layer.0.intermediate.dense.bias",
                 "bert.embeddings.LayerNorm.bias", "bert.embeddings.word_embeddings.weight",
                 "bert.embeddings.position_embeddings.weight", "bert.embeddings.token_type_embeddings.weight"):
        g, want = ours_params[name].grad.numpy(), ref_params[name].grad.numpy()
        scale = max(np.abs(want).max(), 1e-6)
        assert np.abs(g - want).max() / scale < 1e-4, name


def test_tiny_config_variants_match(tmp_path):
    """A random tiny BERT with each activation, saved by us and loaded by transformers, gives the same outputs."""
    for act in ("gelu", "gelu_new", "relu"):
        tl.manual_seed(3)
        cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=24, max_position_embeddings=20, hidden_act=act, type_vocab_size=3)
        model = BertModel(cfg).eval()
        model.save_pretrained(tmp_path / act)
        ref = transformers.BertModel.from_pretrained(tmp_path / act, attn_implementation="eager").eval()
        ids = tl.tensor([[1, 5, 9, 49, 2, 0], [1, 7, 3, 0, 0, 0]])
        types = tl.tensor([[0, 0, 1, 1, 2, 0], [0, 1, 1, 0, 0, 0]])
        mask = tl.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0]])
        enc = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
        a, b = _run_both(model, ref, enc)
        assert _maxdiff(a.last_hidden_state, b.last_hidden_state) < ATOL, act
        assert _maxdiff(a.pooler_output, b.pooler_output) < ATOL, act


def test_return_dict_false_and_dict_access(minilm):
    _, tok, ours, _ = minilm
    enc = tok("Hello there", return_tensors="pt")
    with tl.no_grad():
        out = ours(**enc)
        tup = ours(**enc, return_dict=False)
    assert isinstance(tup, tuple) and len(tup) == 2
    np.testing.assert_array_equal(tup[0].numpy(), out["last_hidden_state"].numpy())
    np.testing.assert_array_equal(out[1].numpy(), out.pooler_output.numpy())
    assert out.hidden_states is None and out.attentions is None


def test_bad_input(minilm):
    _, tok, ours, _ = minilm
    with pytest.raises(IndexError, match=r"input_ids contains 30522, outside \[0, 30522\)"):
        ours(tl.tensor([[101, 30522, 102]]))
    with pytest.raises(IndexError, match="input_ids contains -1"):
        ours(tl.tensor([[101, -1, 102]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        long = tok("word " * 600, return_tensors="pt")
    with pytest.raises(ValueError, match=r"602 tokens but the model takes at most 512.*truncation=True"):
        ours(**long)
    with pytest.raises(TypeError, match="int64"):
        ours(tl.tensor([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="exactly one of input_ids or inputs_embeds"):
        ours()
    with pytest.raises(ValueError, match=r"shape \(batch, sequence\)"):
        ours(tl.tensor([101, 102]))
    with pytest.raises(ValueError, match="attention_mask has shape"):
        ours(tl.tensor([[101, 102]]), attention_mask=tl.tensor([[1, 1, 1]]))
    with pytest.raises(IndexError, match="token_type_ids contains 2"):
        ours(tl.tensor([[101, 102]]), token_type_ids=tl.tensor([[0, 2]]))
    with pytest.raises(ValueError, match="hidden_act"):
        BertModel(BertConfig(hidden_size=8, num_attention_heads=2, num_hidden_layers=1, intermediate_size=8,
                             vocab_size=10, hidden_act="mish"))
