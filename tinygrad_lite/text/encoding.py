"""BatchEncoding: what a tokenizer call returns (Hugging Face's shape) — a dict of input_ids,
token_type_ids, attention_mask ... with attribute access, so `model(**inputs)` and
`inputs.input_ids` both work; `return_tensors` picks lists, numpy arrays ("np") or tinygrad_lite
tensors ("pt")."""
import numpy as np

_TENSOR_TYPES = (None, "np", "pt")


def check_tensor_type(return_tensors):
    if return_tensors not in _TENSOR_TYPES:
        raise ValueError(f"return_tensors must be one of 'pt' (tinygrad_lite tensors), 'np' (numpy) or None (lists), "
                         f"got {return_tensors!r}")
    return return_tensors


def _to_array(key, value):
    try:
        return np.asarray(value, dtype=np.int64)
    except ValueError:
        raise ValueError(
            f"Unable to create tensor from {key!r}: its sequences have different lengths. Activate padding "
            "(padding=True or padding='max_length') and/or truncation (truncation=True) to get equal lengths."
        ) from None


class BatchEncoding(dict):
    """dict of model inputs. `encodings` keeps the `tokenizers.Encoding` objects (tokens, offsets, word ids)."""

    def __init__(self, data=None, encodings=None, tensor_type=None):
        super().__init__(data or {})
        self._encodings = encodings
        if tensor_type is not None:
            self.convert_to_tensors(tensor_type)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no field {name!r} (it has {list(self)})") from None

    def __getstate__(self):
        return {"data": dict(self), "encodings": self._encodings}

    def __setstate__(self, state):
        self.update(state["data"])
        self._encodings = state["encodings"]

    @property
    def encodings(self):
        return self._encodings

    def tokens(self, batch_index=0):
        return self._encodings[batch_index].tokens

    def word_ids(self, batch_index=0):
        return self._encodings[batch_index].word_ids

    def sequence_ids(self, batch_index=0):
        return self._encodings[batch_index].sequence_ids

    def convert_to_tensors(self, tensor_type):
        """Turn every list into an int64 numpy array ("np") or tinygrad_lite tensor ("pt"), in place."""
        check_tensor_type(tensor_type)
        if tensor_type is None:
            return self
        for key, value in list(self.items()):
            if key == "offset_mapping":
                arr = np.asarray(value, dtype=np.int64)
            else:
                arr = value if isinstance(value, np.ndarray) else _to_array(key, value)
            if tensor_type == "pt":
                import tinygrad_lite as _tl

                arr = _tl.from_numpy(np.ascontiguousarray(arr, dtype=np.int64))
            self[key] = arr
        return self

    def to(self, device):
        """Move every tensor to `device` (HF's inputs.to(device))."""
        for key, value in self.items():
            if hasattr(value, "to") and not isinstance(value, np.ndarray):
                self[key] = value.to(device)
        return self
