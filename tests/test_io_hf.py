"""io/hf.py: model directories, safetensors checkpoints, from_pretrained/save_pretrained against transformers,
and the errors for broken directories. Uses a tiny random BERT (fast) and all-MiniLM-L6-v2 where the real
files matter."""
import json
import logging
import os
import shutil

import numpy as np
import pytest

import tinygrad_lite as tl
from hf_fixtures import minilm_dir
from tinygrad_lite.io.hf import PretrainedConfig, load_safetensors, load_state_dict_from_dir, save_safetensors
from tinygrad_lite.models import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel
from tinygrad_lite.models.outputs import SequenceClassifierOutput

TINY = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=64, type_vocab_size=2)


@pytest.fixture
def tiny_dir(tmp_path):
    tl.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(**TINY, id2label={0: "neg", 1: "pos", 2: "mixed"}))
    model.save_pretrained(tmp_path / "tiny")
    return tmp_path / "tiny", model


def _ids(n=2, t=7, vocab=99, seed=0):
    rng = np.random.default_rng(seed)
    return tl.from_numpy(rng.integers(1, vocab, size=(n, t)).astype(np.int64))


def test_config_round_trip_and_labels(tmp_path):
    cfg = BertConfig(**TINY, id2label={"0": "a", "1": "b", "2": "c"})
    assert cfg.num_labels == 3 and cfg.id2label == {0: "a", 1: "b", 2: "c"} and cfg.label2id == {"a": 0, "b": 1, "c": 2}
    cfg.save_pretrained(tmp_path)
    back = BertConfig.from_pretrained(tmp_path)
    assert back == cfg and back.hidden_size == 32
    assert BertConfig(num_labels=5).id2label[4] == "LABEL_4"
    transformers = pytest.importorskip("transformers")
    hf = transformers.BertConfig.from_pretrained(tmp_path)
    assert hf.id2label == {0: "a", 1: "b", 2: "c"} and hf.hidden_size == 32 and hf.num_hidden_layers == 2
    with pytest.raises(ValueError, match="not a multiple"):
        BertConfig(hidden_size=30, num_attention_heads=4)
    assert PretrainedConfig(num_labels=3, id2label={0: "x"}).num_labels == 1  # id2label wins, as in transformers
    assert BertConfig.from_dict(cfg.to_dict(), num_labels=4).id2label == {i: f"LABEL_{i}" for i in range(4)}
    assert BertConfig.from_dict(cfg.to_dict(), id2label={0: "x", 1: "y"}).label2id == {"x": 0, "y": 1}


def test_model_output_access():
    out = SequenceClassifierOutput(logits=1, hidden_states=(2, 3))
    assert out.logits == out["logits"] == out[0] == 1 and out.loss is None
    assert list(out.keys()) == ["logits", "hidden_states"] and out.to_tuple() == (1, (2, 3))
    assert dict(**out) == {"logits": 1, "hidden_states": (2, 3)}


def test_save_and_reload_ours(tiny_dir):
    path, model = tiny_dir
    assert sorted(os.listdir(path)) == ["config.json", "model.safetensors"]
    assert json.loads((path / "config.json").read_text())["architectures"] == ["BertForSequenceClassification"]
    back = BertForSequenceClassification.from_pretrained(path)
    ids = _ids()
    model.eval()
    with tl.no_grad():
        np.testing.assert_array_equal(back(ids).logits.numpy(), model(ids).logits.numpy())
    assert back.config.id2label == {0: "neg", 1: "pos", 2: "mixed"}


def test_transformers_loads_what_we_save_and_vice_versa(tiny_dir, tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    path, model = tiny_dir
    hf = transformers.BertForSequenceClassification.from_pretrained(path).eval()
    ids = _ids()
    mask = tl.tensor([[1] * 7, [1] * 4 + [0] * 3])
    model.eval()
    with tl.no_grad():
        ours = model(ids, attention_mask=mask).logits.numpy()
    with torch.no_grad():
        ref = hf(torch.from_numpy(ids.numpy()), attention_mask=torch.from_numpy(mask.numpy())).logits.numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-5, rtol=0)
    assert hf.config.id2label == {0: "neg", 1: "pos", 2: "mixed"}
    # and back: transformers saves, we load
    hf.save_pretrained(tmp_path / "from_hf")
    again = BertForSequenceClassification.from_pretrained(tmp_path / "from_hf")
    with tl.no_grad():
        np.testing.assert_allclose(again(ids, attention_mask=mask).logits.numpy(), ref, atol=1e-5, rtol=0)


def test_masked_lm_tied_weights_round_trip(tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tl.manual_seed(1)
    model = BertForMaskedLM(BertConfig(**TINY))
    head = model.cls.predictions
    assert head.decoder.weight is model.bert.embeddings.word_embeddings.weight and head.decoder.bias is head.bias
    model.save_pretrained(tmp_path)
    hf = transformers.BertForMaskedLM.from_pretrained(tmp_path).eval()
    ids = _ids()
    labels = tl.tensor([[-100, 5, -100, 7, -100, -100, 3], [1, -100, -100, -100, -100, -100, 9]])
    model.eval()
    with tl.no_grad():
        out = model(ids, labels=labels)
    with torch.no_grad():
        ref = hf(torch.from_numpy(ids.numpy()), labels=torch.from_numpy(labels.numpy()))
    np.testing.assert_allclose(out.logits.numpy(), ref.logits.numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(out.loss.item(), ref.loss.item(), rtol=1e-5)
    back = BertForMaskedLM.from_pretrained(tmp_path)
    assert back.cls.predictions.decoder.weight is back.bert.embeddings.word_embeddings.weight


def test_prefix_added_and_removed_with_reports(tiny_dir, caplog):
    path, model = tiny_dir
    with caplog.at_level(logging.WARNING, logger="tinygrad_lite"):
        bare, info = BertModel.from_pretrained(path, output_loading_info=True)
    assert sorted(info["unexpected_keys"]) == ["classifier.bias", "classifier.weight"] and info["missing_keys"] == []
    assert "were not used when initializing BertModel: ['classifier.bias', 'classifier.weight']" in caplog.text
    np.testing.assert_array_equal(bare.embeddings.word_embeddings.weight.detach().numpy(),
                                  model.bert.embeddings.word_embeddings.weight.detach().numpy())
    caplog.clear()
    bare.save_pretrained(path.parent / "bare")
    with caplog.at_level(logging.WARNING, logger="tinygrad_lite"):
        head, info = BertForSequenceClassification.from_pretrained(path.parent / "bare", output_loading_info=True)
    assert info["missing_keys"] == ["classifier.weight", "classifier.bias"] and info["unexpected_keys"] == []
    assert ("Some weights of BertForSequenceClassification were not initialized from the model checkpoint at "
            f"{path.parent / 'bare'} and are newly initialized: ['classifier.weight', 'classifier.bias']") in caplog.text
    assert "You should probably TRAIN this model" in caplog.text


def test_minilm_reports_like_transformers(caplog):
    d = minilm_dir()
    with caplog.at_level(logging.WARNING, logger="tinygrad_lite"):
        _, info = BertForSequenceClassification.from_pretrained(d, output_loading_info=True)
    assert info == {"missing_keys": ["classifier.weight", "classifier.bias"], "unexpected_keys": [],
                    "mismatched_keys": [], "error_msgs": []}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tinygrad_lite"):
        _, info = BertForMaskedLM.from_pretrained(d, output_loading_info=True)
    assert sorted(info["missing_keys"]) == sorted([
        "cls.predictions.bias", "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
        "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
        "cls.predictions.decoder.bias"])
    _, info = BertModel.from_pretrained(d, output_loading_info=True)
    assert info["missing_keys"] == [] and info["unexpected_keys"] == []  # position_ids is ignored, as in transformers


def test_shape_mismatch(tiny_dir):
    path, _ = tiny_dir
    with pytest.raises(RuntimeError, match=r"size mismatch for classifier.weight: copying a param with shape "
                                           r"\(3, 32\) from checkpoint, the shape in current model is \(5, 32\)"):
        BertForSequenceClassification.from_pretrained(path, num_labels=5)
    model, info = BertForSequenceClassification.from_pretrained(path, num_labels=5, ignore_mismatched_sizes=True,
                                                                output_loading_info=True)
    assert [k for k, _, _ in info["mismatched_keys"]] == ["classifier.weight", "classifier.bias"]
    assert model.config.num_labels == 5
    cfg = json.loads((path / "config.json").read_text())
    cfg["intermediate_size"] = 40
    (path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(RuntimeError, match=r"encoder.layer.0.intermediate.dense.weight: copying a param with shape "
                                           r"\(37, 32\) from checkpoint, the shape in current model is \(40, 32\)"):
        BertForSequenceClassification.from_pretrained(path)


def test_broken_directories(tiny_dir, tmp_path):
    path, _ = tiny_dir
    empty = tmp_path / "only_config"
    empty.mkdir()
    shutil.copy(path / "config.json", empty / "config.json")
    with pytest.raises(OSError, match="no file named model.safetensors"):
        BertModel.from_pretrained(empty)
    (empty / "pytorch_model.bin").write_bytes(b"\x80\x04not really")
    with pytest.raises(OSError, match="never unpickles"):
        BertModel.from_pretrained(empty)
    no_config = tmp_path / "no_config"
    no_config.mkdir()
    shutil.copy(path / "model.safetensors", no_config / "model.safetensors")
    with pytest.raises(OSError, match="config.json"):
        BertModel.from_pretrained(no_config)
    bad_json = tmp_path / "bad_json"
    shutil.copytree(path, bad_json)
    (bad_json / "config.json").write_text("{oops")
    with pytest.raises(ValueError, match="not valid JSON"):
        BertModel.from_pretrained(bad_json)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(path, corrupt)
    data = (corrupt / "model.safetensors").read_bytes()
    (corrupt / "model.safetensors").write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(OSError, match="not a valid safetensors file"):
        BertModel.from_pretrained(corrupt)
    (corrupt / "model.safetensors").write_bytes(b"\xff" * 64)  # garbage header
    with pytest.raises(OSError, match="not a valid safetensors file"):
        BertModel.from_pretrained(corrupt)
    with pytest.raises(OSError, match="offline"):
        BertModel.from_pretrained("no-such-org/no-such-bert")
    with pytest.raises(OSError, match="is a file"):
        BertModel.from_pretrained(path / "config.json")


def test_sharded_checkpoint(tiny_dir, tmp_path):
    path, model = tiny_dir
    state = load_safetensors(path / "model.safetensors")
    keys = sorted(state)
    shards = {"model-00001-of-00002.safetensors": keys[::2], "model-00002-of-00002.safetensors": keys[1::2]}
    out = tmp_path / "sharded"
    out.mkdir()
    shutil.copy(path / "config.json", out / "config.json")
    for name, ks in shards.items():
        save_safetensors({k: state[k] for k in ks}, out / name)
    index = {"metadata": {}, "weight_map": {k: n for n, ks in shards.items() for k in ks}}
    (out / "model.safetensors.index.json").write_text(json.dumps(index))
    assert sorted(load_state_dict_from_dir(out)) == keys
    back = BertForSequenceClassification.from_pretrained(out)
    ids = _ids()
    model.eval()
    with tl.no_grad():
        np.testing.assert_array_equal(back(ids).logits.numpy(), model(ids).logits.numpy())
    os.remove(out / "model-00002-of-00002.safetensors")
    with pytest.raises(OSError, match="missing"):
        BertForSequenceClassification.from_pretrained(out)


def test_half_precision_checkpoints_load_as_float32(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    save_file({"a": torch.tensor([1.5, -2.0], dtype=torch.bfloat16), "b": torch.tensor([0.5], dtype=torch.float16),
               "c": torch.tensor([3], dtype=torch.int32)}, str(tmp_path / "x.safetensors"))
    got = load_safetensors(tmp_path / "x.safetensors")
    assert got["a"].dtype is tl.float32 and got["a"].tolist() == [1.5, -2.0]
    assert got["b"].tolist() == [0.5] and got["c"].dtype is tl.int64


def test_model_name_in_hub_cache(tiny_dir, tmp_path, monkeypatch):
    path, model = tiny_dir
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    snap = tmp_path / "cache" / "models--me--tiny-bert" / "snapshots" / "0123abcd"
    shutil.copytree(path, snap)
    (snap.parent.parent / "refs").mkdir()
    (snap.parent.parent / "refs" / "main").write_text("0123abcd\n")
    back = BertForSequenceClassification.from_pretrained("me/tiny-bert")
    assert back.config.id2label[2] == "mixed"
    assert BertForSequenceClassification.from_pretrained("me/tiny-bert", revision="0123abcd").config.num_labels == 3
