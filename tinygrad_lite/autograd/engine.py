"""Reverse-mode differentiation: order the graph, then run each node's backward once.

For an output L and a node y = f(x1, ..., xk), the chain rule
    ∂L/∂xi += ∂L/∂y · ∂y/∂xi
is applied to every node in reverse topological order, so each node's gradient is complete
(all its consumers have contributed) before it is pushed to its inputs. A node used twice
(`x*x`) simply receives two contributions. The order is found with an explicit stack, so a
chain of 100,000 ops needs no recursion.
"""
from . import function as _function


def _topo_order(root):
    """Nodes (tensors with a _ctx) reachable from root, each after all of its inputs."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        for p in t._ctx.parents:
            if p._ctx is not None and id(p) not in visited:
                stack.append((p, False))
    return order


def _accumulate_leaf(t, g):
    """Leaf gradient: t.grad = g, or t.grad += g when it already holds one (accumulation)."""
    B = t._device.backend
    if not g.is_contiguous():  # e.g. the expanded view a sum's backward returns
        g = B.contiguous(g)
    if t.grad is None:
        t.grad = _function._wrap(g, t._device)
    else:
        t.grad._data = B.add(t.grad._data, g)


def clear_grad(t, set_to_none=True):
    """Forget t.grad (set_to_none, torch's default) or zero it in place; used by
    Module.zero_grad and Optimizer.zero_grad."""
    g = t.grad
    if g is None:
        return
    if set_to_none:
        t.grad = None
        return
    if g.requires_grad:  # a grad with history: cut it first
        g = g.detach()
        t.grad = g
    g.zero_()


def backward(root, grad, retain_graph=False):
    """Accumulate ∂root/∂leaf into every leaf's .grad. `grad` is the seed ∂L/∂root (an Array)."""
    if root._ctx is None:
        if root.requires_grad:  # the seed is the caller's array: keep our own copy
            _accumulate_leaf(root, root._device.backend.clone(grad))
        return
    order = _topo_order(root)
    grads = {id(root): grad}
    pop = grads.pop
    for t in reversed(order):
        g = pop(id(t), None)
        if g is None:
            continue
        ctx = t._ctx
        if ctx.freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward(). Specify retain_graph=True if you need to backward through "
                f"the graph a second time. (node: {ctx.name})"
            )
        if t._retains_grad:
            _accumulate_leaf(t, g)
        in_grads = ctx.backward(g)
        if not retain_graph:
            ctx.saved = None
            ctx.freed = True
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for p, gp in zip(ctx.parents, in_grads):
            if gp is None or not p.requires_grad:
                continue
            if p._ctx is None:
                _accumulate_leaf(p, gp)
            else:
                k = id(p)
                prev = grads.get(k)
                grads[k] = gp if prev is None else ctx.B.add(prev, gp)
