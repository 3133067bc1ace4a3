"""Show the autograd graph behind a tensor: a text tree and Graphviz DOT source.

    import tinygrad_lite as torch
    from tinygrad_lite import viz
    x = torch.randn(3, requires_grad=True)
    y = (x * 2).relu().sum()
    print(viz.tree(y, params={"x": x}))
    viz.to_dot(y)        # DOT source: paste into any Graphviz viewer
    viz.graph(y)         # in a notebook: renders as SVG when the `graphviz` package and `dot` exist
    viz.draw(y)          # a matplotlib picture of the same graph (needs no Graphviz)

The graph is what backward() will walk: every non-leaf tensor was made by an op (its
`grad_fn`, e.g. MulBackward) whose inputs are its `parents`; leaves that require grad are
where gradients accumulate (torch calls that node AccumulateGrad). Tensors that do not require
grad are shown as constants (gradients do not flow into them).
"""
import html

from .tensor import Tensor


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def _names(params):
    if params is None:
        return {}
    items = params.items() if hasattr(params, "items") else params
    return {id(t): name for name, t in items}


def _label(t, names):
    ctx = t._ctx
    if ctx is not None:
        return f"{ctx.name} {_shape(t)}"
    name = names.get(id(t))
    kind = "leaf" if t.requires_grad else "const"
    return f"{kind}{' ' + name if name else ''} {_shape(t)} {t.dtype.name if hasattr(t.dtype, 'name') else t.dtype}"


def _inputs(t):
    ctx = t._ctx
    return list(getattr(ctx, "parents", ()) or ()) if ctx is not None else []


def tree(t, params=None, show_constants=True):
    """The graph as an indented text tree, output at the top. A node reached twice is printed
    once and referred to as '(shared, see above)' afterwards.

    params: {name: tensor} (e.g. dict(model.named_parameters())) to name the leaves."""
    if not isinstance(t, Tensor):
        raise TypeError(f"viz.tree expects a Tensor, got {type(t).__name__}")
    names = _names(params)
    lines = [_label(t, names)]
    seen = {id(t)}
    # explicit stack, so deep graphs (long chains) do not hit Python's recursion limit
    stack = [(c, "", i == len(_inputs(t)) - 1) for i, c in reversed(list(enumerate(_inputs(t))))]
    while stack:
        node, prefix, last = stack.pop()
        if not show_constants and node._ctx is None and not node.requires_grad:
            continue
        branch = "└── " if last else "├── "
        if id(node) in seen and node._ctx is not None:
            lines.append(prefix + branch + _label(node, names) + "  (shared, see above)")
            continue
        seen.add(id(node))
        lines.append(prefix + branch + _label(node, names))
        kids = _inputs(node)
        child_prefix = prefix + ("    " if last else "│   ")
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], child_prefix, i == len(kids) - 1))
    return "\n".join(lines)


def to_dot(t, params=None, show_constants=True, rankdir="BT"):
    """Graphviz DOT source of the graph: ops as boxes, leaves that require grad in blue
    (named from `params` if given), constants in grey, the output in green; edges point the
    way the forward pass went (input → op), drawn bottom-up by default."""
    if not isinstance(t, Tensor):
        raise TypeError(f"viz.to_dot expects a Tensor, got {type(t).__name__}")
    names = _names(params)
    out = ["digraph autograd {", f'  rankdir="{rankdir}";',
           '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", fillcolor="#eeeeee"];']
    seen = set()
    stack = [t]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        if not show_constants and node._ctx is None and not node.requires_grad:
            continue
        seen.add(id(node))
        if node is t:
            color = "#b7e1b0"
        elif node._ctx is None:
            color = "#b9d7f0" if node.requires_grad else "#dddddd"
        else:
            color = "#ffffff"
        label = html.escape(_label(node, names), quote=True).replace("\\", "\\\\")
        out.append(f'  n{id(node)} [label="{label}", fillcolor="{color}"];')
        for p in _inputs(node):
            if not show_constants and p._ctx is None and not p.requires_grad:
                continue
            out.append(f"  n{id(p)} -> n{id(node)};")
            stack.append(p)
    out.append("}")
    return "\n".join(out)


class Graph:
    """What graph() returns: prints as the text tree; in Jupyter it renders as an SVG image
    when the optional `graphviz` Python package and the `dot` program are available, else as
    the text tree. `.source` is the DOT source."""

    def __init__(self, t, params=None, show_constants=True):
        self.text = tree(t, params, show_constants)
        self.source = to_dot(t, params, show_constants)

    def __str__(self):
        return self.text

    __repr__ = __str__

    def _repr_svg_(self):
        try:
            import graphviz

            return graphviz.Source(self.source).pipe(format="svg").decode("utf-8")
        except Exception:  # package or `dot` missing: Jupyter falls back to the text repr
            return None

    def save(self, path):
        """Write the DOT source to `path` (render it with `dot -Tpng path -o graph.png`)."""
        with open(path, "w") as f:
            f.write(self.source)


def graph(t, params=None, show_constants=True):
    return Graph(t, params, show_constants)


def _layers(t, show_constants):
    """Nodes and edges of the graph, each node on a layer: its longest distance from the output
    (so every edge points up one or more layers), and an order within each layer."""
    nodes, edges, stack, seen = [], [], [t], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for p in _inputs(node):
            if show_constants or p._ctx is not None or p.requires_grad:
                edges.append((p, node))
                stack.append(p)
    depth = {id(t): 0}
    for _ in range(len(nodes)):  # longest path by relaxation: a graph of n nodes settles in < n rounds
        changed = False
        for p, c in edges:
            d = depth.get(id(c), 0) + 1
            if depth.get(id(p), -1) < d:
                depth[id(p)], changed = d, True
        if not changed:
            break
    layers = {}
    for node in nodes:
        layers.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d in sorted(layers):  # order each layer by where its consumers sit (fewer crossings)
        row = layers[d]
        if d > 0:
            def key(n, row=row):
                xs = [pos[id(c)][0] for p, c in edges if p is n and id(c) in pos]
                return sum(xs) / len(xs) if xs else 0.0
            row.sort(key=key)
        for i, node in enumerate(row):
            pos[id(node)] = (i - (len(row) - 1) / 2, -d)
    return nodes, edges, pos


def draw(t, params=None, show_constants=True, ax=None):
    """The graph as a matplotlib picture — the colours of to_dot (output green, leaves that
    require grad blue, constants grey, ops white), inputs at the bottom, arrows in the
    direction of the forward pass. Needs no Graphviz. Returns the matplotlib Axes."""
    if not isinstance(t, Tensor):
        raise TypeError(f"viz.draw expects a Tensor, got {type(t).__name__}")
    import matplotlib.pyplot as plt

    names = _names(params)
    nodes, edges, pos = _layers(t, show_constants)
    if ax is None:
        width = max(sum(1 for n in nodes if pos[id(n)][1] == y) for y in {p[1] for p in pos.values()})
        height = 1 - min(p[1] for p in pos.values())
        _, ax = plt.subplots(figsize=(min(2.4 * width + 1, 12), 0.9 * height + 0.6))
    for p, c in edges:
        ax.annotate("", xy=pos[id(c)], xytext=pos[id(p)],
                    arrowprops=dict(arrowstyle="-|>", color="#555555", shrinkA=11, shrinkB=11, lw=0.8))
    for node in nodes:
        if node is t:
            color = "#b7e1b0"
        elif node._ctx is None:
            color = "#b9d7f0" if node.requires_grad else "#dddddd"
        else:
            color = "#ffffff"
        ax.text(*pos[id(node)], _label(node, names), ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.35", fc=color, ec="#555555", lw=0.8))
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.axis("off")
    return ax


__all__ = ["tree", "to_dot", "graph", "Graph", "draw"]
