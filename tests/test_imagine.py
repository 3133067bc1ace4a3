"""Text to image (DALL-E's design on captioned MNIST): the caption generator and its measurements,
the VQ-VAE's quantizer against torch (values and straight-through gradients), the transformer's
shapes, causality and key/value cache, and a tiny end-to-end run — train a few steps, then
api.Image.create, the `imagine` CLI and the server route."""
import base64
import io
import pathlib

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite.datasets import captions as C
from tinygrad_lite.models.dalle import CaptionTokenizer, DALLEConfig, DALLETransformer
from tinygrad_lite.models.vqvae import VQVAE, VectorQuantizer

REPO = pathlib.Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "data" / "mnist"


def bar(width, height=20, x0=12, shear=0.0, size=28):
    """A white vertical bar `width` px wide and `height` tall, centred, sheared by `shear` px/row upwards."""
    im = np.zeros((size, size), np.float32)
    top = (size - height) // 2
    for r in range(top, top + height):
        x = round(x0 + shear * (size / 2 - r))
        im[r, max(0, x):x + width] = 1.0
    return im


# ---- captions -----------------------------------------------------------------------------------
def test_measure_bars():
    m = C.measure(np.stack([bar(2), bar(5), bar(3, height=10), bar(3, shear=0.4), bar(3, shear=-0.4),
                            bar(3, x0=3), 1.0 - bar(3)]))
    # a w×h rectangle: 2A/P = 2wh / 2(w + h)
    np.testing.assert_allclose(m["thickness"][[0, 1, 6]], [40 / 22, 100 / 25, 60 / 23], rtol=1e-6)
    assert m["height"][0] == 20 and m["height"][2] == 10
    assert m["slant"][3] > 0.3 and m["slant"][4] < -0.3 and abs(m["slant"][0]) < 1e-6  # "/" is right
    assert m["cx"][5] < 6 and abs(m["cx"][0] - 12.5) < 1e-4
    assert m["inverted"].tolist() == [0, 0, 0, 0, 0, 0, 1]  # and its ink is measured, not the background


def test_caption_grammar_and_parse():
    mid = {"thickness": 2.0, "height": 19.0, "slant": 0.1, "cx": 13.5, "inverted": 0.0}
    assert C.caption(7, mid) == "a seven"
    odd = dict(mid, thickness=3.0, height=12.0, slant=-0.5, cx=8.0, inverted=1.0)
    assert C.caption(8, odd) == "an inverted thick small eight slanted left on the left"
    assert C.caption(0, mid, pair=(4, 1)) == "a four next to a one"
    p = C.parse_prompt("An inverted thick small 8, slanted left on the left!")
    assert p == {"digits": [8], "inverted": True, "thickness": "thick", "height": "small", "slant": "left",
                 "cx": "left"}
    assert C.parse_prompt("a 4 next to a 1")["digits"] == [4, 1]
    assert C.normalize("A pink elephant, 42!") == "a 4 2"
    rng = np.random.default_rng(0)
    words = {C.caption(3, mid, rng) for _ in range(20)}
    assert words == {"a three", "a 3"}
    assert all(len(c.split()) <= C.MAX_WORDS for c in [C.caption(8, odd)])


def test_augment_and_captioned():
    rng = np.random.default_rng(0)
    imgs = np.stack([bar(3)] * 64)
    out, caps, pairs = C.captioned(imgs, np.full(64, 1), rng)
    assert out.shape == (64, 28, 28) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    assert len(caps) == 64 and all(c.split()[0] in ("a", "an") for c in caps)
    assert all(("next to" in c) == (p[0] >= 0) for c, p in zip(caps, pairs))
    tok = CaptionTokenizer()
    for c in caps:
        ids = tok.encode(c, 10)
        assert len(ids) == 10 and tok.decode(ids) == C.normalize(c)


# ---- VQ-VAE -------------------------------------------------------------------------------------
def test_vqvae_shapes_and_roundtrip(tmp_path):
    tl.manual_seed(0)
    m = VQVAE(hidden=8, embedding_dim=4, num_embeddings=16)
    x = tl.rand(3, 1, 28, 28)
    out = m(x)
    assert out.logits.shape == (3, 1, 28, 28) and out.ids.shape == (3, 7, 7)
    assert out.ids.min().item() >= 0 and out.ids.max().item() < 16
    assert np.array_equal(m.encode(x).numpy(), out.ids.numpy())
    assert m.decode(out.ids).shape == (3, 1, 28, 28)
    out.loss.backward()
    assert all(p.grad is not None for p in m.parameters())
    m.save_pretrained(tmp_path)
    m2 = VQVAE.from_pretrained(tmp_path)
    assert np.array_equal(m2.encode(x).numpy(), out.ids.numpy())
    with pytest.raises(ValueError, match="VQVAE"):
        m(tl.rand(2, 1, 20, 20))


def test_quantizer_matches_torch_straight_through():
    """Codes, loss and the gradients of z and of the codebook equal torch's for the same program:
    z_q = z + sg(e − z), loss = Σ w·z_q + mse(e, sg z) + β·mse(z, sg e)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    z_np, e_np, w_np = rng.normal(size=(20, 4)), rng.normal(size=(8, 4)), rng.normal(size=(20, 4))
    q = VectorQuantizer(8, 4, beta=0.25)
    q.embedding.weight = tl.nn.Parameter(tl.tensor(e_np, dtype=tl.float64))
    z = tl.tensor(z_np, dtype=tl.float64, requires_grad=True)
    z_q, ids, vq = q(z)
    ((z_q * tl.tensor(w_np)).sum() + vq).backward()

    zt = torch.tensor(z_np, requires_grad=True)
    et = torch.tensor(e_np, requires_grad=True)
    idt = torch.cdist(zt.detach(), et.detach()).argmin(1)
    e = et[idt]
    vqt = torch.nn.functional.mse_loss(e, zt.detach()) + 0.25 * torch.nn.functional.mse_loss(zt, e.detach())
    zqt = zt + (e - zt).detach()
    ((zqt * torch.tensor(w_np)).sum() + vqt).backward()
    assert np.array_equal(ids.numpy(), idt.numpy())
    np.testing.assert_allclose(z_q.detach().numpy(), zqt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(vq.item(), vqt.item(), rtol=1e-10)
    np.testing.assert_allclose(z.grad.numpy(), zt.grad.numpy(), atol=1e-10)  # w + β·∂commit: straight through
    np.testing.assert_allclose(q.embedding.weight.grad.numpy(), et.grad.numpy(), atol=1e-10)


# ---- transformer --------------------------------------------------------------------------------
def tiny_transformer():
    tl.manual_seed(0)
    return DALLETransformer(DALLEConfig(n_layer=2, n_head=2, n_embd=16, image_vocab_size=12))


def test_transformer_shapes_causality_and_cache():
    m = tiny_transformer().eval()
    text = tl.tensor([m.tokenizer.encode("a thick seven", 10), m.tokenizer.encode("a 4 next to a 1", 10)])
    img = tl.randint(0, 12, (2, 49))
    out = m(text, img)
    assert out.logits.shape == (2, 49, 12) and np.isfinite(out.loss.item())
    img2 = img.clone()
    img2[:, 30] = (img[:, 30] + 1) % 12
    a, b = out.logits.detach().numpy(), m(text, img2).logits.detach().numpy()
    np.testing.assert_allclose(a[:, :31], b[:, :31], atol=1e-5)  # position 30's logits see tokens < 30 only
    assert np.abs(a[:, 31:] - b[:, 31:]).max() > 1e-4
    codes = m.generate(text, temperature=0)  # greedy with the cache == argmax of the full forward
    assert codes.shape == (2, 49)
    assert np.array_equal(codes.numpy(), m(text, codes).logits.detach().argmax(-1).numpy())
    g = tl.Generator().manual_seed(3)
    s1 = m.generate(text, temperature=1.0, top_k=4, generator=g).numpy()
    s2 = m.generate(text, temperature=1.0, top_k=4, generator=tl.Generator().manual_seed(3)).numpy()
    assert np.array_equal(s1, s2) and s1.max() < 12
    with pytest.raises(ValueError, match="DALLETransformer"):
        m(text[:, :5], img)


# ---- end to end ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    if not (MNIST / "train-labels-idx1-ubyte").exists() and not (MNIST / "train-labels-idx1-ubyte.gz").exists():
        pytest.skip(f"MNIST training files not under {MNIST}")
    from tinygrad_lite.imagine.train import TrainConfig, load_mnist, train_pipeline

    images, labels = load_mnist(str(MNIST))
    out = tmp_path_factory.mktemp("imagine")
    cfg = TrainConfig(max_images=256, vq_batch_size=64, vq_hidden=8, codebook_size=16, dalle_batch_size=32,
                      dalle_epochs=1, n_layer=1, n_head=2, n_embd=16, clip_batch_size=64, rerank=2,
                      samples_per_prompt=2, warmup_iters=2)
    _, metrics = train_pipeline(images[:512], labels[:512], str(out), cfg, quiet=True, log=lambda *a: None)
    return out, metrics


def test_train_writes_checkpoints_and_plots(trained):
    out, metrics = trained
    for part in ("transformer", "vqvae", "clip"):
        assert (out / part / "config.json").exists() and (out / part / "model.safetensors").exists()
    assert not list(out.rglob("*.pt")) and not list(out.rglob("*.pkl"))
    assert (out / "loss.png").exists() and (out / "samples-epoch1.png").exists()
    assert set(metrics["seconds"]) >= {"data", "vqvae", "tokenize", "transformer", "clip", "total"}


def test_image_create_cli_and_server(trained, tmp_path):
    out, _ = trained
    from PIL import Image

    import tinygrad_lite.api as openai
    from tinygrad_lite import engines
    from tinygrad_lite.cli import main

    r = openai.Image.create(prompt="a thick seven", n=2, size="64x64", model=str(out), response_format="b64_json")
    assert len(r["data"]) == 2
    im = Image.open(io.BytesIO(base64.b64decode(r.data[0].b64_json)))
    assert im.format == "PNG" and im.size == (64, 64)
    r = openai.Image.create(prompt="A pink and blue elephant playing soccer", n=1, size="256x256", model=str(out))
    assert r.data[0].url.startswith("data:image/png;base64,")
    with pytest.raises(openai.InvalidRequestError):
        openai.Image.create(prompt="a seven", n=0, model=str(out))

    png = tmp_path / "seven.png"
    assert main(["imagine", "a thick seven", "-n", "3", "--out", str(png), "--model", str(out), "--size", "32"]) == 0
    assert Image.open(png).size[0] > 3 * 32

    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from tinygrad_lite.server import create_app

    engines.register_path(str(out), kind="image")
    try:
        with TestClient(create_app()) as client:
            ok = client.post("/v1/images/generations", json={"prompt": "a 4 next to a 1", "n": 2, "size": "32x32",
                                                             "response_format": "b64_json", "model": str(out)})
            assert ok.status_code == 200 and len(ok.json()["data"]) == 2
            bad = client.post("/v1/images/generations", json={"prompt": "a seven", "size": "huge"})
            assert bad.status_code == 400 and bad.json()["error"]["param"] == "size"
            bad = client.post("/v1/images/generations", json={"prompt": ""})
            assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    finally:
        engines.unregister_engine(str(out))
