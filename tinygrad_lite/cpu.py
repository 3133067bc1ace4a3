"""tinygrad_lite.cpu: torch.cpu's names (is_available, device_count, current_device, synchronize)
and the host allocator's controls, named as torch.cuda names its own.

The host allocator (csrc/core/allocator.cpp) keeps freed blocks in a cache so that a training
loop reusing the same sizes never goes back to the system; the cache is bounded by a limit that
follows the recent peak of live memory (at least 64 MiB, at most memory / 8;
TL_HOST_CACHE_MAX=bytes caps it, 0 turns caching off) and gives its oldest blocks back first.

    memory_allocated()      bytes in live tensors now
    max_memory_allocated()  the peak of that since the start
    memory_reserved()       live + cached bytes (what the process holds through the allocator)
    empty_cache()           give every cached block back to the system (live tensors untouched)
    memory_stats()          all of it: live, peak, cached, limit, system, exact
"""
from . import _C


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    """CPU ops finish before they return: nothing to wait for."""


def empty_cache():
    """Give the host allocator's cached free blocks back to the system."""
    _C.empty_cache()


def memory_stats():
    """{'live', 'peak', 'cached', 'limit', 'system', 'exact'}: bytes in live tensors, their peak,
    bytes in the free-block cache, the cache's current bound, bytes obtained from the system, and
    whether the exact-size mode (sanitizer builds, TL_ALLOC_EXACT=1; nothing cached) is on."""
    return dict(_C.allocator_stats())


def memory_allocated(device=None):
    return int(_C.allocator_stats()["live"])


def max_memory_allocated(device=None):
    return int(_C.allocator_stats()["peak"])


def memory_reserved(device=None):
    s = _C.allocator_stats()
    return int(s["live"] + s["cached"])
