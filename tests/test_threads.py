"""Autograd under threads: grad mode is per thread (as torch), and two threads running
backward into one shared leaf accumulate exactly."""
import threading

import numpy as np
import tinygrad_lite as tl


def test_grad_mode_is_per_thread():
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def evaluator():
        with tl.no_grad():
            inside.set()
            release.wait(5)
            seen["eval"] = tl.is_grad_enabled()

    t = threading.Thread(target=evaluator)
    t.start()
    inside.wait(5)
    x = tl.ones(3, requires_grad=True)
    seen["main"] = tl.is_grad_enabled()
    y = (x * 2).sum()
    release.set()
    t.join()
    assert seen == {"eval": False, "main": True} and y.requires_grad


def test_new_threads_start_with_grad_enabled():
    seen = []
    with tl.no_grad():
        t = threading.Thread(target=lambda: seen.append(tl.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_two_threads_backward_into_one_leaf_exact():
    w = tl.tensor(np.ones((256, 256), np.float32), requires_grad=True)
    n_iter = 50

    def work():
        for _ in range(n_iter):
            (w * 1.0).sum().backward()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert np.all(w.grad.numpy() == 2 * n_iter)
