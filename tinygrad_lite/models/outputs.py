"""Model outputs shaped like transformers': fields by attribute (`out.logits`), by key (`out["logits"]`) and
by position (`out[0]`, counting only the fields that are set, so `loss` is first only when it was computed)."""
from collections import OrderedDict
from dataclasses import dataclass, fields


class ModelOutput(OrderedDict):
    """An ordered dict of the non-None fields of a dataclass; subclasses are @dataclass with defaults None."""

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None:
                super().__setitem__(f.name, v)

    def __getitem__(self, k):
        if isinstance(k, str):
            return dict.__getitem__(self, k)
        return self.to_tuple()[k]

    def __setattr__(self, name, value):
        if name in self.keys() or value is not None:
            super().__setitem__(name, value)
        super().__setattr__(name, value)

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        super().__setattr__(key, value)

    def __iter__(self):  # iterating yields the field names, as a dict does
        return iter(self.keys())

    def to_tuple(self):
        return tuple(self[k] for k in self.keys())


@dataclass(eq=False)
class BaseModelOutputWithPooling(ModelOutput):
    """last_hidden_state (B, T, H); pooler_output (B, H) = tanh(dense(h_[CLS]));
    hidden_states: embeddings + each layer's output, (B, T, H) each; attentions: (B, heads, T, T) per layer."""

    last_hidden_state: object = None
    pooler_output: object = None
    hidden_states: tuple = None
    attentions: tuple = None


@dataclass(eq=False)
class SequenceClassifierOutput(ModelOutput):
    """loss (when labels are given); logits (B, num_labels)."""

    loss: object = None
    logits: object = None
    hidden_states: tuple = None
    attentions: tuple = None


@dataclass(eq=False)
class MaskedLMOutput(ModelOutput):
    """loss (when labels are given; positions labelled -100 are ignored); logits (B, T, vocab_size)."""

    loss: object = None
    logits: object = None
    hidden_states: tuple = None
    attentions: tuple = None
