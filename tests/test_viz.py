"""tinygrad_lite.viz: the autograd graph as a text tree, Graphviz DOT source and a matplotlib picture."""
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn as nn
from tinygrad_lite import viz


def test_tree_and_dot_of_a_small_graph():
    x = tl.randn(3, requires_grad=True)
    c = tl.ones(3)
    y = ((x * 2 + c) * x).sum()
    text = viz.tree(y, params={"x": x})
    lines = text.splitlines()
    assert lines[0].startswith("SumBackward")
    assert any("leaf x (3)" in line for line in lines)
    assert any(line.lstrip("│ ├└─").startswith("const") for line in lines)
    assert "MulBackward" in text and "AddBackward" in text
    assert text.count("leaf x") == 2  # x is used twice: both uses show
    dot = viz.to_dot(y, params={"x": x})
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    # x→MulScalar, MulScalar→Add, c→Add, Add→Mul, x→Mul, Mul→Sum: x is one node with two edges
    assert dot.count("->") == 6 and dot.count("leaf x (3)") == 1
    assert "leaf x (3)" in dot
    no_const = viz.tree(y, show_constants=False)
    assert "const" not in no_const
    g = viz.graph(y)
    assert str(g) == viz.tree(y) and g.source == viz.to_dot(y)


def test_model_graph_names_parameters():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    loss = nn.CrossEntropyLoss()(net(tl.randn(5, 4)), tl.tensor([0, 1, 0, 1, 1]))
    text = viz.tree(loss, params=dict(net.named_parameters()))
    for name in ["0.weight", "0.bias", "2.weight", "2.bias"]:
        assert f"leaf {name}" in text
    assert text.splitlines()[0].startswith("CrossEntropyBackward")


def test_leaf_and_deep_chain():
    x = tl.zeros(2, requires_grad=True)
    assert viz.tree(x).startswith("leaf (2)")
    y = x
    for _ in range(3000):  # no recursion limit trouble
        y = y + 1
    lines = viz.tree(y).splitlines()
    assert len(lines) == 3001 and lines[-1].lstrip("│ ├└─").startswith("leaf (2)")


def test_draw_is_a_matplotlib_picture_of_the_same_graph():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Annotation

    x = tl.randn(3, requires_grad=True)
    c = tl.ones(3)
    y = ((x * 2 + c) * x).sum()
    ax = viz.draw(y, params={"x": x})
    boxes = {t.get_text(): t.get_position() for t in ax.texts if not isinstance(t, Annotation)}
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    dot = viz.to_dot(y, params={"x": x})
    # one box per node (x once, though used twice), one arrow per edge, as in to_dot
    assert len(boxes) == dot.count("[label=") == 6
    assert len(arrows) == dot.count("->") == 6
    assert "leaf x (3) float32" in boxes and "const (3) float32" in boxes
    # the output on top, x (an input of the first op and of the last Mul) at the bottom
    top = max(boxes.values(), key=lambda p: p[1])
    assert boxes[next(k for k in boxes if k.startswith("SumBackward"))] == top
    assert boxes["leaf x (3) float32"][1] == min(p[1] for p in boxes.values())
    plt.close(ax.figure)
    no_const = viz.draw(y, show_constants=False)
    assert not any(t.get_text().startswith("const") for t in no_const.texts)
    plt.close(no_const.figure)
    with pytest.raises(TypeError, match="viz.draw expects a Tensor"):
        viz.draw([1, 2])
