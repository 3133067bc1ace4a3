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
Both take several roots and can `capture` the gradients of chosen tensors instead of
accumulating into leaves (torch.autograd.grad), and both run the hooks of
Tensor.register_hook (on a non-leaf: `node_hooks`; on a leaf: its `_grad_hooks`, applied to
its total gradient before accumulation).
"""
import threading
import weakref

from . import versions
from .grad_mode import enable_grad

# Leaf gradients are accumulated under a lock: two threads running backward() into one
# shared leaf would otherwise lose updates (read-modify-write of .grad, with the GIL released
# inside the native add).
_leaf_lock = threading.Lock()

# node -> weakref of the non-leaf tensor it made, for the tensors retain_grad() was called on
retained = weakref.WeakKeyDictionary()
# node -> {id: hook} of Tensor.register_hook on the non-leaf tensor it made
node_hooks = weakref.WeakKeyDictionary()


def _topo_order(roots):
    """Nodes reachable from the nodes `roots`, each after all of its input nodes; and, for each
    leaf with hooks (post-accumulate or tensor hooks), [edges into it, gradient summed so far,
    leaf]: such a leaf gets its gradient accumulated once, after its last edge, so its hooks
    see the final gradient once per backward (as torch). Other leaves accumulate as
    contributions arrive."""
    order, visited, hooked = [], set(), {}
    stack = [(r, False) for r in reversed(roots)]
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
            elif (p._post_accumulate_grad_hooks or p._grad_hooks) and p.requires_grad and p._ctx is None:
                w = hooked.get(id(p))
                if w is None:
                    hooked[id(p)] = [1, None, p]
                else:
                    w[0] += 1
    return order, hooked


def _run_hooks(hooks, g, wrap=None, device=None):
    """Tensor hooks: each gets the gradient (a Tensor) and may return a replacement."""
    t = wrap(g, device) if wrap is not None else g
    for h in list(hooks.values()):
        r = h(t)
        if r is not None:
            t = r
    return t._data if wrap is not None else t


def _accumulate_leaf(t, g):
    """Leaf gradient: t.grad = g, or t.grad += g when it already holds one (accumulation)."""
    dev = t._device
    B = dev._backend or dev.backend
    if t._grad_hooks:
        g = _run_hooks(t._grad_hooks, g, t._tensor_cls._wrap, dev)
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


def _with_callbacks(run, *args):
    stack = _callbacks.stack
    stack.append(None)
    try:
        result = run(*args)
    finally:
        queued = stack.pop()
    if queued:
        for fn in queued:
            fn()
    return result


def backward(root, grad, retain_graph=False):
    """Accumulate ∂root/∂leaf into every leaf's .grad. `grad` is the seed ∂L/∂root (an Array).
    Callbacks queued during the pass (queue_callback) run at its end."""
    stack = _callbacks.stack
    stack.append(None)
    try:
        if root._ctx is None:
            if root.requires_grad:  # the seed is the caller's array: keep our own copy
                _accumulate_leaf(root, root._device.backend.clone(grad))
        else:
            _backward((root._ctx,), {root._ctx: grad}, retain_graph, None)
    finally:
        queued = stack.pop()
    if queued:
        for fn in queued:
            fn()


def backward_many(roots, grads, retain_graph=False, capture=None):
    """`backward` from several roots (Arrays as seeds). capture: {id(tensor): tensor} — the
    gradients of these tensors (leaves or not) are returned as {id: Array} instead of being
    accumulated anywhere (torch.autograd.grad)."""
    return _with_callbacks(_backward_many, roots, grads, retain_graph, capture)


def _freed_error(node):
    return RuntimeError(
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward(). Specify retain_graph=True if you need to backward through "
        f"the graph a second time. (node: {node.name})"
    )


def _seeds(roots, grads, add):
    """(root nodes, {node: seed}, [(leaf root, seed)]); a node seeded twice gets the sum."""
    seeds, leaves, nodes = {}, [], []
    for r, g in zip(roots, grads):
        if r._ctx is None:
            leaves.append((r, g))
        elif r._ctx in seeds:
            seeds[r._ctx] = add(r._ctx, seeds[r._ctx], g)
        else:
            seeds[r._ctx] = g
            nodes.append(r._ctx)
    return nodes, seeds, leaves


def _backward_many(roots, seeds_in, retain_graph, capture):
    nodes, grads, leaf_roots = _seeds(roots, seeds_in, lambda n, a, b: n.B.add(a, b))
    got = {} if capture is not None else None
    for r, g in leaf_roots:
        if capture is not None:
            if id(r) in capture:
                got[id(r)] = g
        elif r.requires_grad:  # the seed is the caller's array: keep our own copy
            _accumulate_leaf(r, r._device.backend.clone(g))
    if nodes:
        _backward(nodes, grads, retain_graph, capture, got)
    return got


def _backward(nodes, grads, retain_graph, capture, got=None):
    """The first-order pass from root `nodes` seeded with `grads` ({node: Array})."""
    order, hooked = _topo_order(nodes)
    if capture is not None:
        hooked = None  # nothing is accumulated into leaves
        want = {t._ctx: k for k, t in capture.items() if t._ctx is not None}
    hooks_of, retained_of = node_hooks.data, retained.data  # the registries' dicts, looked up once
    pop = grads.pop
    checks = versions.epoch  # nodes made before the last in-place write get checked
    for node in reversed(order):
        g = pop(node, None)
        if g is None:  # nothing flows through this node; its leaves get nothing from it
            in_grads = (None,) * len(node.parents)
        else:
            if node.freed:
                raise _freed_error(node)
            if hooks_of and node in node_hooks:  # register_hook on the tensor this node made
                p0 = node.parents[0]
                g = _run_hooks(node_hooks[node], g, p0._tensor_cls._wrap, p0._device)
            if capture is not None:
                if node in want:
                    got[want[node]] = g
            elif retained_of and node in retained:  # retain_grad() on the tensor this node made
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
                if capture is not None:
                    k = id(p)
                    if gp is not None and k in capture:
                        got[k] = gp if k not in got else node.B.add(got[k], gp)
                    continue
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


def backward_graph(roots, grads, retain_graph=True, capture=None):
    """The create_graph=True pass: like `backward`, with Tensor gradients built by each node's
    differentiable `backward_graph(g)` under grad mode, so they can be differentiated again.
    grads: Tensors. Returns {id: Tensor} for `capture`, else accumulates into leaves' .grad
    (t.grad = t.grad + g, itself recorded), once per leaf."""
    return _with_callbacks(_backward_graph, roots, grads, retain_graph, capture)


def _backward_graph(roots, grads_in, retain_graph, capture):
    with enable_grad():
        nodes, pending, leaf_roots = _seeds(roots, grads_in, lambda n, a, b: a + b)
        got = {} if capture is not None else None
        want = {t._ctx: k for k, t in capture.items() if t._ctx is not None} if capture else {}
        leaves = {}  # id → [leaf, summed gradient]: accumulated once each, at the end

        def leaf(p, g):
            k = id(p)
            if capture is not None:
                if k in capture:
                    got[k] = g if k not in got else got[k] + g
            elif p.requires_grad and p._ctx is None:
                w = leaves.get(k)
                if w is None:
                    leaves[k] = [p, g]
                else:
                    w[1] = w[1] + g

        for r, g in leaf_roots:
            leaf(r, g)
        order = _topo_order(nodes)[0] if nodes else []
        for node in reversed(order):
            g = pending.pop(node, None)
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
            if node_hooks.data and node in node_hooks:
                g = _run_hooks(node_hooks[node], g)
            if node in want:
                got[want[node]] = g
            elif capture is None and retained.data and node in retained:
                t = retained[node]()
                if t is not None:
                    t.grad = g if t.grad is None else t.grad + g
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
                prev = pending.get(pnode)
                pending[pnode] = gp if prev is None else prev + gp
        for p, g in leaves.values():
            if p._grad_hooks:
                g = _run_hooks(p._grad_hooks, g)
            with _leaf_lock:
                p.grad = g if p.grad is None else p.grad + g
            if p._post_accumulate_grad_hooks:
                for hook in list(p._post_accumulate_grad_hooks.values()):
                    hook(p)
        return got
