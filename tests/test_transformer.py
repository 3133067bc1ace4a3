"""nn.MultiheadAttention and the nn.Transformer family against torch with the same weights
(torch's state_dict loaded into ours): outputs atol 1e-5, gradients of inputs and every parameter
atol 1e-4 (float32), in train mode (dropout 0) and eval mode (dropout > 0); masks of both kinds;
names, reprs and errors."""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn as nn

torch = pytest.importorskip("torch")


def load(ours, theirs):
    ours.load_state_dict({k: tl.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())


def close(a, b, atol=1e-5):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    np.testing.assert_allclose(a, b.detach().numpy(), atol=atol, rtol=1e-4)


def grads_close(ours, theirs, atol=1e-4):
    for (n1, p1), (n2, p2) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert n1 == n2
        if p1.grad is None:
            assert p2.grad is None or np.allclose(p2.grad.numpy(), 0), n1
        else:
            np.testing.assert_allclose(p2.grad.numpy(), p1.grad.numpy(), atol=atol, rtol=1e-3, err_msg=n1)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_vs_torch(batch_first, need_weights, average):
    rng = np.random.default_rng(0)
    tm, om = torch.nn.MultiheadAttention(16, 4, batch_first=batch_first), nn.MultiheadAttention(16, 4, batch_first=batch_first)
    load(om, tm)
    L, S, N = 5, 7, 3
    x = rng.standard_normal((L, N, 16)).astype(np.float32)
    kv = rng.standard_normal((S, N, 16)).astype(np.float32)
    if batch_first:
        x, kv = x.transpose(1, 0, 2).copy(), kv.transpose(1, 0, 2).copy()
    kpm = np.zeros((N, S), bool)
    kpm[1, 4:] = True
    am = rng.standard_normal((L, S)).astype(np.float32)
    tx, ox = torch.tensor(x, requires_grad=True), tl.tensor(x, requires_grad=True)
    tkv, okv = torch.tensor(kv, requires_grad=True), tl.tensor(kv, requires_grad=True)
    to, tw = tm(tx, tkv, tkv, key_padding_mask=torch.tensor(kpm), attn_mask=torch.tensor(am),
                need_weights=need_weights, average_attn_weights=average)
    oo, ow = om(ox, okv, okv, key_padding_mask=tl.tensor(kpm), attn_mask=tl.tensor(am),
                need_weights=need_weights, average_attn_weights=average)
    close(oo, to)
    assert (ow is None) == (tw is None)
    if tw is not None:
        close(ow, tw)
    (to * to).sum().backward()
    (oo * oo).sum().backward()
    close(ox.grad, tx.grad, 1e-4)
    close(okv.grad, tkv.grad, 1e-4)
    grads_close(om, tm)


def test_multihead_attention_self_causal_unbatched_kdim_and_bias_kv():
    rng = np.random.default_rng(1)
    # self-attention with the causal hint (the fused kernel's is_causal path)
    tm, om = torch.nn.MultiheadAttention(8, 2, batch_first=True), nn.MultiheadAttention(8, 2, batch_first=True)
    load(om, tm)
    x = rng.standard_normal((2, 6, 8)).astype(np.float32)
    cm, ocm = torch.nn.Transformer.generate_square_subsequent_mask(6), nn.Transformer.generate_square_subsequent_mask(6)
    close(om(tl.tensor(x), tl.tensor(x), tl.tensor(x), attn_mask=ocm, need_weights=False, is_causal=True)[0],
          tm(torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=cm, need_weights=False, is_causal=True)[0])
    # bool masks; an unbatched input
    bm = rng.random((6, 6)) < 0.3
    np.fill_diagonal(bm, False)
    close(om(tl.tensor(x[0]), tl.tensor(x[0]), tl.tensor(x[0]), attn_mask=tl.tensor(bm))[0],
          tm(torch.tensor(x[0]), torch.tensor(x[0]), torch.tensor(x[0]), attn_mask=torch.tensor(bm))[0])
    # kdim / vdim (separate projection weights), add_bias_kv, add_zero_attn, 3-D attn_mask
    tm = torch.nn.MultiheadAttention(8, 2, kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True)
    om = nn.MultiheadAttention(8, 2, kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True)
    load(om, tm)
    q, k, v = rng.standard_normal((4, 2, 8)), rng.standard_normal((6, 2, 5)), rng.standard_normal((6, 2, 3))
    m3 = rng.standard_normal((2 * 2, 4, 6)).astype(np.float32)
    args = [a.astype(np.float32) for a in (q, k, v)]
    to, tw = tm(*map(torch.tensor, args), attn_mask=torch.tensor(m3))
    oo, ow = om(*map(tl.tensor, args), attn_mask=tl.tensor(m3))
    close(oo, to)
    close(ow, tw)


def test_multihead_attention_errors_and_repr():
    m = nn.MultiheadAttention(8, 2)
    assert repr(m) == repr(torch.nn.MultiheadAttention(8, 2))
    x = tl.randn(4, 2, 8)
    with pytest.raises(ValueError, match="2D attn_mask"):
        m(x, x, x, attn_mask=tl.zeros(3, 4))
    with pytest.raises(ValueError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=tl.zeros(2, 5, dtype=tl.bool))
    with pytest.raises(ValueError, match="embedding dimension"):
        m(tl.randn(4, 2, 6), x, x)
    with pytest.raises(RuntimeError, match="attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_vs_torch_train_and_eval(norm_first, activation):
    rng = np.random.default_rng(2)
    kw = dict(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=32, batch_first=True,
              norm_first=norm_first, activation=activation)
    torch.manual_seed(0)
    tt0, ot0 = torch.nn.Transformer(dropout=0.0, **kw), nn.Transformer(dropout=0.0, **kw)
    load(ot0, tt0)
    src, tgt = rng.standard_normal((2, 6, 16)).astype(np.float32), rng.standard_normal((2, 4, 16)).astype(np.float32)
    kpm = np.zeros((2, 6), bool)
    kpm[0, 4:] = True
    tmask, omask = torch.nn.Transformer.generate_square_subsequent_mask(4), nn.Transformer.generate_square_subsequent_mask(4)
    ts, os_ = torch.tensor(src, requires_grad=True), tl.tensor(src, requires_grad=True)
    to = tt0(ts, torch.tensor(tgt), tgt_mask=tmask, src_key_padding_mask=torch.tensor(kpm),
             memory_key_padding_mask=torch.tensor(kpm))
    oo = ot0(os_, tl.tensor(tgt), tgt_mask=omask, src_key_padding_mask=tl.tensor(kpm),
             memory_key_padding_mask=tl.tensor(kpm))
    close(oo, to)
    (to * to).sum().backward()
    (oo * oo).sum().backward()
    close(os_.grad, ts.grad, 1e-4)
    grads_close(ot0, tt0)
    # eval mode with dropout > 0: dropout is off, outputs agree
    tt1, ot1 = torch.nn.Transformer(dropout=0.3, **kw), nn.Transformer(dropout=0.3, **kw)
    load(ot1, tt1)
    tt1.eval(), ot1.eval()
    with torch.no_grad():
        to = tt1(torch.tensor(src), torch.tensor(tgt), tgt_mask=tmask)
    with tl.no_grad():
        oo = ot1(tl.tensor(src), tl.tensor(tgt), tgt_mask=omask)
    close(oo, to)


def test_encoder_and_decoder_layers_sequence_first_vs_torch():
    rng = np.random.default_rng(3)
    torch.manual_seed(1)
    tl_layer, t_layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    load(tl_layer, t_layer)
    tenc = torch.nn.TransformerEncoder(t_layer, 2, enable_nested_tensor=False)
    oenc = nn.TransformerEncoder(tl_layer, 2)
    load(oenc, tenc)
    x = rng.standard_normal((5, 3, 8)).astype(np.float32)  # (S, N, E)
    close(oenc(tl.tensor(x)), tenc(torch.tensor(x)))
    # the clones are independent copies
    p0, p1 = oenc.layers[0].linear1.weight, oenc.layers[1].linear1.weight
    assert p0 is not p1 and p0.data_ptr() != p1.data_ptr()
    tdl, odl = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0)
    tdec, odec = torch.nn.TransformerDecoder(tdl, 2), nn.TransformerDecoder(odl, 2)
    load(odec, tdec)
    mem = rng.standard_normal((7, 3, 8)).astype(np.float32)
    close(odec(tl.tensor(x), tl.tensor(mem), tgt_mask=nn.Transformer.generate_square_subsequent_mask(5)),
          tdec(torch.tensor(x), torch.tensor(mem), tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(5)))


def test_transformer_repr_mask_and_errors():
    assert repr(nn.TransformerEncoderLayer(8, 2)) == repr(torch.nn.TransformerEncoderLayer(8, 2))
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    m = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
    with pytest.raises(RuntimeError, match="batch number"):
        m(tl.randn(5, 2, 8), tl.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="d_model"):
        m(tl.randn(5, 2, 6), tl.randn(4, 2, 6))
    with pytest.raises(RuntimeError, match="activation"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
