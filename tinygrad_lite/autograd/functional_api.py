"""torch.autograd.grad and torch.autograd.backward: gradients of several outputs at once,
returned (grad) or accumulated (backward), first order on native Arrays or, with
create_graph=True, as Tensors that carry a graph of their own (engine.backward_graph)."""
from . import engine


def _as_tuple(x):
    if x is None:
        return None
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _seeds(outputs, grad_outputs, op):
    """One seed Tensor per output: the given one, or ones for a scalar output."""
    outputs = _as_tuple(outputs)
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs")
    seeds = []
    for o, g in zip(outputs, grad_outputs):
        T = o._tensor_cls
        if not o.requires_grad:
            raise RuntimeError(f"{op}: element {len(seeds)} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if o.numel() != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs (got shape "
                                   f"{tuple(o.shape)}); pass grad_outputs")
            g = T._wrap(o._device.backend.full(list(o._data.shape), 1.0, o._data.dtype), o._device)
        elif not isinstance(g, T):
            g = T(g, dtype=o.dtype, device=o.device)
        if tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(f"{op}: Mismatch in shape: grad_output has a shape of {tuple(g.shape)} and output has a "
                               f"shape of {tuple(o.shape)}")
        seeds.append(g)
    return outputs, tuple(seeds)


def _run(outputs, seeds, retain_graph, create_graph, capture):
    if create_graph:
        return engine.backward_graph(outputs, seeds, retain_graph=retain_graph, capture=capture)
    got = engine.backward_many(outputs, [s._data for s in seeds], retain_graph=retain_graph, capture=capture)
    if capture is None:
        return None
    T = outputs[0]._tensor_cls
    return {k: T._wrap(a if a.is_contiguous() else capture[k]._device.backend.contiguous(a), capture[k]._device)
            for k, a in got.items()}


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """(∂Σ⟨outputs, grad_outputs⟩/∂input for each input), without touching any .grad.
    create_graph=True returns gradients that can be differentiated again; retain_graph
    defaults to create_graph. An input the outputs do not depend on raises unless
    allow_unused (then None, or zeros with materialize_grads)."""
    if is_grads_batched:
        raise NotImplementedError("autograd.grad: is_grads_batched=True is not supported")
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    outputs, seeds = _seeds(outputs, grad_outputs, "autograd.grad")
    if retain_graph is None:
        retain_graph = create_graph
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    capture = {id(t): t for t in inputs}
    got = _run(outputs, seeds, retain_graph, create_graph, capture)
    result = []
    for t in inputs:
        g = got.get(id(t))
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = t._tensor_cls._wrap(t._device.backend.full(list(t.shape), 0.0, t._data.dtype), t._device)
        result.append(g)
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate the gradients of Σ⟨tensors, grad_tensors⟩ into the leaves' .grad (or, with
    inputs=[...], into those tensors' .grad only)."""
    outputs, seeds = _seeds(tensors, grad_tensors if grad_tensors is not None else grad_variables,
                            "autograd.backward")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        _run(outputs, seeds, retain_graph, create_graph, None)
        return
    inputs = _as_tuple(inputs)
    got = _run(outputs, seeds, retain_graph, create_graph, {id(t): t for t in inputs})
    for t in inputs:
        g = got.get(id(t))
        if g is None:
            continue
        if create_graph:
            t.grad = g if t.grad is None else t.grad + g
        else:
            engine._accumulate_leaf(t, g._data)
