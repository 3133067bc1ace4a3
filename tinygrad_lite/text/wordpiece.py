"""BERT's WordPiece tokenizer with Hugging Face's interface, on the `tokenizers` library.

The pipeline (what `tokenizers` runs, built here exactly as transformers builds it):
    normalise   BertNormalizer: drop control chars, split CJK ideographs apart, lower-case,
                strip accents (NFD, drop combining marks) when lower-casing unless told otherwise
    pre-split   BertPreTokenizer: on whitespace and around every punctuation character
    WordPiece   greedy longest-match-first: "unaffable" → una ##ffa ##ble; a word with no
                split in the vocabulary (or longer than 100 chars) → [UNK]
    template    [CLS] A [SEP] (type 0) and, for a pair, B [SEP] (type 1)

`tokenizer(text, padding=..., truncation=..., max_length=..., return_tensors="pt")` resolves
padding/truncation as transformers does (`_strategies`), sets them on the backend for the call
and returns a BatchEncoding.
"""
import json
import os
import warnings

import numpy as np
from tokenizers import AddedToken, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import WordPiece

from ..io.hub import resolve_model_dir
from .encoding import BatchEncoding, check_tensor_type

VERY_LARGE_INTEGER = int(1e30)  # transformers' "no limit" model_max_length
_SPECIAL_NAMES = ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
_TRUNCATION = {"longest_first": "longest_first", "only_first": "only_first", "only_second": "only_second"}
_PADDING = ("longest", "max_length", "do_not_pad")


def load_vocab(path):
    """vocab.txt: one token a line; its id is the line number."""
    with open(path, encoding="utf-8") as f:
        return {line.rstrip("\n"): i for i, line in enumerate(f)}


def clean_up_tokenization(text):
    """transformers' cleanup of decoded text: no space before . ? ! , and English contractions."""
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(a, b)
    return text


def _is_text(t):
    return isinstance(t, str)


def _is_batch(text, is_split_into_words):
    if is_split_into_words:
        return isinstance(text, (list, tuple)) and len(text) > 0 and isinstance(text[0], (list, tuple))
    return isinstance(text, (list, tuple))


def _check_text(text, what):
    ok = _is_text(text) or (isinstance(text, (list, tuple)) and all(
        _is_text(t) or (isinstance(t, (list, tuple)) and all(_is_text(w) for w in t)) for t in text))
    if not ok:
        raise ValueError(f"{what} must be a str (one example), a list of str (a batch, or one pre-split example "
                         f"with is_split_into_words=True) or a list of lists of str; got {type(text).__name__}")


class BertTokenizer:
    """WordPiece tokenizer of BERT (transformers.BertTokenizer / BertTokenizerFast).

    Build one from a model directory with `BertTokenizer.from_pretrained(dir_or_cached_name)`: the vocabulary
    comes from tokenizer.json (or vocab.txt), the options (do_lower_case, tokenize_chinese_chars,
    strip_accents, model_max_length, special tokens) from tokenizer_config.json."""

    model_input_names = ["input_ids", "token_type_ids", "attention_mask"]
    vocab_files_names = {"vocab_file": "vocab.txt", "tokenizer_file": "tokenizer.json"}

    def __init__(self, vocab_file=None, tokenizer_file=None, do_lower_case=True, unk_token="[UNK]",
                 sep_token="[SEP]", pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]",
                 tokenize_chinese_chars=True, strip_accents=None, model_max_length=None, padding_side="right",
                 truncation_side="right", clean_up_tokenization_spaces=False, vocab=None, name_or_path="",
                 **kwargs):
        if padding_side not in ("right", "left") or truncation_side not in ("right", "left"):
            raise ValueError(f"padding_side and truncation_side must be 'right' or 'left', got {padding_side!r}, "
                             f"{truncation_side!r}")
        self.do_lower_case = do_lower_case
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        self.model_max_length = VERY_LARGE_INTEGER if model_max_length is None else int(model_max_length)
        self.padding_side, self.truncation_side = padding_side, truncation_side
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.name_or_path = name_or_path
        self.pad_token_type_id = 0
        for name, tok in zip(_SPECIAL_NAMES, (unk_token, sep_token, pad_token, cls_token, mask_token)):
            setattr(self, name, None if tok is None else str(tok.get("content") if isinstance(tok, dict) else tok))
        self._warned_long = False

        file_json = None
        if tokenizer_file is not None:
            with open(tokenizer_file, encoding="utf-8") as f:
                file_json = json.load(f)
            if file_json.get("model", {}).get("type") != "WordPiece":
                raise ValueError(f"{tokenizer_file}: expected a WordPiece model, got "
                                 f"{file_json.get('model', {}).get('type')!r}")
            vocab = file_json["model"]["vocab"]
        elif vocab is None and vocab_file is not None:
            vocab = load_vocab(vocab_file)
        if not vocab:
            raise ValueError("BertTokenizer needs a vocabulary: vocab_file (vocab.txt), tokenizer_file "
                             "(tokenizer.json) or vocab (a dict token -> id)")
        if self.unk_token not in vocab:
            raise ValueError(f"the unknown token {self.unk_token!r} is not in the vocabulary")
        model_json = (file_json or {}).get("model", {})
        # the same backend transformers builds: options from the config, template from tokenizer.json
        tok = Tokenizer(WordPiece(vocab, unk_token=self.unk_token,
                                  max_input_chars_per_word=model_json.get("max_input_chars_per_word", 100)))
        tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=tokenize_chinese_chars,
                                                    strip_accents=strip_accents, lowercase=do_lower_case)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece(prefix="##")
        if file_json is not None and file_json.get("post_processor"):
            tok.post_processor = _post_processor(file_json)
        else:
            tok.post_processor = processors.TemplateProcessing(
                single=f"{self.cls_token}:0 $A:0 {self.sep_token}:0",
                pair=f"{self.cls_token}:0 $A:0 {self.sep_token}:0 $B:1 {self.sep_token}:1",
                special_tokens=[(self.cls_token, vocab[self.cls_token]), (self.sep_token, vocab[self.sep_token])])
        added = [AddedToken(t["content"], single_word=t.get("single_word", False), lstrip=t.get("lstrip", False),
                            rstrip=t.get("rstrip", False), normalized=t.get("normalized", False),
                            special=t.get("special", True))
                 for t in sorted((file_json or {}).get("added_tokens", []), key=lambda t: t["id"])]
        have = {str(a.content) for a in added}
        added += [AddedToken(t, special=True, normalized=False) for t in self._special_tokens() if t not in have]
        tok.add_special_tokens(added)
        self._tokenizer = tok

    # ---- construction ------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *inputs, revision=None, cache_dir=None, **kwargs):
        """Load from a local model directory, or a model name found in the Hugging Face cache (offline).

        Reads tokenizer.json (preferred) or vocab.txt, and tokenizer_config.json / special_tokens_map.json;
        keyword arguments override the files' settings."""
        path = resolve_model_dir(pretrained_model_name_or_path, revision=revision, cache_dir=cache_dir)
        config = {}
        for name in ("special_tokens_map.json", "tokenizer_config.json"):
            fn = os.path.join(path, name)
            if os.path.isfile(fn):
                with open(fn, encoding="utf-8") as f:
                    try:
                        config.update(json.load(f))
                    except json.JSONDecodeError as e:
                        raise ValueError(f"{fn} is not valid JSON: {e}") from None
        for key in ("tokenizer_class", "name_or_path", "added_tokens_decoder", "auto_map", "special_tokens_map_file",
                    "never_split", "do_basic_tokenize", "max_length", "stride", "truncation_strategy"):
            config.pop(key, None)
        config.update(kwargs)
        files = {k: os.path.join(path, v) for k, v in cls.vocab_files_names.items()
                 if os.path.isfile(os.path.join(path, v))}
        if not files:
            raise OSError(f"{path} has no tokenizer files (vocab.txt or tokenizer.json)")
        if "tokenizer_file" in files:  # tokenizer.json holds the same vocabulary, and the template
            files.pop("vocab_file", None)
        return cls(**files, name_or_path=os.fspath(pretrained_model_name_or_path), **config)

    def save_pretrained(self, save_directory):
        """Write tokenizer.json, vocab.txt, tokenizer_config.json and special_tokens_map.json
        (readable by transformers' BertTokenizer.from_pretrained and ours)."""
        os.makedirs(save_directory, exist_ok=True)
        self._tokenizer.save(os.path.join(save_directory, "tokenizer.json"))
        vocab = sorted(self.get_vocab().items(), key=lambda kv: kv[1])
        with open(os.path.join(save_directory, "vocab.txt"), "w", encoding="utf-8") as f:
            f.writelines(tok + "\n" for tok, _ in vocab)
        specials = {n: getattr(self, n) for n in _SPECIAL_NAMES if getattr(self, n) is not None}
        config = dict(specials, do_lower_case=self.do_lower_case, tokenize_chinese_chars=self.tokenize_chinese_chars,
                      strip_accents=self.strip_accents, model_max_length=self.model_max_length,
                      padding_side=self.padding_side, truncation_side=self.truncation_side,
                      clean_up_tokenization_spaces=self.clean_up_tokenization_spaces, tokenizer_class="BertTokenizer")
        for name, obj in (("tokenizer_config.json", config), ("special_tokens_map.json", specials)):
            with open(os.path.join(save_directory, name), "w", encoding="utf-8") as f:
                json.dump(obj, f, indent=2, ensure_ascii=False)
        return tuple(os.path.join(save_directory, n) for n in
                     ("tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "tokenizer.json"))

    # ---- vocabulary --------------------------------------------------------------------------------------
    def _special_tokens(self):
        return [getattr(self, n) for n in _SPECIAL_NAMES if getattr(self, n) is not None]

    @property
    def backend_tokenizer(self):
        return self._tokenizer

    @property
    def vocab_size(self):
        """Size of the base vocabulary (without added tokens)."""
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def __len__(self):
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def get_vocab(self):
        return self._tokenizer.get_vocab(with_added_tokens=True)

    @property
    def vocab(self):
        return self.get_vocab()

    @property
    def all_special_tokens(self):
        return self._special_tokens()

    @property
    def all_special_ids(self):
        return [self._tokenizer.token_to_id(t) for t in self._special_tokens()]

    def __getattr__(self, name):
        # unk_token_id, sep_token_id, pad_token_id, cls_token_id, mask_token_id
        if name.endswith("_token_id") and name[:-3] in _SPECIAL_NAMES:
            tok = self.__dict__.get(name[:-3])
            return None if tok is None else self._tokenizer.token_to_id(tok)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def convert_tokens_to_ids(self, tokens):
        """Token (str) → id; unknown tokens give the [UNK] id. A list gives a list."""
        if isinstance(tokens, str):
            i = self._tokenizer.token_to_id(tokens)
            return self.unk_token_id if i is None else i
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(self, ids, skip_special_tokens=False):
        """Id → token (str). A list gives a list; ids outside the vocabulary raise IndexError."""
        if isinstance(ids, (int, np.integer)):
            return self._id_to_token(int(ids))
        special = set(self.all_special_ids) if skip_special_tokens else ()
        return [self._id_to_token(int(i)) for i in _as_id_list(ids) if int(i) not in special]

    def _id_to_token(self, i):
        tok = self._tokenizer.id_to_token(i)
        if tok is None:
            raise IndexError(f"token id {i} is outside the vocabulary (size {len(self)})")
        return tok

    def convert_tokens_to_string(self, tokens):
        return self._tokenizer.decoder.decode(list(tokens))

    def tokenize(self, text, pair=None, add_special_tokens=False, **kwargs):
        """The WordPiece tokens of `text` (strings), without [CLS]/[SEP] unless add_special_tokens=True."""
        return self._tokenizer.encode(text, pair, add_special_tokens=add_special_tokens).tokens

    def num_special_tokens_to_add(self, pair=False):
        return self._tokenizer.post_processor.num_special_tokens_to_add(pair)

    # ---- encoding ----------------------------------------------------------------------------------------
    def _strategies(self, padding, truncation, max_length, pad_to_multiple_of, verbose):
        """(padding, truncation, max_length) resolved as transformers does."""
        if max_length is not None and padding is False and truncation is None:
            truncation = "longest_first"  # a max_length alone means: truncate to it
        if padding is True:
            if verbose and max_length is not None and truncation in (None, False, "do_not_truncate"):
                warnings.warn("`max_length` is ignored when `padding`=`True` and there is no truncation strategy. "
                              "To pad to max length, use `padding='max_length'`.", stacklevel=3)
            padding = "longest"
        elif padding is False or padding is None:
            padding = "do_not_pad"
        elif padding not in _PADDING:
            raise ValueError(f"padding must be True/False or one of {_PADDING}, got {padding!r}")
        if truncation is True:
            truncation = "longest_first"
        elif truncation in (False, None, "do_not_truncate"):
            truncation = None
        elif truncation not in _TRUNCATION:
            raise ValueError(f"truncation must be True/False or one of {list(_TRUNCATION) + ['do_not_truncate']}, "
                             f"got {truncation!r}")
        if max_length is None:
            if padding == "max_length":
                if self.model_max_length > VERY_LARGE_INTEGER // 2:
                    padding = "do_not_pad"
                else:
                    max_length = self.model_max_length
            if truncation is not None:
                if self.model_max_length > VERY_LARGE_INTEGER // 2:
                    truncation = None
                else:
                    max_length = self.model_max_length
        if max_length is not None and (not isinstance(max_length, (int, np.integer)) or max_length < 0):
            raise ValueError(f"max_length must be a non-negative int, got {max_length!r}")
        if padding != "do_not_pad" and self.pad_token_id is None:
            raise ValueError("Asking to pad but the tokenizer has no padding token (pad_token)")
        if (truncation is not None and padding != "do_not_pad" and pad_to_multiple_of is not None
                and max_length is not None and max_length % pad_to_multiple_of != 0):
            raise ValueError(f"Truncation and padding are both activated but truncation length ({max_length}) is not "
                             f"a multiple of pad_to_multiple_of ({pad_to_multiple_of}).")
        return padding, truncation, max_length

    def _configure(self, padding, truncation, max_length, stride, pad_to_multiple_of, padding_side):
        tok = self._tokenizer
        if truncation is None:
            tok.no_truncation()
        else:
            tok.enable_truncation(max_length, stride=stride, strategy=truncation, direction=self.truncation_side)
        if padding == "do_not_pad":
            tok.no_padding()
        else:
            side = padding_side or self.padding_side
            if side not in ("right", "left"):
                raise ValueError(f"padding_side must be 'right' or 'left', got {side!r}")
            tok.enable_padding(direction=side, pad_id=self.pad_token_id, pad_type_id=self.pad_token_type_id,
                               pad_token=self.pad_token, length=max_length if padding == "max_length" else None,
                               pad_to_multiple_of=pad_to_multiple_of)

    def __call__(self, text=None, text_pair=None, add_special_tokens=True, padding=False, truncation=None,
                 max_length=None, stride=0, is_split_into_words=False, pad_to_multiple_of=None, padding_side=None,
                 return_tensors=None, return_token_type_ids=None, return_attention_mask=None,
                 return_overflowing_tokens=False, return_special_tokens_mask=False, return_offsets_mapping=False,
                 return_length=False, verbose=True, **kwargs):
        """Tokenize one text, a batch of texts, or (batches of) sentence pairs into model inputs.

        Returns a BatchEncoding with input_ids, token_type_ids (0 for the first sentence, 1 for the second)
        and attention_mask (1 for real tokens, 0 for padding); lists for one text (lists of lists for a batch)
        or, with return_tensors="pt"/"np", (batch, seq) int64 tensors / arrays."""
        if text is None:
            raise ValueError("You need to specify `text` (a string or a list of strings) to tokenize")
        if kwargs:
            raise TypeError(f"{type(self).__name__}.__call__ got unexpected keyword arguments {sorted(kwargs)}")
        check_tensor_type(return_tensors)
        _check_text(text, "text")
        if text_pair is not None:
            _check_text(text_pair, "text_pair")
        batched = _is_batch(text, is_split_into_words)
        if batched:
            if isinstance(text_pair, str):
                raise TypeError("when tokenizing a batch, text_pair must be a list as long as text")
            if text_pair is not None and len(text) != len(text_pair):
                raise ValueError(f"batch length of `text`: {len(text)} does not match batch length of "
                                 f"`text_pair`: {len(text_pair)}.")
            inputs = list(zip(text, text_pair)) if text_pair is not None else list(text)
        else:
            inputs = [(text, text_pair)] if text_pair is not None else [text]
        padding, truncation, max_length = self._strategies(padding, truncation, max_length, pad_to_multiple_of,
                                                           verbose)
        self._configure(padding, truncation, max_length, stride, pad_to_multiple_of, padding_side)
        try:
            encodings = self._tokenizer.encode_batch(inputs, add_special_tokens=add_special_tokens,
                                                     is_pretokenized=is_split_into_words)
        except Exception as e:  # tokenizers raises its own Exception type (e.g. truncation impossible)
            raise ValueError(f"{type(self).__name__}: {e}") from None
        want_types = return_token_type_ids is None or return_token_type_ids
        want_mask = return_attention_mask is None or return_attention_mask
        data = {"input_ids": []}
        if want_types:
            data["token_type_ids"] = []
        if want_mask:
            data["attention_mask"] = []
        for key, on in (("special_tokens_mask", return_special_tokens_mask), ("offset_mapping", return_offsets_mapping),
                        ("length", return_length), ("overflow_to_sample_mapping", return_overflowing_tokens)):
            if on:
                data[key] = []
        flat = []
        for sample, enc in enumerate(encodings):
            for e in [enc] + (list(enc.overflowing) if return_overflowing_tokens else []):
                flat.append(e)
                data["input_ids"].append(e.ids)
                if want_types:
                    data["token_type_ids"].append(e.type_ids)
                if want_mask:
                    data["attention_mask"].append(e.attention_mask)
                if return_special_tokens_mask:
                    data["special_tokens_mask"].append(e.special_tokens_mask)
                if return_offsets_mapping:
                    data["offset_mapping"].append(e.offsets)
                if return_length:
                    data["length"].append(len(e.ids))
                if return_overflowing_tokens:
                    data["overflow_to_sample_mapping"].append(sample)
        if verbose:
            self._warn_if_too_long(data["input_ids"], truncation)
        if not batched and return_tensors is None and not return_overflowing_tokens:
            # one text: drop the batch level of each row-valued field (a "length" stays a list, as in transformers)
            data = {k: (v[0] if v and isinstance(v[0], list) else v) for k, v in data.items()}
        return BatchEncoding(data, flat, tensor_type=return_tensors)

    def _warn_if_too_long(self, rows, truncation):
        if truncation is not None or self._warned_long:
            return
        longest = max((len(r) for r in rows), default=0)
        if longest > self.model_max_length:
            self._warned_long = True
            warnings.warn(f"Token indices sequence length is longer than the specified maximum sequence length for "
                          f"this model ({longest} > {self.model_max_length}). Running this sequence through the "
                          "model will result in indexing errors (pass truncation=True to cut it)", stacklevel=3)

    def encode(self, text, text_pair=None, add_special_tokens=True, padding=False, truncation=None, max_length=None,
               return_tensors=None, **kwargs):
        """The input ids of one text (or pair): a list, or a (1, seq) tensor with return_tensors."""
        out = self(text, text_pair, add_special_tokens=add_special_tokens, padding=padding, truncation=truncation,
                   max_length=max_length, return_tensors=return_tensors, **kwargs)
        return out["input_ids"]

    encode_plus = __call__

    def batch_encode_plus(self, batch_text_or_text_pairs, **kwargs):
        pairs = [t for t in batch_text_or_text_pairs if isinstance(t, tuple)]
        if pairs and len(pairs) == len(batch_text_or_text_pairs):
            a, b = zip(*batch_text_or_text_pairs)
            return self(list(a), list(b), **kwargs)
        return self(list(batch_text_or_text_pairs), **kwargs)

    def pad(self, encoded_inputs, padding=True, max_length=None, pad_to_multiple_of=None, padding_side=None,
            return_attention_mask=None, return_tensors=None):
        """Pad already-encoded rows (a dict of lists of rows, or a list of such dicts) to a common length,
        as a data collator does: input_ids with [PAD], token_type_ids with 0, attention_mask with 0."""
        check_tensor_type(return_tensors)
        if isinstance(encoded_inputs, (list, tuple)):
            keys = encoded_inputs[0].keys() if encoded_inputs else ["input_ids"]
            encoded_inputs = {k: [row[k] for row in encoded_inputs] for k in keys}
        rows = {k: [list(_as_id_list(r)) for r in v] for k, v in encoded_inputs.items()}
        if "input_ids" not in rows:
            raise ValueError(f"pad: expected input_ids among the keys, got {list(rows)}")
        if return_attention_mask is None or return_attention_mask:
            rows.setdefault("attention_mask", [[1] * len(r) for r in rows["input_ids"]])
        longest = max((len(r) for r in rows["input_ids"]), default=0)
        if padding in (True, "longest"):
            target = longest
        elif padding == "max_length":
            target = max_length if max_length is not None else self.model_max_length
        elif padding in (False, None, "do_not_pad"):
            return BatchEncoding(rows, tensor_type=return_tensors)
        else:
            raise ValueError(f"pad: padding must be True/False, 'longest' or 'max_length', got {padding!r}")
        if pad_to_multiple_of:
            target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
        fill = {"input_ids": self.pad_token_id, "token_type_ids": self.pad_token_type_id, "attention_mask": 0,
                "special_tokens_mask": 1}
        left = (padding_side or self.padding_side) == "left"
        for k, v in rows.items():
            if k in fill:
                rows[k] = [([fill[k]] * (target - len(r)) + r) if left else (r + [fill[k]] * (target - len(r)))
                           for r in v]
        return BatchEncoding(rows, tensor_type=return_tensors)

    # ---- decoding ----------------------------------------------------------------------------------------
    def decode(self, token_ids, skip_special_tokens=False, clean_up_tokenization_spaces=None, **kwargs):
        """Ids → text: WordPiece pieces joined (## glued to the previous piece), special tokens kept unless
        skip_special_tokens=True. Accepts an int, a list, a numpy array or a 1-D tensor."""
        if isinstance(token_ids, dict):
            token_ids = token_ids["input_ids"]
        ids = [int(i) for i in _as_id_list(token_ids)]
        bad = [i for i in ids if not 0 <= i < len(self)]
        if bad:
            raise IndexError(f"decode: token ids {bad[:5]} are outside the vocabulary (size {len(self)})")
        text = self._tokenizer.decode(ids, skip_special_tokens=skip_special_tokens)
        clean = self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces
        return clean_up_tokenization(text) if clean else text

    def batch_decode(self, sequences, skip_special_tokens=False, clean_up_tokenization_spaces=None, **kwargs):
        """decode() of each row of a list of lists / a 2-D array or tensor."""
        if hasattr(sequences, "tolist"):
            sequences = sequences.tolist()
        return [self.decode(s, skip_special_tokens, clean_up_tokenization_spaces) for s in sequences]

    def __repr__(self):
        return (f"{type(self).__name__}(name_or_path={self.name_or_path!r}, vocab_size={self.vocab_size}, "
                f"model_max_length={self.model_max_length}, do_lower_case={self.do_lower_case}, "
                f"padding_side={self.padding_side!r}, truncation_side={self.truncation_side!r})")


def _post_processor(file_json):
    """The tokenizer.json's post-processor, as a tokenizers object (via a minimal tokenizer with no vocabulary)."""
    minimal = dict(file_json, added_tokens=[], model=dict(file_json["model"], vocab={}))
    minimal.pop("truncation", None)
    minimal.pop("padding", None)
    return Tokenizer.from_str(json.dumps(minimal)).post_processor


def _as_id_list(ids):
    """An int, list, numpy array or tinygrad_lite tensor of ids → a flat Python list."""
    if isinstance(ids, (int, np.integer)):
        return [int(ids)]
    if hasattr(ids, "tolist"):
        ids = ids.tolist()
        return [ids] if isinstance(ids, int) else ids
    return list(ids)


BertTokenizerFast = BertTokenizer
