"""The machine's own limits, measured by native loops (csrc/cpu/machine_limits.cpp) before any case:
FP32 FMA peak (GFLOP/s) and STREAM triad bandwidth (GB/s, 3 arrays counted) per thread count.
Each is the best of several runs: a limit is the fastest the machine went."""
import os


def l3_cache_bytes():
    try:
        n = os.sysconf("SC_LEVEL3_CACHE_SIZE")
        if n > 0:
            return n
    except (ValueError, OSError):
        pass
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index3/size") as f:
            s = f.read().strip()
        return int(s[:-1]) * {"K": 1 << 10, "M": 1 << 20}[s[-1]] if s[-1] in "KM" else int(s)
    except (OSError, ValueError, IndexError):
        return 32 << 20


def measure(threads_list, quick=False):
    """{threads: {"fma_gflops": .., "triad_gbps": ..}} plus "triad_array_bytes"; {} without the native loops."""
    from tinygrad_lite import _C
    if not hasattr(_C, "fma_peak_gflops"):
        return {}
    array_bytes = (2 if quick else 4) * l3_cache_bytes()
    reps = 2 if quick else 5
    out = {"triad_array_bytes": array_bytes, "simd": _C.simd_level() if hasattr(_C, "simd_level") else "?"}
    for n in threads_list:
        out[n] = {
            "fma_gflops": _C.fma_peak_gflops(n, 0.01 if quick else 0.05, reps),
            "triad_gbps": _C.stream_triad_gbps(array_bytes, n, reps),
        }
    return out


def fraction_of_limit(case, seconds, limits_n):
    """(fraction, "FMA" | "BW") for a call taking `seconds`: the roofline bound over the time, or (None, "")."""
    if not limits_n or seconds is None or seconds <= 0:
        return None, ""
    bounds = []
    if case.flops:
        bounds.append((case.flops / (limits_n["fma_gflops"] * 1e9), "FMA"))
    if case.bytes:
        bounds.append((case.bytes / (limits_n["triad_gbps"] * 1e9), "BW"))
    if not bounds:
        return None, ""
    t_min, kind = max(bounds)
    return t_min / seconds, kind
