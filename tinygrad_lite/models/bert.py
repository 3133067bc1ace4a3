"""BERT (Devlin et al. 2018) with Hugging Face's module tree, so real checkpoints load by name.

    embeddings   h₀ = LayerNorm(word[ids] + position[pos] + token_type[types])          (B, T, H)
    layer ×N     a = LayerNorm(h + Wo·MHA(h, mask));  h' = LayerNorm(a + W₂·act(W₁·a))
                 MHA: per head softmax(q·kᵀ/√d + m)·v, m = 0 where attention_mask = 1, −∞-like elsewhere
    pooler       tanh(W·h_N[:, 0])                                                       (B, H)
    heads        classifier(dropout(pooler)) → (B, num_labels);  MLM: W_vocab·LN(act(W·h)) + b (tied W_vocab)

Names follow transformers' modeling_bert.py: embeddings.word_embeddings, encoder.layer.N.attention.self.query,
attention.output.dense/LayerNorm, intermediate.dense, output.dense/LayerNorm, pooler.dense, cls.predictions.
"""
import numpy as np

import tinygrad_lite as _tl
from tinygrad_lite import nn
from tinygrad_lite.io.hf import PretrainedConfig, PreTrainedModel
from tinygrad_lite.nn import functional as F
from tinygrad_lite.nn import init

from .outputs import BaseModelOutputWithPooling, MaskedLMOutput, SequenceClassifierOutput

_MASK_MIN = float(np.finfo(np.float32).min)  # transformers' additive mask value for float32


class BertConfig(PretrainedConfig):
    """transformers.BertConfig's fields and defaults (bert-base-uncased)."""

    model_type = "bert"

    def __init__(self, vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                 max_position_embeddings=512, type_vocab_size=2, initializer_range=0.02, layer_norm_eps=1e-12,
                 pad_token_id=0, position_embedding_type="absolute", use_cache=True, classifier_dropout=None,
                 is_decoder=False, tie_word_embeddings=True, **kwargs):
        super().__init__(**kwargs)
        if hidden_size % num_attention_heads:
            raise ValueError(f"The hidden size ({hidden_size}) is not a multiple of the number of attention heads "
                             f"({num_attention_heads})")
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.num_hidden_layers, self.num_attention_heads = num_hidden_layers, num_attention_heads
        self.intermediate_size, self.hidden_act = intermediate_size, hidden_act
        self.hidden_dropout_prob, self.attention_probs_dropout_prob = hidden_dropout_prob, attention_probs_dropout_prob
        self.max_position_embeddings, self.type_vocab_size = max_position_embeddings, type_vocab_size
        self.initializer_range, self.layer_norm_eps, self.pad_token_id = initializer_range, layer_norm_eps, pad_token_id
        self.position_embedding_type, self.use_cache = position_embedding_type, use_cache
        self.classifier_dropout, self.is_decoder = classifier_dropout, is_decoder
        self.tie_word_embeddings = tie_word_embeddings


def _activation(name):
    acts = {"gelu": F.gelu, "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
            "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"), "relu": F.relu, "tanh": _tl.tanh,
            "silu": lambda x: x * x.sigmoid(), "swish": lambda x: x * x.sigmoid()}
    if name not in acts:
        raise ValueError(f"hidden_act {name!r} is not supported; choose one of {sorted(acts)}")
    return acts[name]


def _as_ids(x, name):
    if x is None or isinstance(x, _tl.Tensor):
        return x
    return _tl.tensor(np.asarray(x, dtype=np.int64))


def _check_range(ids, limit, name, what):
    if ids.dtype is not _tl.int64:
        raise TypeError(f"BertModel: {name} must be int64 (long) token indices, got {ids.dtype.name}")
    arr = ids.detach().numpy() if ids.device.type == "cpu" else ids.detach().cpu().numpy()
    if arr.size and (arr.min() < 0 or arr.max() >= limit):
        bad = int(arr.max()) if arr.max() >= limit else int(arr.min())
        raise IndexError(f"BertModel: {name} contains {bad}, outside [0, {limit}) ({what})")


class BertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.position_embedding_type != "absolute":
            raise NotImplementedError(f"position_embedding_type={config.position_embedding_type!r}: only 'absolute' "
                                      "is supported")
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.register_buffer("position_ids", _tl.arange(config.max_position_embeddings).reshape(1, -1),
                             persistent=False)

    def forward(self, input_ids=None, token_type_ids=None, position_ids=None, inputs_embeds=None):
        B, T = tuple(input_ids.shape) if input_ids is not None else tuple(inputs_embeds.shape[:2])
        if position_ids is None:
            position_ids = self.position_ids[:, :T]
        if token_type_ids is None:
            token_type_ids = _tl.zeros(B, T, dtype=_tl.int64)
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        h = inputs_embeds + self.token_type_embeddings(token_type_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(h))


class BertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob

    def _heads(self, x):  # (B, T, H) -> (B, nh, T, hs)
        B, T, _ = x.shape
        return x.reshape(B, T, self.num_attention_heads, self.attention_head_size).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        q, k, v = (self._heads(lin(hidden_states)) for lin in (self.query, self.key, self.value))
        p = self.dropout_p if self.training else 0.0
        if output_attentions:  # the probabilities are wanted: compute them explicitly
            scores = (q @ k.transpose(-2, -1)) * (1.0 / self.attention_head_size ** 0.5)
            probs = (scores + attention_mask if attention_mask is not None else scores).softmax(-1)
            ctx = F.dropout(probs, p, self.training) @ v
        else:
            ctx, probs = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask, dropout_p=p), None
        B, _, T, _ = ctx.shape
        return ctx.permute(0, 2, 1, 3).reshape(B, T, -1), probs  # (B, T, H)


class BertSelfOutput(nn.Module):
    """LayerNorm(x + dropout(dense(h))): the residual step after attention (and, as BertOutput, after the MLP)."""

    def __init__(self, config, in_features=None):
        super().__init__()
        self.dense = nn.Linear(in_features or config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        ctx, probs = self.self(hidden_states, attention_mask, output_attentions)
        return self.output(ctx, hidden_states), probs


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = _activation(config.hidden_act)

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(BertSelfOutput):
    def __init__(self, config):
        super().__init__(config, in_features=config.intermediate_size)


class BertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        a, probs = self.attention(hidden_states, attention_mask, output_attentions)
        return self.output(self.intermediate(a), a), probs


class BertEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, h, attention_mask=None, output_hidden_states=False, output_attentions=False):
        hidden, attentions = (h,) if output_hidden_states else None, () if output_attentions else None
        for layer in self.layer:
            h, probs = layer(h, attention_mask, output_attentions)
            if output_hidden_states:
                hidden += (h,)
            if output_attentions:
                attentions += (probs,)
        return h, hidden, attentions


class BertPooler(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states):
        return self.dense(hidden_states[:, 0]).tanh()


class BertPreTrainedModel(PreTrainedModel):
    config_class = BertConfig
    base_model_prefix = "bert"
    _keys_to_ignore_on_load_unexpected = (r"position_ids$",)

    def _init_weights(self, module):
        """transformers' BERT initialisation: N(0, initializer_range) weights, zero biases, LayerNorm γ=1 β=0."""
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            init.normal_(module.weight, 0.0, std)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, 0.0, std)
            if module.padding_idx is not None:
                module._fill_padding_idx_with_zero()
        elif isinstance(module, nn.LayerNorm):
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, BertLMPredictionHead):
            init.zeros_(module.bias)


class BertModel(BertPreTrainedModel):
    """The bare encoder: returns last_hidden_state (B, T, H) and pooler_output (B, H)."""

    def __init__(self, config, add_pooling_layer=True):
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.post_init()

    def get_input_embeddings(self):
        return self.embeddings.word_embeddings

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, inputs_embeds=None,
                output_attentions=None, output_hidden_states=None, return_dict=None, **kwargs):
        cfg = self.config
        if kwargs:
            raise TypeError(f"{type(self).__name__}.forward got unexpected arguments {sorted(kwargs)}")
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        input_ids, token_type_ids = _as_ids(input_ids, "input_ids"), _as_ids(token_type_ids, "token_type_ids")
        position_ids, attention_mask = _as_ids(position_ids, "position_ids"), _as_ids(attention_mask, "attention_mask")
        shape = tuple(input_ids.shape) if input_ids is not None else tuple(inputs_embeds.shape[:-1])
        if len(shape) != 2:
            raise ValueError(f"BertModel: expected input of shape (batch, sequence), got {shape} "
                             "(tokenizer(..., return_tensors='pt') gives that shape)")
        if shape[1] > cfg.max_position_embeddings and position_ids is None:
            raise ValueError(f"BertModel: the input has {shape[1]} tokens but the model takes at most "
                             f"{cfg.max_position_embeddings} (max_position_embeddings); truncate it, e.g. "
                             "tokenizer(text, truncation=True)")
        if input_ids is not None:
            _check_range(input_ids, cfg.vocab_size, "input_ids", f"the vocabulary has {cfg.vocab_size} tokens")
        for name, t in (("token_type_ids", token_type_ids), ("position_ids", position_ids),
                        ("attention_mask", attention_mask)):
            if t is not None and tuple(t.shape) != shape and not (name == "position_ids" and t.shape[-1] == shape[1]):
                raise ValueError(f"BertModel: {name} has shape {tuple(t.shape)}, expected {shape} like input_ids")
        if token_type_ids is not None:
            _check_range(token_type_ids, cfg.type_vocab_size, "token_type_ids",
                         f"type_vocab_size={cfg.type_vocab_size}")
        if position_ids is not None:
            _check_range(position_ids, cfg.max_position_embeddings, "position_ids",
                         f"max_position_embeddings={cfg.max_position_embeddings}")
        out_h = cfg.output_hidden_states if output_hidden_states is None else output_hidden_states
        out_a = cfg.output_attentions if output_attentions is None else output_attentions
        h = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)
        mask = None
        if attention_mask is not None and not bool((attention_mask == 1).all()):
            # (B, T) of 1/0 → additive (B, 1, 1, T): 0 kept, float32 min dropped (all ones: adding 0 is skipped)
            mask = ((1.0 - attention_mask.to(h.dtype)) * _MASK_MIN).reshape(shape[0], 1, 1, shape[1])
        h, hidden, attentions = self.encoder(h, mask, out_h, out_a)
        pooled = self.pooler(h) if self.pooler is not None else None
        out = BaseModelOutputWithPooling(last_hidden_state=h, pooler_output=pooled, hidden_states=hidden,
                                         attentions=attentions)
        return out if (cfg.return_dict if return_dict is None else return_dict) else out.to_tuple()


class BertForSequenceClassification(BertPreTrainedModel):
    """logits = classifier(dropout(pooler_output)) (B, num_labels); with `labels`, the loss is cross-entropy
    (int labels), MSE (num_labels == 1) or binary cross-entropy with logits (float multi-label targets)."""

    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, inputs_embeds=None,
                labels=None, return_dict=None, **kwargs):
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds, return_dict=True,
                        **kwargs)
        logits = self.classifier(self.dropout(out.pooler_output))
        loss = None if labels is None else self._loss(logits, _as_ids(labels, "labels"))
        res = SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=out.hidden_states,
                                       attentions=out.attentions)
        return res if (self.config.return_dict if return_dict is None else return_dict) else res.to_tuple()

    def _loss(self, logits, labels):
        cfg = self.config
        if cfg.problem_type is None:
            cfg.problem_type = ("regression" if self.num_labels == 1 else
                                "single_label_classification" if labels.dtype is _tl.int64 else
                                "multi_label_classification")
        if cfg.problem_type == "regression":
            return F.mse_loss(logits.reshape(-1), labels.to(logits.dtype).reshape(-1))
        if cfg.problem_type == "single_label_classification":
            labels = labels.reshape(-1)
            _check_range(labels, self.num_labels, "labels", f"num_labels={self.num_labels}")
            return F.cross_entropy(logits.reshape(-1, self.num_labels), labels)
        # multi-label: mean of max(x, 0) − x·y + log(1 + e^(−|x|)), the stable BCE-with-logits
        y = labels.to(logits.dtype)
        return (logits.relu() - logits * y + ((-logits.abs()).exp() + 1.0).log()).mean()


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = _activation(config.hidden_act)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states):
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        self.bias = self.decoder.bias  # one vector under two names, as in transformers

    def forward(self, hidden_states):
        return self.decoder(self.transform(hidden_states))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, sequence_output):
        return self.predictions(sequence_output)


class BertForMaskedLM(BertPreTrainedModel):
    """logits (B, T, vocab_size) over the vocabulary at every position; the output matrix is the word embedding
    matrix (tied). With `labels` (B, T), the loss is cross-entropy over positions whose label is not −100."""

    _keys_to_ignore_on_load_unexpected = (r"position_ids$", r"^bert\.pooler\.")
    _tied_weights_keys = {"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
                          "cls.predictions.decoder.bias": "cls.predictions.bias"}

    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    def tie_weights(self):
        head = self.cls.predictions
        if self.config.tie_word_embeddings:
            head.decoder.weight = self.bert.embeddings.word_embeddings.weight
        head.decoder.bias = head.bias

    def get_output_embeddings(self):
        return self.cls.predictions.decoder

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, inputs_embeds=None,
                labels=None, return_dict=None, **kwargs):
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds, return_dict=True,
                        **kwargs)
        logits = self.cls(out.last_hidden_state)
        loss = None
        if labels is not None:
            labels = _as_ids(labels, "labels")
            loss = F.cross_entropy(logits.reshape(-1, self.config.vocab_size), labels.reshape(-1), ignore_index=-100)
        res = MaskedLMOutput(loss=loss, logits=logits, hidden_states=out.hidden_states, attentions=out.attentions)
        return res if (self.config.return_dict if return_dict is None else return_dict) else res.to_tuple()
