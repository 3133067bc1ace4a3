"""A small encoder–decoder transformer (nn.Transformer) for sequence-to-sequence tasks, e.g.
reversing or sorting digit strings (examples/seq2seq_digits.py).

    src (B, S) ids → src_emb·√d + pos → encoder → memory (B, S, d)
    tgt (B, T) ids (BOS first) → tgt_emb·√d + pos → decoder(·, memory, causal) → generator → logits (B, T, V)

Token id 0 is padding (masked out of attention as a key), 1 is BOS, 2 is EOS. For decoding
(greedy here; beam search in tinygrad_lite.generation) the model exposes the two halves:
    memory = model.encode(src)                       # run the encoder once
    logits = model.decode_step(tgt_ids, memory, src) # next-token logits (B, V) for every prefix
(pass src, or its padding mask, so that padded source positions stay masked).
"""
import math
from dataclasses import dataclass

import tinygrad_lite as torch
import tinygrad_lite.nn as nn

PAD, BOS, EOS = 0, 1, 2


@dataclass
class Seq2SeqConfig:
    src_vocab_size: int = 13
    tgt_vocab_size: int = 13
    d_model: int = 64
    nhead: int = 4
    num_encoder_layers: int = 2
    num_decoder_layers: int = 2
    dim_feedforward: int = 128
    dropout: float = 0.1
    max_len: int = 64          # longest source or target sequence


class Seq2SeqTransformer(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        c = self.config = config or Seq2SeqConfig(**kwargs)
        self.src_emb = nn.Embedding(c.src_vocab_size, c.d_model, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(c.tgt_vocab_size, c.d_model, padding_idx=PAD)
        self.pos_emb = nn.Embedding(c.max_len, c.d_model)  # learned positions, shared by both sides
        self.transformer = nn.Transformer(d_model=c.d_model, nhead=c.nhead, num_encoder_layers=c.num_encoder_layers,
                                          num_decoder_layers=c.num_decoder_layers, dim_feedforward=c.dim_feedforward,
                                          dropout=c.dropout, batch_first=True)
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size)

    def _embed(self, emb, ids):
        T = ids.shape[1]
        if T > self.config.max_len:
            raise ValueError(f"Seq2SeqTransformer: sequence of length {T} is longer than max_len {self.config.max_len}")
        pos = torch.arange(T, device=ids.device)
        return emb(ids) * math.sqrt(self.config.d_model) + self.pos_emb(pos)  # (B, T, d)

    @staticmethod
    def padding_mask(ids):
        """(B, T) bool, True where ids is padding (masked out as a key)."""
        return ids == PAD

    def encode(self, src):
        """src (B, S) → memory (B, S, d)."""
        return self.transformer.encoder(self._embed(self.src_emb, src), src_key_padding_mask=self.padding_mask(src))

    def decode(self, tgt, memory, src_padding_mask=None):
        """tgt (B, T), memory (B, S, d) → decoder states (B, T, d), causal over tgt."""
        T = tgt.shape[1]
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=tgt.device)
        return self.transformer.decoder(self._embed(self.tgt_emb, tgt), memory, tgt_mask=mask, tgt_is_causal=True,
                                        tgt_key_padding_mask=self.padding_mask(tgt),
                                        memory_key_padding_mask=src_padding_mask)

    def forward(self, src, tgt):
        """Teacher forcing: logits (B, T, V) of the token after each prefix of tgt."""
        return self.generator(self.decode(tgt, self.encode(src), self.padding_mask(src)))

    def decode_step(self, tgt_ids, memory, src=None, src_padding_mask=None):
        """Next-token logits (B, V) after the prefixes tgt_ids (B, T) (BOS first)."""
        if src_padding_mask is None and src is not None:
            src_padding_mask = self.padding_mask(src)
        return self.generator(self.decode(tgt_ids, memory, src_padding_mask)[:, -1])

    @torch.no_grad()
    def beam_search(self, src_ids, num_beams=4, max_new_tokens=None, length_penalty=1.0, num_return_sequences=1):
        """The best targets of one source (a list of ids) by beam search (tinygrad_lite.generation:
        hypotheses scored Σ log p / L^length_penalty) → list of Hypothesis (token_ids without BOS/EOS, score)."""
        from ..generation import beam_search

        return beam_search(_OneSource(self), list(src_ids), num_beams=num_beams, max_new_tokens=max_new_tokens,
                           length_penalty=length_penalty, num_return_sequences=num_return_sequences)

    @torch.no_grad()
    def greedy_decode(self, src, max_len):
        """Most likely target of each source (B, S): lists of ids without BOS/EOS/padding."""
        memory = self.encode(src)
        ys = torch.full((src.shape[0], 1), BOS, dtype=torch.long)
        done = [False] * src.shape[0]
        for _ in range(max_len):
            nxt = self.decode_step(ys, memory, src).argmax(dim=-1, keepdim=True)  # (B, 1)
            ys = torch.cat([ys, nxt], dim=1)
            for b, t in enumerate(nxt[:, 0].tolist()):
                done[b] = done[b] or t == EOS
            if all(done):
                break
        out = []
        for row in ys[:, 1:].tolist():
            out.append(row[: row.index(EOS)] if EOS in row else row)
        return out


class _OneSource:
    """The sequence-to-sequence decoding protocol of tinygrad_lite.generation (encode a list of
    source ids once; next-token logits for a list of target ids) over a batch-of-one model."""

    bos_token_id, eos_token_id = BOS, EOS

    def __init__(self, model):
        self.model = model
        self.max_context = model.config.max_len

    def encode(self, src_ids):
        src = torch.tensor([src_ids])
        return self.model.encode(src), src

    def decode_step(self, tgt_ids, memory):
        mem, src = memory
        return self.model.decode_step(torch.tensor([tgt_ids]), mem, src)[0]  # (V,)
