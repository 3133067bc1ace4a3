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
import weakref

from . import versions

# Leaf gradients are accumulated under a lock: two threads running backward() into one
# shared leaf would otherwise lose updates (read-modify-write of .grad, with the GIL released
# inside the native add).
_leaf_lock = threading.Lock()


def _topo_order(root):
    """Nodes reachable from the node `root`, each after all of its input nodes; and, for each
    leaf with post-accumulate hooks, [edges into it, gradient summed so far, leaf]: such a leaf
    gets its gradient accumulated once, after its last edge, so its hooks see the final
    gradient once per backward (as torch). Other leaves accumulate as contributions arrive."""
    order, visited, hooked = [], set(), {}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for p, pnode in zip(node.parents, node.inputs):
            if pnode is not None:
                if pnode not in visited:
                    stack.append((pnode, False))
            elif p._post_accumulate_grad_hooks and p.requires_grad and p._ctx is None:
                w = hooked.get(id(p))
                if w is None:
                    hooked[id(p)] = [1, None, p]
                else:
                    w[0] += 1
    return order, hooked


# node -> weakref of the non-leaf tensor it made, for the tensors retain_grad() was called on
retained = weakref.WeakKeyDictionary()


def _accumulate_leaf(t, g):
    """Leaf gradient: t.grad = g, or t.grad += g when it already holds one (accumulation)."""
    dev = t._device
    B = dev._backend or dev.backend
    if not g.is_contiguous():  # e.g. the expanded view a sum's backward returns
        g = B.contiguous(g)
    with _leaf_lock:
        if t.grad is None:
            t.grad = t._tensor_cls._wrap(g, t._device)
        else:
            t.grad._data = B.add(t.grad._data, g)
    hooks = t._post_accumulate_grad_hooks
    if hooks:
        for hook in list(hooks.values()):
            hook(t)


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


class _Callbacks(threading.local):
    def __init__(self):
        self.stack = []  # per backward() running in this thread: None, or the callbacks it queued


_callbacks = _Callbacks()


def queue_callback(fn):
    """Run fn() once the backward pass running now has finished (torch's
    Variable._execution_engine.queue_callback); DistributedDataParallel waits for its gradient
    all-reduces there."""
    stack = _callbacks.stack
    if not stack:
        raise RuntimeError("queue_callback: no backward pass is running")
    if stack[-1] is None:
        stack[-1] = []
    stack[-1].append(fn)


def backward(root, grad, retain_graph=False):
    """Accumulate ∂root/∂leaf into every leaf's .grad. `grad` is the seed ∂L/∂root (an Array).
    Callbacks queued during the pass (queue_callback) run at its end."""
    stack = _callbacks.stack
    stack.append(None)
    try:
        _backward(root, grad, retain_graph)
    finally:
        queued = stack.pop()
    if queued:
        for fn in queued:
            fn()


def _backward(root, grad, retain_graph):
    if root._ctx is None:
        if root.requires_grad:  # the seed is the caller's array: keep our own copy
            _accumulate_leaf(root, root._device.backend.clone(grad))
        return
    order, hooked = _topo_order(root._ctx)
    grads = {root._ctx: grad}
    pop = grads.pop
    checks = versions.epoch  # nodes made before the last in-place write get checked
    for node in reversed(order):
        g = pop(node, None)
        if g is None:  # nothing flows through this node; its leaves get nothing from it
            in_grads = (None,) * len(node.parents)
        else:
            if node.freed:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or directly access saved tensors "
                    "after they have already been freed). Saved intermediate values of the graph are freed "
                    "when you call .backward(). Specify retain_graph=True if you need to backward through "
                    f"the graph a second time. (node: {node.name})"
                )
            if retained.data and node in retained:  # retain_grad() on the tensor this node made
                t = retained[node]()
                if t is not None:
                    _accumulate_leaf(t, g)
            if checks > node.epoch:  # something was written in place since: check what we use
                versions.check_saved(node)
            in_grads = node.backward(g)
            if not retain_graph:
                node.saved = None
                node.freed = True
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
        for p, pnode, gp in zip(node.parents, node.inputs, in_grads):
            if pnode is None:  # a leaf
                if not hooked or id(p) not in hooked:
                    if gp is not None and p.requires_grad and p._ctx is None:
                        _accumulate_leaf(p, gp)
                    continue
                w = hooked[id(p)]  # with hooks: sum now, accumulate after its last edge
                if gp is not None:
                    w[1] = gp if w[1] is None else node.B.add(w[1], gp)
                w[0] -= 1
                if w[0] == 0:
                    del hooked[id(p)]
                    if w[1] is not None:
                        _accumulate_leaf(p, w[1])
            elif gp is not None:
                if checks > pnode.epoch:
                    versions.check_input(p, pnode, node)
                prev = grads.get(pnode)
                grads[pnode] = gp if prev is None else node.B.add(prev, gp)
