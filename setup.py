"""Builds tinygrad_lite._C (the C++ core and its CPU kernels) with pybind11, and the CUDA library.

Every .cpp under csrc/core, csrc/cpu and csrc/bindings is compiled; a new kernel file needs
no edit here. No -march flag: one build runs on any x86-64, and the kernels pick AVX-512,
AVX2 or portable code at run time (csrc/cpu/simd.h).

Build speed (issue 17):
- Units compile in parallel (TL_BUILD_JOBS, default: the CPU count), the slowest first (times of
  the last build are remembered), with one progress line per unit — on the terminal even when
  pip hides the build's output (TL_BUILD_TTY=0 turns that off).
- Object cache: pip builds in a fresh temporary directory every time, so file times cannot tell
  what is up to date. Each object is stored under build/objcache/ (TL_BUILD_CACHE to move it),
  keyed by a hash of the compiler and its version, every flag, the source and each local header
  it includes (transitively, read from the #include lines), Python's and pybind11's versions.
  Beside it, the compiler's own dependency list (-MMD): the digest of every repository file the
  preprocessor opened. An object is reused only when each of those files is unchanged, so a
  header reached in a way the #include scan misses (an -I path, a macro, a .def table) still
  recompiles every unit that includes it; an object without that list is never reused. A second
  `pip install -e .[test]`, `pip wheel .` or `setup.py build_ext` after the first links without
  compiling anything; an edited header recompiles exactly the units that include it (a header
  only touched, its bytes the same, recompiles nothing: the object would be the same). ccache,
  when installed, is used too.
- `python -m build --wheel` (or `pip wheel . -w dist`) gives a wheel that installs without a compiler.

Sanitizers: TL_SANITIZE=address,undefined (any -fsanitize list) builds with -O1 -g
-fno-omit-frame-pointer -fno-wrapv and the exact-size, uncached allocator (TL_ALLOC_EXACT) so
AddressSanitizer sees every overrun; tools/sanitize.sh runs the test suite under it.
TL_DEBUG=1: -O0 -g.

CUDA: csrc/cuda/build_cuda.py builds libtl_cuda.so with nvcc, in a thread beside the C++ units.
TL_CUDA=1 builds it (and fails loudly), TL_CUDA=0 never; unset: built when nvcc is found and an
NVIDIA driver is present (/proc/driver/nvidia), so a CPU-only machine with the toolkit installed
does not spend minutes compiling kernels it cannot run.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup

ROOT = os.path.dirname(os.path.abspath(__file__))

sources = sorted(
    glob.glob("csrc/core/*.cpp") + glob.glob("csrc/cpu/*.cpp") + glob.glob("csrc/bindings/*.cpp")
)

extra_compile = ["-O3", "-fopenmp", "-fno-math-errno", "-Wall", "-Wno-unused-function"]
extra_link = ["-fopenmp"]
sanitize = os.environ.get("TL_SANITIZE", "").strip()
if sanitize:
    san = f"-fsanitize={sanitize}"
    extra_compile = ["-O1", "-g", "-fno-omit-frame-pointer", "-fno-wrapv", "-fno-sanitize-recover=all" if
                     os.environ.get("TL_SANITIZE_HALT") else "-fsanitize-recover=all", san, "-fopenmp",
                     "-Wall", "-Wno-unused-function", "-DTL_ALLOC_EXACT"]
    extra_link = ["-fopenmp", san]
elif os.environ.get("TL_DEBUG"):
    extra_compile = ["-O0", "-g", "-fopenmp", "-Wall", "-Wno-unused-function"]
    extra_link = ["-fopenmp"]

ext = Pybind11Extension(
    "tinygrad_lite._C",
    sources,
    cxx_std=17,
    extra_compile_args=extra_compile,
    extra_link_args=extra_link,
)


# ---- object cache -------------------------------------------------------------------------

_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def local_headers(src, seen=None):
    """The repository headers `src` includes, transitively (quoted includes resolved next to
    the including file; system and pybind11 headers are covered by the versions in the key)."""
    seen = set() if seen is None else seen
    try:
        text = open(src, encoding="utf-8", errors="replace").read()
    except OSError:
        return seen
    for name in _INCLUDE.findall(text):
        path = os.path.normpath(os.path.join(os.path.dirname(src), name))
        if path not in seen and os.path.isfile(path):
            seen.add(path)
            local_headers(path, seen)
    return seen


def _file_digest(path, cache={}):  # noqa: B006 - memo for one build
    if path not in cache:
        with open(path, "rb") as f:
            cache[path] = hashlib.sha256(f.read()).hexdigest()
    return cache[path]


_version_memo = {}


def compiler_identity(argv0):
    """`<compiler> --version` (so an upgraded compiler misses the cache)."""
    if argv0 not in _version_memo:
        try:
            out = subprocess.run([argv0, "--version"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            out = argv0
        _version_memo[argv0] = out.strip()
    return _version_memo[argv0]


def _empty_include(arg):
    """An -I directory that holds nothing cannot change an object."""
    if not arg.startswith("-I"):
        return False
    d = arg[2:]
    try:
        return not os.path.isdir(d) or not any(os.scandir(d))
    except OSError:
        return True


def object_key(cmd, src):
    """Hash of everything that decides the object file's bytes. Temporary paths are replaced by
    what they stand for: pip's isolated build puts pybind11 in a new directory each time (its
    version is in the key), `python -m build` builds in a new venv each time (its include
    directory holds only pybind11's headers)."""
    import pybind11

    inc = pybind11.get_include()
    cmd = [a.replace(inc, "<pybind11>") for a in cmd if not _empty_include(a)]
    if sys.prefix != sys.base_prefix:  # running in a (build) venv
        cmd = [a.replace(sys.prefix, "<venv>") for a in cmd]
    h = hashlib.sha256()
    for part in (compiler_identity(cmd[0]), "\0".join(cmd), sys.version, pybind11.__version__,
                 os.path.relpath(src, ROOT), _file_digest(src)):
        h.update(part.encode())
        h.update(b"\0")
    for hdr in sorted(local_headers(src)):
        h.update(os.path.relpath(hdr, ROOT).encode() + b"\0" + _file_digest(hdr).encode() + b"\0")
    return h.hexdigest()[:32]


# ---- the compiler's dependency list beside each cached object ------------------------------

def depfile_paths(depfile):
    """The prerequisites of a make rule written by -MMD (`obj: src hdr ...`, lines continued by
    a backslash, spaces in names escaped)."""
    with open(depfile, encoding="utf-8", errors="replace") as f:
        text = f.read().replace("\\\n", " ")
    _, _, prereqs = text.partition(": ")
    words, cur, i = [], "", 0
    while i < len(prereqs):
        c = prereqs[i]
        if c == "\\" and i + 1 < len(prereqs) and prereqs[i + 1] in " #":
            cur += prereqs[i + 1]
            i += 2
            continue
        if c.isspace():
            if cur:
                words.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    if cur:
        words.append(cur)
    return words


def dependency_manifest(depfile, base=None):
    """{path relative to the repository: sha256} for every repository file in the depfile.
    Files outside the repository (the C++ library, Python's and pybind11's headers) are covered
    by the versions in the object key; pip's temporary copies of them must not miss the cache."""
    out = {}
    for p in depfile_paths(depfile):
        full = os.path.normpath(os.path.join(base or os.getcwd(), p))  # relative to the compiler's cwd
        rel = os.path.relpath(full, base or ROOT)
        if rel.startswith(".." + os.sep) or rel == ".." or os.path.isabs(rel):
            continue
        out[rel.replace(os.sep, "/")] = _digest_now(full)
    return out


def _digest_now(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def manifest_current(manifest_path, base=None, _memo={}):  # noqa: B006 - digests of one build
    """True when the manifest exists and every file it lists has the digest it lists."""
    base = base or ROOT
    try:
        with open(manifest_path) as f:
            deps = json.load(f)
    except (OSError, ValueError):
        return False
    if not isinstance(deps, dict) or not deps:
        return False
    for rel, digest in deps.items():
        full = os.path.join(base, rel)
        try:
            st = os.stat(full)
        except OSError:
            return False
        memo_key = (full, st.st_mtime_ns, st.st_size)
        if memo_key not in _memo:
            _memo[memo_key] = _digest_now(full)
        if _memo[memo_key] != digest:
            return False
    return True


def fetch_cached(store, key, obj, base=None):
    """Copy the cached object for `key` to `obj` if its dependencies are unchanged."""
    cached = os.path.join(store, key + ".o")
    if not (os.path.exists(cached) and manifest_current(os.path.join(store, key + ".deps.json"), base)):
        return False
    shutil.copyfile(cached, obj)
    os.utime(cached)  # recently used: kept by the pruning
    return True


def store_object(store, key, obj, depfile, base=None):
    """Put a freshly compiled object and its dependency manifest in the cache (each atomically:
    a concurrent build never reads half a file; the manifest first, so an object is never seen
    without one)."""
    tag = f"{os.getpid()}.{threading.get_ident()}.tmp"
    manifest = os.path.join(store, key + ".deps.json")
    with open(f"{manifest}.{tag}", "w") as f:
        json.dump(dependency_manifest(depfile, base), f, indent=0, sort_keys=True)
    os.replace(f"{manifest}.{tag}", manifest)
    cached = os.path.join(store, key + ".o")
    shutil.copyfile(obj, f"{cached}.{tag}")
    os.replace(f"{cached}.{tag}", cached)


def cache_dir():
    return os.environ.get("TL_BUILD_CACHE") or os.path.join(ROOT, "build", "objcache")


class Progress:
    """One line per finished unit on stderr, and on the terminal when pip captures stderr."""

    def __init__(self, total):
        self.total, self.done, self.t0, self.lock = total, 0, time.time(), threading.Lock()
        self.tty = None
        if os.environ.get("TL_BUILD_TTY", "1") != "0" and not sys.stderr.isatty():
            try:
                self.tty = open("/dev/tty", "w")
            except OSError:
                self.tty = None

    def say(self, line):
        with self.lock:
            for stream in (sys.stderr, self.tty):
                if stream is not None:
                    try:
                        stream.write(line + "\n")
                        stream.flush()
                    except OSError:
                        pass

    def unit(self, src, seconds, how):
        with self.lock:
            self.done += 1
            n = self.done
        self.say(f"tinygrad_lite: [{n:2d}/{self.total}] {how:8s} {src} ({seconds:.1f}s)")

    def close(self):
        if self.tty is not None:
            self.tty.close()


def _jobs():
    env = os.environ.get("TL_BUILD_JOBS", "").strip()
    return max(1, int(env)) if env else (os.cpu_count() or 1)


def cached_parallel_compile(compiler, sources, output_dir=None, macros=None, include_dirs=None, debug=0,
                            extra_preargs=None, extra_postargs=None, depends=None):
    """CCompiler.compile, with each unit fetched from the object cache or compiled (in
    parallel, slowest first) and then stored in it. Same signature and result as distutils'."""
    macros, objects, extra_postargs, pp_opts, build = compiler._setup_compile(
        output_dir, macros, include_dirs, sources, depends, extra_postargs)
    cc_args = compiler._get_cc_args(pp_opts, debug, extra_preargs)
    store = cache_dir()
    os.makedirs(store, exist_ok=True)
    times_path = os.path.join(store, "unit_times.json")
    try:
        last = json.load(open(times_path))
    except (OSError, ValueError):
        last = {}
    ccache = shutil.which("ccache") if os.environ.get("TL_CCACHE", "1") != "0" else None
    # setuptools >= 72 compiles C++ with compiler_so_cxx (g++, $CXX), older ones with compiler_so:
    # the key names the compiler that runs, and ccache wraps that one
    attr = "compiler_so_cxx" if getattr(compiler, "compiler_so_cxx", None) else "compiler_so"
    base = list(getattr(compiler, attr))

    work = []
    for obj in objects:
        src, ext_ = build[obj]
        cmd = base + cc_args + ["-c", os.path.relpath(src, ROOT)] + list(extra_postargs)
        work.append((obj, src, ext_, object_key(cmd, src)))
    # slowest first: the last build's time, else the file size (a 2-core build ends when its
    # longest unit does, so start that one first)
    work.sort(key=lambda w: -last.get(os.path.relpath(w[1], ROOT), os.path.getsize(w[1]) / 1e4))

    progress = Progress(len(work))
    if ccache:
        setattr(compiler, attr, [ccache] + base)

    def one(item):
        obj, src, ext_, key = item
        rel = os.path.relpath(src, ROOT)
        t0 = time.time()
        os.makedirs(os.path.dirname(obj) or ".", exist_ok=True)
        if fetch_cached(store, key, obj):
            progress.unit(rel, time.time() - t0, "cached")
            return rel, None
        depfile = obj + ".d"
        compiler._compile(obj, src, ext_, cc_args, list(extra_postargs) + ["-MMD", "-MF", depfile], pp_opts)
        dt = time.time() - t0
        if _digest_now(src) == _file_digest(src):  # edited while compiling: the key no longer says what was built
            store_object(store, key, obj, depfile)
        progress.unit(rel, dt, "compiled")
        return rel, dt

    t0 = time.time()
    jobs = min(_jobs(), len(work)) or 1
    progress.say(f"tinygrad_lite: building {len(work)} C++ units with {jobs} job(s); objects cached in {store}")
    try:
        with ThreadPoolExecutor(jobs) as ex:
            futures = [ex.submit(one, w) for w in work]
            for f in as_completed(futures):
                rel, dt = f.result()  # re-raises a compile error
                if dt is not None:
                    last[rel] = round(dt, 2)
    finally:
        setattr(compiler, attr, base)
    progress.say(f"tinygrad_lite: C++ units done in {time.time() - t0:.1f}s; linking")
    progress.close()
    try:
        with open(times_path + ".tmp", "w") as f:
            json.dump(last, f, indent=0, sort_keys=True)
        os.replace(times_path + ".tmp", times_path)
    except OSError:
        pass
    _prune(store, keep=max(400, 8 * len(work)))
    return objects


def _prune(store, keep):
    """Keep the `keep` most recently used objects."""
    objs = sorted(glob.glob(os.path.join(store, "*.o")), key=os.path.getmtime, reverse=True)
    for old in objs[keep:]:
        for path in (old, old[:-2] + ".deps.json"):
            try:
                os.remove(path)
            except OSError:
                pass


# ---- CUDA -------------------------------------------------------------------------------------

def _cuda_wanted():
    mode = os.environ.get("TL_CUDA", "").strip()
    if mode in ("0", "1"):
        return mode
    return "auto" if os.path.exists("/proc/driver/nvidia") else "no-driver"


class BuildExt(build_ext):
    """pybind11's build_ext with the object cache, parallel units, progress, and the CUDA
    library built in a thread alongside."""

    def build_extensions(self):
        self.force = True  # every build relinks from cached objects: a TL_SANITIZE build in place
        # must never be kept by a later plain build because its .so looks newer than the sources
        self.compiler.compile = lambda *a, **k: cached_parallel_compile(self.compiler, *a, **k)
        cuda = _cuda_wanted()
        result, thread = {}, None
        if cuda == "no-driver":
            if shutil.which("nvcc"):
                print("tinygrad_lite: nvcc found but no NVIDIA driver: not building the CUDA backend "
                      "(TL_CUDA=1 builds it anyway)")
        else:
            os.environ["TL_CUDA"] = cuda if cuda != "auto" else ""
            # into the source package (found there by in-place and editable installs, as before)
            # and into build_lib (a wheel's contents: build_py ran before this command)
            targets = [os.path.join(ROOT, "tinygrad_lite")]
            if not self.inplace:
                targets.append(os.path.join(self.build_lib, "tinygrad_lite"))

            def build_cuda():
                try:
                    import runpy

                    hook = runpy.run_path(os.path.join(ROOT, "csrc", "cuda", "build_cuda.py"))["maybe_build_for_setup"]
                    lib = hook(targets[0])
                    for extra in targets[1:]:
                        if lib:
                            os.makedirs(extra, exist_ok=True)
                            for name in ("libtl_cuda.so", "tl_cuda.h"):
                                shutil.copyfile(os.path.join(targets[0], name), os.path.join(extra, name))
                    result["lib"] = lib
                except BaseException as e:  # noqa: BLE001 - re-raised below on the main thread
                    result["error"] = e

            thread = threading.Thread(target=build_cuda, name="tl-cuda-build")
            thread.start()
        try:
            super().build_extensions()
        finally:
            if thread is not None:
                thread.join()
        if "error" in result:
            raise result["error"]


setup(
    ext_modules=[ext],
    cmdclass={"build_ext": BuildExt},
    package_data={"tinygrad_lite": ["libtl_cuda.so", "tl_cuda.h"]},
)
