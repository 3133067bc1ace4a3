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

Two passes share this order:
  * `backward` (first order, the hot path): gradients are native Arrays and each node's
    `backward(g)` works on Arrays — no graph is built while differentiating.
  * `backward_graph` (create_graph=True): gradients are Tensors and each node's
    `backward_graph(g)` is written with differentiable Tensor ops, so the gradients carry a
    graph of their own and can be differentiated again (second-order gradients). A node
    without a `backward_graph` raises instead of silently dropping a term.
Both can `capture` the gradients of chosen tensors instead of accumulating into leaves
(torch.autograd.grad), and both run the hooks of `Tensor.register_hook`.
"""
import threading

from . import versions
from .grad_mode import enable_grad

# Leaf gradients are accumulated under a lock: two threads running backward() into one
# shared leaf would otherwise lose updates (read-modify-write of .grad, with the GIL released
# inside the native add).
_leaf_lock = threading.Lock()


def _topo_order(roots):
    """Nodes reachable from the nodes `roots`, each after all of its input nodes."""
    order, visited = [], set()
    stack = [(r, False) for r in reversed(roots)]
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


def _run_hooks(hooks, g, device, wrap):
    """Tensor hooks: each gets the gradient (a Tensor) and may return a replacement."""
    t = wrap(g, device) if wrap is not None else g
    for h in hooks:
        r = h(t)
        if r is not None:
            t = r
    return t._data if wrap is not None else t


def _accumulate_leaf(t, g):
    """Leaf gradient: t.grad = g, or t.grad += g when it already holds one (accumulation)."""
    hooks = t.__dict__.get("_grad_hooks") if t.__dict__ else None
    if hooks:
        g = _run_hooks(hooks.values(), g, t._device, t._tensor_cls._wrap)
    B = t._device.backend
    if not g.is_contiguous():  # e.g. the expanded view a sum's backward returns
        g = B.contiguous(g)
    with _leaf_lock:
        if t.grad is None:
            t.grad = t._tensor_cls._wrap(g, t._device)
        else:
            t.grad._data = B.add(t.grad._data, g)
    _post_accumulate(t)


def _post_accumulate(t):
    hooks = t.__dict__.get("_post_accumulate_grad_hooks") if t.__dict__ else None
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


def _freed_error(node):
    return RuntimeError(
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward(). Specify retain_graph=True if you need to backward through "
        f"the graph a second time. (node: {node.name})"
    )


def _seed(roots, grads):
    """The start of a pass: (topological order, {node id: gradient}); leaf roots are returned
    separately as [(tensor, gradient)]."""
    seeds, leaves, nodes = {}, [], []
    for r, g in zip(roots, grads):
        if r._ctx is None:
            leaves.append((r, g))
            continue
        k = id(r._ctx)
        if k in seeds:
            seeds[k] = seeds[k] + g if hasattr(g, "_data") else r._ctx.B.add(seeds[k], g)
        else:
            seeds[k] = g
            nodes.append(r._ctx)
    return _topo_order(nodes), seeds, leaves


def backward(root, grad, retain_graph=False, capture=None, roots=None, grads=None):
    """Accumulate ∂root/∂leaf into every leaf's .grad. `grad` is the seed ∂L/∂root (an Array).
    Callbacks queued during the pass (queue_callback) run at its end.

    roots/grads: several outputs at once (torch.autograd.backward). capture: {id(tensor):
    tensor} — the gradients of these tensors (leaves or not) are returned as {id: Array}
    instead of being accumulated anywhere (torch.autograd.grad)."""
    _callbacks.stack.append([])
    try:
        got = _backward(root, grad, retain_graph, capture, roots, grads)
        for fn in _callbacks.stack[-1]:
            fn()
    finally:
        _callbacks.stack.pop()
    return got


def _leaf_edges(order):
    """For each leaf that wants a gradient: [edges still to come, gradient summed so far, leaf].
    A leaf's gradient is accumulated into .grad once, when its last edge has been processed, so
    its hooks see the final gradient once per backward (as torch)."""
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


def _backward(root, grad, retain_graph, capture, roots, grads):
    if roots is None:
        roots, grads = (root,), (grad,)
    order, pending, leaf_roots = _seed(roots, grads)
    got = {} if capture is not None else None
    # a captured non-leaf is found by its node
    want_nodes = {id(t._ctx): k for k, t in capture.items() if t._ctx is not None} if capture else None
    for r, g in leaf_roots:
        if capture is not None:
            if id(r) in capture:
                got[id(r)] = g
        elif r.requires_grad:  # the seed is the caller's array: keep our own copy
            _accumulate_leaf(r, r._device.backend.clone(g))
    waiting = _leaf_edges(order) if capture is None else None
    pop = pending.pop
    for node in reversed(order):
        g = pop(id(node), None)
        if g is None:  # nothing flows through this node: its leaves get nothing from it
            if waiting:
                for p, pnode in zip(node.parents, node.inputs):
                    if pnode is None:
                        _leaf_edge_done(waiting, p, None, node.B)
            continue
        if node.freed:
            raise _freed_error(node)
        hooks = getattr(node, "hooks", None)
        if hooks:
            g = _run_hooks(hooks.values(), g, node.parents[0]._device, node.parents[0]._tensor_cls._wrap)
        retained = getattr(node, "retained", None)
        if retained is not None and retained() is not None and capture is None:
            _accumulate_leaf(retained(), g)
        if want_nodes and id(node) in want_nodes:
            got[want_nodes[id(node)]] = g
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
                if capture is None:
                    _leaf_edge_done(waiting, p, gp, node.B)
                elif gp is not None and id(p) in capture:
                    prev = got.get(id(p))
                    got[id(p)] = gp if prev is None else node.B.add(prev, gp)
                continue
            if gp is None:
                continue
            if versions.epoch > pnode.epoch:
                versions.check_input(p, pnode, node)
            k = id(pnode)
            prev = pending.get(k)
            pending[k] = gp if prev is None else node.B.add(prev, gp)
    if waiting:
        for _, gsum, p in waiting.values():  # edges of nodes the pass never reached
            if gsum is not None:
                _accumulate_leaf(p, gsum)
    return got


def backward_graph(roots, grads, retain_graph=True, capture=None):
    """The create_graph=True pass: like `backward`, with Tensor gradients built by each node's
    differentiable `backward_graph(g)` under grad mode, so they can be differentiated again.
    grads: Tensors. Returns {id: Tensor} for `capture`, else accumulates into leaves' .grad
    (t.grad = t.grad + g, itself recorded)."""
    with enable_grad():
        order, pending, leaf_roots = _seed(roots, grads)
        got = {} if capture is not None else None
        want_nodes = {id(t._ctx): k for k, t in capture.items() if t._ctx is not None} if capture else None

        leaves = {}  # id → [leaf, summed gradient]: accumulated once each, at the end

        def leaf(p, g):
            if capture is not None:
                k = id(p)
                if k in capture:
                    got[k] = g if k not in got else got[k] + g
                return
            if p.requires_grad and p._ctx is None:
                w = leaves.get(id(p))
                if w is None:
                    leaves[id(p)] = [p, g]
                else:
                    w[1] = w[1] + g

        for r, g in leaf_roots:
            leaf(r, g)
        for node in reversed(order):
            g = pending.pop(id(node), None)
            if g is None:
                continue
            if node.freed:
                raise _freed_error(node)
            fn = getattr(node, "backward_graph", None)
            if fn is None:
                raise NotImplementedError(
                    f"create_graph=True: {node.name} has no differentiable backward yet, so a higher-order "
                    f"gradient through it is not supported"
                )
            hooks = getattr(node, "hooks", None)
            if hooks:
                g = _run_hooks(hooks.values(), g, None, None)
            retained = getattr(node, "retained", None)
            if retained is not None and retained() is not None and capture is None:
                t = retained()
                t.grad = g if t.grad is None else t.grad + g
            if want_nodes and id(node) in want_nodes:
                got[want_nodes[id(node)]] = g
            if versions.epoch > node.epoch:
                versions.check_saved(node)
            in_grads = fn(g)
            if not retain_graph:
                node.saved = None
                node.freed = True
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            for p, pnode, gp in zip(node.parents, node.inputs, in_grads):
                if gp is None:
                    continue
                if pnode is None:
                    leaf(p, gp)
                    continue
                if versions.epoch > pnode.epoch:
                    versions.check_input(p, pnode, node)
                k = id(pnode)
                prev = pending.get(k)
                pending[k] = gp if prev is None else prev + gp
        for p, g in leaves.values():
            hooks = p.__dict__.get("_grad_hooks") if p.__dict__ else None
            if hooks:
                g = _run_hooks(hooks.values(), g, None, None)
            with _leaf_lock:
                p.grad = g if p.grad is None else p.grad + g
            _post_accumulate(p)
        return got
