"""A GPT (decoder-only transformer) in one file, in the style of nanoGPT's model.py.

    idx (B, T) token ids
      → wte(idx) + wpe(0..T-1)                                    x (B, T, C)
      → n_layer × Block: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))
      → ln_f → lm_head (weights tied with wte)                   logits (B, T, vocab)

Attention is causal self-attention through F.scaled_dot_product_attention(is_causal=True): the
fused kernel never stores the T×T matrix. The code is torch code with `import tinygrad_lite as
torch`: configure_optimizers, _init_weights and generate are nanoGPT's.

A trained model is a self-contained directory (save_pretrained / from_pretrained):
    config.json        GPTConfig's fields and "model_type": "gpt"
    model.safetensors  the state_dict
    vocab.json         the tokenizer: {"type": "char", "itos": [the character of each id]}
"""
import json
import math
import os
from collections import namedtuple
from dataclasses import asdict, dataclass, fields


import tinygrad_lite as torch
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F

GPTOutput = namedtuple("GPTOutput", ["logits", "loss"])
GPTOutput.__doc__ = """(logits, loss): unpacks as nanoGPT's tuple and reads as a Hugging Face output (.logits)."""


@dataclass
class GPTConfig:
    block_size: int = 1024   # the context: the longest sequence the model sees
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True        # biases in the Linears and LayerNorms (False: a little better and faster)


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v projections at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd

    def forward(self, x):
        B, T, C = x.size()  # batch, sequence length, embedding (n_embd)
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # 3 × (B, T, C)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs), a view
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None,
                                           dropout_p=self.attn_dropout if self.training else 0.0, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again (no copy: the kernel's layout)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):  # (B, T, C) → (B, T, 4C) → (B, T, C)
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        config = config or GPTConfig(**kwargs)
        if config.vocab_size <= 0 or config.block_size <= 0:
            raise ValueError(f"GPT: vocab_size and block_size must be positive, got {config}")
        if config.n_embd % config.n_head:
            raise ValueError(f"GPT: n_embd ({config.n_embd}) must be a multiple of n_head ({config.n_head})")
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # weight tying: the input embedding and the output projection are one matrix
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        # scaled init of the residual projections (GPT-2): std 0.02/√(2·n_layer)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        self.vocab = None  # the tokenizer's vocabulary, when loaded with from_pretrained

    def get_num_params(self, non_embedding=True):
        """Parameters counted once (the tied lm_head is wte); without the position embeddings by default."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.transformer.wpe.weight.numel()
        return n

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        """idx (B, T) int64 → GPTOutput(logits, loss). With targets (B, T): logits (B, T, vocab) and
        the mean cross-entropy (targets −1 ignored); without: logits of the last position only,
        (B, 1, vocab), all that generation needs."""
        if idx.dim() != 2:
            raise ValueError(f"GPT: expected token ids of shape (B, T), got {tuple(idx.shape)}")
        b, t = idx.size()
        if t > self.config.block_size:
            raise ValueError(f"GPT: cannot forward a sequence of length {t}, the context (block_size) is only "
                             f"{self.config.block_size}")
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)  # (t,)
        tok_emb = self.transformer.wte(idx)  # (b, t, n_embd)
        pos_emb = self.transformer.wpe(pos)  # (t, n_embd)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is not None:
            logits = self.lm_head(x)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        else:
            logits = self.lm_head(x[:, [-1], :])  # only the last position: note the list keeps the time dim
            loss = None
        return GPTOutput(logits, loss)

    def crop_block_size(self, block_size):
        """Shrink the context (e.g. to fine-tune a pretrained model with a shorter one)."""
        assert block_size <= self.config.block_size
        self.config.block_size = block_size
        self.transformer.wpe.weight = nn.Parameter(self.transformer.wpe.weight[:block_size].detach().clone())

    def configure_optimizers(self, weight_decay, learning_rate, betas, device_type="cpu"):
        """AdamW with two parameter groups: weight decay on the ≥ 2-D tensors (matmul weights,
        embeddings), none on biases and LayerNorm gains."""
        param_dict = {pn: p for pn, p in self.named_parameters() if p.requires_grad}
        decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
        nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
        optim_groups = [
            {"params": decay_params, "weight_decay": weight_decay},
            {"params": nodecay_params, "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        """Append max_new_tokens sampled tokens to idx (B, T), feeding the predictions back in.
        temperature 0 picks the most likely token (greedy); top_k keeps the k most likely."""
        if temperature < 0:
            raise ValueError(f"generate: temperature must be >= 0, got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"generate: top_k must be >= 1, got {top_k}")
        if max_new_tokens < 0:
            raise ValueError(f"generate: max_new_tokens must be >= 0, got {max_new_tokens}")
        for _ in range(max_new_tokens):
            # crop the context to the last block_size tokens
            idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size:]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :]  # (B, vocab)
            if temperature == 0:
                idx_next = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:  # keep the k largest logits of each row
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))  # (B, k)
                    logits[logits < v[:, [-1]]] = -float("inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)  # (B, 1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx

    # ---- a checkpoint is a directory ---------------------------------------------------------
    def save_pretrained(self, save_directory, vocab=None):
        """Write config.json, model.safetensors and (vocab given, or self.vocab) vocab.json."""
        os.makedirs(save_directory, exist_ok=True)
        with open(os.path.join(save_directory, "config.json"), "w") as f:
            json.dump({"model_type": "gpt", **asdict(self.config)}, f, indent=2)
        torch.save(self.state_dict(), os.path.join(save_directory, "model.safetensors"))
        vocab = vocab if vocab is not None else self.vocab
        if vocab is not None:
            with open(os.path.join(save_directory, "vocab.json"), "w") as f:
                json.dump({"type": "char", "itos": list(vocab)}, f, ensure_ascii=False)

    @classmethod
    def from_pretrained(cls, directory):
        """A GPT from a directory written by save_pretrained (vocabulary in .vocab when present)."""
        path = os.path.join(directory, "config.json")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"GPT.from_pretrained: no config.json in {directory!r}")
        with open(path) as f:
            cfg = json.load(f)
        if cfg.get("model_type", "gpt") != "gpt":
            raise ValueError(f"GPT.from_pretrained: {directory!r} holds a {cfg.get('model_type')!r} model, not 'gpt'")
        names = {f.name for f in fields(GPTConfig)}
        model = cls(GPTConfig(**{k: v for k, v in cfg.items() if k in names}))
        model.load_state_dict(torch.load(os.path.join(directory, "model.safetensors")))
        vocab_path = os.path.join(directory, "vocab.json")
        if os.path.isfile(vocab_path):
            with open(vocab_path) as f:
                model.vocab = json.load(f)["itos"]
        return model
