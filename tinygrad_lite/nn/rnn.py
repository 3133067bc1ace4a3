"""Recurrent layers with torch.nn's names, parameters and state_dict keys: RNN, LSTM, GRU and
their cells. Per layer l and direction (suffix '' or '_reverse'): weight_ih_l{l} (G, I),
weight_hh_l{l} (G, H), bias_ih_l{l} (G,), bias_hh_l{l} (G,), every one ~ U(−1/√H, 1/√H);
G = H (RNN), 4H (LSTM: gates i, f, g, o), 3H (GRU: r, z, n).

One step, with x the input and h (c) the state:
    RNN   h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)            (or relu)
    LSTM  i, f, g, o = σ, σ, tanh, σ of the four chunks of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
          c' = f·c + i·g,   h' = o·tanh(c')
    GRU   r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n)  (x_·, h_·: chunks of
          x·W_ihᵀ + b_ih and h·W_hhᵀ + b_hh),   h' = (1 − z)·n + z·h
The input projections of all time steps are one matmul per layer; only h·W_hhᵀ runs per step.
Sequences of different lengths (a PackedSequence) are run padded, with each sequence's state
frozen past its end, so the final states are those at each sequence's own last step.
"""
import math

import tinygrad_lite as _tl

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence, pad_packed_sequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cell_step(mode, gi, h, c, w_hh, b_hh):
    """One step from the input projection gi = x·W_ihᵀ + b_ih: (h', c')."""
    gh = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = (gi + gh).chunk(4, -1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c
    if mode == "GRU":
        xr, xz, xn = gi.chunk(3, -1)
        hr, hz, hn = gh.chunk(3, -1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return (1 - z) * n + z * h, None
    pre = gi + gh
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (torch.nn.RNNBase)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError("hidden_size and num_layers must be greater than 0")
        if proj_size:
            raise NotImplementedError("LSTM proj_size is not supported")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gate = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                in_size = input_size if layer == 0 else hidden_size * dirs
                names = [("weight_ih" + suffix, (gate, in_size)), ("weight_hh" + suffix, (gate, hidden_size))]
                if bias:
                    names += [("bias_ih" + suffix, (gate,)), ("bias_hh" + suffix, (gate,))]
                for name, shape in names:
                    setattr(self, name, Parameter(_tl.empty(*shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in self._flat_weights_names if n.endswith(f"_l{layer}" + s)]
                for layer in range(self.num_layers) for s in ([""] + (["_reverse"] if self.bidirectional else []))]

    def flatten_parameters(self):
        """cuDNN's weight packing in torch; nothing to do here."""

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    def _weights(self, layer, reverse):
        s = f"_l{layer}" + ("_reverse" if reverse else "")
        get = lambda n: getattr(self, n + s) if self.bias or not n.startswith("bias") else None  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _run_direction(self, x, h, c, layer, reverse, keep):
        """x (T, B, I) → outputs (T, B, H), final h, c. keep[t] (B, 1) is 1 where step t is within the
        sequence (None: all are): elsewhere the state is carried unchanged and the output is 0."""
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, reverse)
        gi_all = F.linear(x, w_ih, b_ih)  # (T, B, G): every step's input projection in one matmul
        T = x.shape[0]
        outs = [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            h2, c2 = _cell_step(self.mode, gi_all[t], h, c, w_hh, b_hh)
            if keep is not None:
                m = keep[t]
                h2 = h2 * m + h * (1 - m)
                if c2 is not None:
                    c2 = c2 * m + c * (1 - m)
                outs[t] = h2 * m
            else:
                outs[t] = h2
            h, c = h2, c2
        return _tl.stack(outs, 0), h, c

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            x, lengths = pad_packed_sequence(input)
            batched = True
        else:
            batched = input.dim() == 3
            if input.dim() not in (2, 3):
                raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            lengths = None
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{x.shape[-1]}")
        T, B = x.shape[0], x.shape[1]
        dirs = 2 if self.bidirectional else 1
        h0, c0 = self._initial_state(hx, B, batched, x)
        keep = None
        if lengths is not None:
            steps = _tl.arange(T, device=x.device).reshape(T, 1, 1)
            keep = (steps < lengths.to(x.device).reshape(1, B, 1)).to(x.dtype)
        hs, cs = [], []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                o, h, c = self._run_direction(layer_in, h0[k], None if c0 is None else c0[k], layer, d == 1, keep)
                outs.append(o)
                hs.append(h)
                cs.append(c)
            layer_in = outs[0] if dirs == 1 else _tl.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        out, h_n = layer_in, _tl.stack(hs, 0)
        c_n = _tl.stack(cs, 0) if self.mode == "LSTM" else None
        if packed:
            out = _repack(out, input)
        elif not batched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, ((h_n, c_n) if self.mode == "LSTM" else h_n)

    def _initial_state(self, hx, B, batched, x):
        dirs = 2 if self.bidirectional else 1
        shape = (self.num_layers * dirs, B, self.hidden_size)
        if hx is None:
            z = _tl.zeros(*shape, dtype=x.dtype, device=x.device)
            return z, (z if self.mode == "LSTM" else None)
        hs = hx if self.mode == "LSTM" else (hx, None)
        if self.mode == "LSTM" and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
        out = []
        for s in hs:
            if s is None:
                out.append(None)
                continue
            s = s if batched else s.unsqueeze(1)
            if tuple(s.shape) != shape:
                raise RuntimeError(f"Expected hidden size {shape}, got {tuple(s.shape)}")
            out.append(s)
        return out[0], out[1]


def _repack(out, like):
    """The padded output (T, B, *) packed with the same layout as the PackedSequence `like`."""
    from .utils.rnn import _pack_rows

    sizes = [int(v) for v in like.batch_sizes.tolist()]
    order = list(range(sizes[0])) if like.sorted_indices is None else [int(v) for v in like.sorted_indices.tolist()]
    return PackedSequence(_pack_rows(out, order, sizes), like.batch_sizes, like.sorted_indices, like.unsorted_indices)


class RNN(RNNBase):
    """Elman RNN: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (nonlinearity='relu': relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o; c' = f·c + i·g, h' = o·tanh(c'). forward returns
    (output, (h_n, c_n))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit: r, z gates; n = tanh(x_n + r·h_n); h' = (1 − z)·n + z·h."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)


class _CellBase(Module):
    def __init__(self, mode, input_size, hidden_size, bias, device, dtype):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        gate = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(_tl.empty(gate, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(_tl.empty(gate, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_tl.empty(gate, device=device, dtype=dtype))
            self.bias_hh = Parameter(_tl.empty(gate, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _step(self, input, hx, cx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        zeros = _tl.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        h = zeros if hx is None else (hx if batched else hx.unsqueeze(0))
        c = None if self.mode != "LSTM" else (zeros if cx is None else (cx if batched else cx.unsqueeze(0)))
        gi = F.linear(x, self.weight_ih, self.bias_ih)
        h2, c2 = _cell_step(self.mode, gi, h, c, self.weight_hh, self.bias_hh)
        if not batched:
            h2 = h2.squeeze(0)
            c2 = c2.squeeze(0) if c2 is not None else None
        return h2, c2


class RNNCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias, device,
                         dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)[0]


class LSTMCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        return self._step(input, h, c)


class GRUCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)[0]


__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]
