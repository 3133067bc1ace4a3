"""Show the autograd graph behind a tensor: a text tree and Graphviz DOT source.

    import tinygrad_lite as torch
    from tinygrad_lite import viz
    x = torch.randn(3, requires_grad=True)
    y = (x * 2).relu().sum()
    print(viz.tree(y, params={"x": x}))
    viz.to_dot(y)        # DOT source: paste into any Graphviz viewer
    viz.graph(y)         # in a notebook: renders as SVG when the `graphviz` package and `dot` exist

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


__all__ = ["tree", "to_dot", "graph", "Graph"]
