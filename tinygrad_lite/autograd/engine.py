"""Reverse-mode differentiation: order the graph, then run each node's backward once.

For an output L and a node y = f(x1, ..., xk), the chain rule
    ∂L/∂xi += ∂L/∂y · ∂y/∂xi
is applied to every node in reverse topological order, so each node's gradient is complete
(all its consumers have contributed) before it is pushed to its inputs. A node used twice
(`x*x`) simply receives two contributions. The order is found with an explicit stack, so a
chain of 100,000 ops needs no recursion.

The graph is one of nodes (Function instances): each node points to the nodes its inputs
had when it was made (`inputs`), so an in-place op that gives a tensor a new node later does
not re-route gradients of what was computed before it. Leaves (tensors without a node) get
their gradient accumulated into `.grad`.
"""
import threading

from . import versions

# Leaf gradients are accumulated under a lock: two threads running backward() into one
# shared leaf would otherwise lose updates (read-modify-write of .grad, with the GIL released
# inside the native add).
_leaf_lock = threading.Lock()


def _topo_order(root):
    """Nodes reachable from the node `root`, each after all of its input nodes."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for p in node.inputs:
            if p is not None and id(p) not in visited:
                stack.append((p, False))
    return order


def _accumulate_leaf(t, g):
    """Leaf gradient: t.grad = g, or t.grad += g when it already holds one (accumulation)."""
    B = t._device.backend
    if not g.is_contiguous():  # e.g. the expanded view a sum's backward returns
        g = B.contiguous(g)
    with _leaf_lock:
        if t.grad is None:
            t.grad = t._tensor_cls._wrap(g, t._device)
        else:
            t.grad._data = B.add(t.grad._data, g)
    hooks = t.__dict__.get("_post_accumulate_grad_hooks")
    if hooks:
        for hook in list(hooks.values()):
            hook(t)


class _Callbacks(threading.local):
    def __init__(self):
        self.stack = []  # one list per backward() running in this thread (nested ones included)


_callbacks = _Callbacks()


def queue_callback(fn):
    """Run fn() once the backward pass running now has finished (torch's
    Variable._execution_engine.queue_callback); DistributedDataParallel waits for its gradient
    all-reduces there."""
    if not _callbacks.stack:
        raise RuntimeError("queue_callback: no backward pass is running")
    _callbacks.stack[-1].append(fn)


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
    """Accumulate ∂root/∂leaf into every leaf's .grad. `grad` is the seed ∂L/∂root (an Array).
    Callbacks queued during the pass (queue_callback) run at its end."""
    _callbacks.stack.append([])
    try:
        _backward(root, grad, retain_graph)
        for fn in _callbacks.stack[-1]:
            fn()
    finally:
        _callbacks.stack.pop()


def _leaf_edges(order):
    """For each leaf that wants a gradient: [edges still to come, gradient summed so far, leaf].
    A leaf's gradient is accumulated into .grad once, when its last edge has been processed, so
    its post-accumulate hooks see the final gradient once per backward (as torch)."""
    waiting = {}
    for node in order:
        for p, pnode in zip(node.parents, node.inputs):
            if pnode is None and p.requires_grad and p._ctx is None:
                w = waiting.get(id(p))
                if w is None:
                    waiting[id(p)] = [1, None, p]
                else:
                    w[0] += 1
    return waiting


def _leaf_edge_done(waiting, p, gp, B):
    w = waiting.get(id(p))
    if w is None:
        return
    if gp is not None:
        w[1] = gp if w[1] is None else B.add(w[1], gp)
    w[0] -= 1
    if w[0] == 0:
        del waiting[id(p)]
        if w[1] is not None:
            _accumulate_leaf(p, w[1])


def _backward(root, grad, retain_graph):
    if root._ctx is None:
        if root.requires_grad:  # the seed is the caller's array: keep our own copy
            _accumulate_leaf(root, root._device.backend.clone(grad))
        return
    order = _topo_order(root._ctx)
    waiting = _leaf_edges(order)
    grads = {id(root._ctx): grad}
    pop = grads.pop
    for node in reversed(order):
        g = pop(id(node), None)
        if g is None:  # nothing flows through this node: its leaves get nothing from it
            for p, pnode in zip(node.parents, node.inputs):
                if pnode is None:
                    _leaf_edge_done(waiting, p, None, node.B)
            continue
        if node.freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors "
                "after they have already been freed). Saved intermediate values of the graph are freed "
                "when you call .backward(). Specify retain_graph=True if you need to backward through "
                f"the graph a second time. (node: {node.name})"
            )
        retained = getattr(node, "retained", None)
        if retained is not None and retained() is not None:
            _accumulate_leaf(retained(), g)
        if versions.epoch > node.epoch:  # something was written in place since: check what we use
            versions.check_saved(node)
        in_grads = node.backward(g)
        if not retain_graph:
            node.saved = None
            node.freed = True
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for p, pnode, gp in zip(node.parents, node.inputs, in_grads):
            if pnode is None:
                _leaf_edge_done(waiting, p, gp, node.B)
                continue
            if gp is None:
                continue
            if versions.epoch > pnode.epoch:
                versions.check_input(p, pnode, node)
            k = id(pnode)
            prev = grads.get(k)
            grads[k] = gp if prev is None else node.B.add(prev, gp)
    for _, gsum, p in waiting.values():  # edges of nodes the pass never reached
        if gsum is not None:
            _accumulate_leaf(p, gsum)
