"""Memory-bound ops and the softmax family at 64×128 and 16384×1024 (float32).

bytes = the minimum a kernel must move (read + written): relu, exp, softmax 2·4N; add 3·4N;
broadcast add (R,C)+(C,) 2·4N (+4C); sum 4N; cross-entropy 4N (reads the logits once)."""
from .registry import case, libraries, limit_at_least, pair, randint, randn, ratio_at_most

SIZES = ((64, 128), (16384, 1024))


def _same(fn, inputs, *args):
    """Builder: fn(lib, *tensors) run on tinygrad_lite and on torch, with the same arrays inputs(*args)."""
    def build():
        tl, torch = libraries()
        ours, theirs = zip(*(pair(a) for a in inputs(*args)))
        return (lambda: fn(tl, *ours)), (lambda: fn(torch, *theirs))
    return build


OPS = (  # name, fn(lib, x, ...), inputs(R, C), bytes(R, C), bandwidth target at the large size, ratio target
    ("relu", lambda lib, x: x.relu(), lambda r, c: [randn(r, c)], lambda r, c: 2 * 4 * r * c, True, None),
    ("add", lambda lib, x, y: x + y, lambda r, c: [randn(r, c), randn(r, c)], lambda r, c: 3 * 4 * r * c, True, None),
    ("add bcast (R,C)+(C,)", lambda lib, x, b: x + b, lambda r, c: [randn(r, c), randn(c)],
     lambda r, c: 2 * 4 * r * c + 4 * c, True, None),
    ("exp", lambda lib, x: x.exp(), lambda r, c: [randn(r, c)], lambda r, c: 2 * 4 * r * c, True, None),
    ("sum", lambda lib, x: x.sum(), lambda r, c: [randn(r, c)], lambda r, c: 4 * r * c, True, None),
    ("softmax(-1)", lambda lib, x: lib.nn.functional.softmax(x, dim=-1), lambda r, c: [randn(r, c)],
     lambda r, c: 2 * 4 * r * c, True, 1.0),
    ("cross_entropy", lambda lib, x, y: lib.nn.functional.cross_entropy(x, y),
     lambda r, c: [randn(r, c), randint(c, r)], lambda r, c: 4 * r * c, False, 1.0),
)

for r, c in SIZES:
    large = r * c >= 1 << 20
    for name, fn, inputs, nbytes, bw_target, ratio_target in OPS:
        targets = ([limit_at_least(0.8)] if bw_target and large else []) + \
                  ([ratio_at_most(ratio_target)] if ratio_target else [])
        case(f"{name} {r}x{c}", "memory" if bw_target else "nn", bytes=nbytes(r, c), targets=targets,
             heavy=large)(_same(fn, inputs, r, c))
