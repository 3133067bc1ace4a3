"""Per-op overhead: what one call costs when there is (almost) no data."""
from .registry import case, pair, randn, ratio_at_most


@case("add, 1 element", "overhead")
def _():
    (a, ta), (b, tb) = pair(randn(1)), pair(randn(1))
    return (lambda: a + b), (lambda: ta + tb)


@case("(a*b).sum() fwd+bwd, 1 element", "overhead", targets=[ratio_at_most(0.5)], check=False)
def _():
    (a, ta), (b, tb) = pair(randn(1), requires_grad=True), pair(randn(1), requires_grad=True)

    def ours():
        a.grad = b.grad = None
        (a * b).sum().backward()

    def theirs():
        ta.grad = tb.grad = None
        (ta * tb).sum().backward()
    return ours, theirs
