"""Whether ops record the graph: `no_grad()`, `enable_grad()`, `set_grad_enabled(mode)`,
`inference_mode()`. The flag is per thread, as in torch: a `no_grad()` in an evaluation
thread leaves autograd on in every other thread."""
import functools
import threading


class _State(threading.local):
    def __init__(self):
        self.enabled = True  # every new thread starts with grad mode on


_state = _State()


def is_grad_enabled():
    return _state.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode to `mode` and restores it on exit."""

    mode = True

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradMode):
    """Ops inside `with no_grad():` build no graph: results have requires_grad=False."""

    mode = False


class enable_grad(_GradMode):
    mode = True


class set_grad_enabled(_GradMode):
    """set_grad_enabled(mode): takes effect at once (as torch), and as a context manager or
    decorator restores the previous mode on exit."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __enter__(self):
        return self

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_GradMode):
    def __init__(self, mode=True):
        self.mode = not mode

    def clone(self):
        return self.__class__(not self.mode)
