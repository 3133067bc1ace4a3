"""Whether ops record the graph: `no_grad()`, `enable_grad()`, `set_grad_enabled(mode)`.

One flag in a list (mutable, module-level) so the hot path reads it with one index.
"""
import functools

_enabled = [True]


def is_grad_enabled():
    return _enabled[0]


class set_grad_enabled:
    """Context manager (and decorator) that sets gradient recording on or off."""

    def __init__(self, mode):
        self.prev = _enabled[0]
        self.mode = bool(mode)
        _enabled[0] = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _enabled[0] = self.prev
        return False


class _GradMode:
    mode = True

    def __enter__(self):
        self.prev = _enabled[0]
        _enabled[0] = self.mode
        return self

    def __exit__(self, *exc):
        _enabled[0] = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside `with no_grad():` build no graph: results have requires_grad=False."""

    mode = False


class enable_grad(_GradMode):
    mode = True


class inference_mode(no_grad):
    def __init__(self, mode=True):
        self.mode = not mode
