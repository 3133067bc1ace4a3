"""setup.py's object cache: an object is reused only while every repository file the compiler
read for it is unchanged, including headers the #include scan cannot see (a stale object once
corrupted memory: a struct's layout changed in a header, one unit kept the old one)."""
import os
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CXX = shutil.which(os.environ.get("CXX", "g++")) or shutil.which("c++")


@pytest.fixture(scope="module")
def setup_py():
    setuptools = pytest.importorskip("setuptools")
    pytest.importorskip("pybind11")
    real = setuptools.setup
    setuptools.setup = lambda **kw: None  # load setup.py's helpers without building anything
    try:
        return runpy.run_path(str(REPO / "setup.py"), run_name="setup_under_test")
    finally:
        setuptools.setup = real


def _compile(tmp, obj="unit.o"):
    subprocess.run([CXX, "-c", "unit.cpp", "-Iinc", "-o", obj, "-MMD", "-MF", obj + ".d"], cwd=tmp, check=True)
    return str(tmp / obj), str(tmp / (obj + ".d"))


@pytest.mark.skipif(CXX is None, reason="no C++ compiler")
def test_header_change_invalidates_cached_object(setup_py, tmp_path):
    (tmp_path / "inc").mkdir()
    header = tmp_path / "inc" / "deep.h"
    header.write_text("#define DEEP 1\n")
    (tmp_path / "near.h").write_text("#include \"deep.h\"\n")
    (tmp_path / "unit.cpp").write_text("#include \"near.h\"\nint f() { return DEEP; }\n")
    store = tmp_path / "store"
    store.mkdir()
    obj, dep = _compile(tmp_path)

    # the #include scan resolves names next to the including file: deep.h (found through -Iinc)
    # is invisible to it, so only the compiler's dependency list can catch its edits
    scanned = {os.path.relpath(p, tmp_path) for p in setup_py["local_headers"](str(tmp_path / "unit.cpp"))}
    assert scanned == {"near.h"}
    assert set(setup_py["depfile_paths"](dep)) >= {"unit.cpp", "near.h", "inc/deep.h"}

    setup_py["store_object"](str(store), "k", obj, dep, base=str(tmp_path))
    manifest = setup_py["dependency_manifest"](dep, base=str(tmp_path))
    assert set(manifest) >= {"unit.cpp", "near.h", "inc/deep.h"}
    assert all(not p.startswith("/") for p in manifest)  # system headers are not in it

    fetch = setup_py["fetch_cached"]
    out = str(tmp_path / "fetched.o")
    assert fetch(str(store), "k", out, base=str(tmp_path))
    assert Path(out).read_bytes() == Path(obj).read_bytes()

    os.utime(header)  # touched, same bytes: the object would be the same
    assert fetch(str(store), "k", out, base=str(tmp_path))

    header.write_text("#define DEEP 2\n")  # edited: the cached object is stale
    assert not fetch(str(store), "k", out, base=str(tmp_path))

    # recompiled and stored again: reused from then on
    obj, dep = _compile(tmp_path)
    setup_py["store_object"](str(store), "k", obj, dep, base=str(tmp_path))
    assert fetch(str(store), "k", out, base=str(tmp_path))

    header.unlink()  # a dependency gone: never reused
    assert not fetch(str(store), "k", out, base=str(tmp_path))


@pytest.mark.skipif(CXX is None, reason="no C++ compiler")
def test_object_without_manifest_is_not_reused(setup_py, tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "unit.cpp").write_text("int f() { return 1; }\n")
    obj, _ = _compile(tmp_path)
    store = tmp_path / "store"
    store.mkdir()
    shutil.copyfile(obj, store / "k.o")  # an object cached by a build that kept no dependency list
    assert not setup_py["fetch_cached"](str(store), "k", str(tmp_path / "out.o"), base=str(tmp_path))


def test_depfile_parsing(setup_py, tmp_path):
    d = tmp_path / "x.d"
    d.write_text("build/x.o: csrc/a.cpp csrc/core/array.h \\\n csrc/my\\ dir/b.h \\\n /usr/include/c++/v.h\n")
    assert setup_py["depfile_paths"](str(d)) == ["csrc/a.cpp", "csrc/core/array.h", "csrc/my dir/b.h",
                                                  "/usr/include/c++/v.h"]


def test_repository_header_edit_changes_the_key(setup_py, tmp_path):
    (tmp_path / "a.h").write_text("#define A 1\n")
    src = tmp_path / "u.cpp"
    src.write_text("#include \"a.h\"\n")
    cmd = [CXX or "g++", "-O2", "-c", "u.cpp"]
    k1 = setup_py["object_key"](cmd, str(src))
    (tmp_path / "a.h").write_text("#define A 2\n")
    setup_py["_file_digest"].__defaults__[0].clear()  # the per-build digest memo
    assert setup_py["object_key"](cmd, str(src)) != k1


def test_binding_bundles_include_every_binding_file_once_in_order(setup_py, tmp_path, monkeypatch):
    """The unity build of csrc/bindings: each file in exactly one bundle, the sorted order kept
    (the order the families register their functions in), and a bundle rewritten with the same
    list keeps its bytes and time (else every build would recompile it)."""
    monkeypatch.chdir(REPO)
    files = sorted(str(p.relative_to(REPO)) for p in (REPO / "csrc" / "bindings").glob("*.cpp"))
    out = tmp_path / "unity"
    for n in (1, 2, 3):
        bundles = setup_py["binding_bundles"](files, n=n, out_dir=str(out))
        assert 1 <= len(bundles) <= n
        seen = []
        for b in bundles:
            for line in Path(b).read_text().splitlines():
                if line.startswith("#include"):
                    inc = line.split('"')[1]
                    seen.append(os.path.relpath(os.path.normpath(os.path.join(os.path.dirname(b), inc)), REPO))
        assert seen == files
    before = [(Path(b).stat().st_mtime_ns, Path(b).read_bytes()) for b in bundles]
    again = setup_py["binding_bundles"](files, n=3, out_dir=str(out))
    assert [(Path(b).stat().st_mtime_ns, Path(b).read_bytes()) for b in again] == before


def test_lean_units_exist_and_take_the_vectoriser(setup_py):
    """The units compiled at -O2 keep -O3's loop vectoriser (their kernels are auto-vectorised
    loops); a renamed file must not silently fall back to the default flags unnoticed."""
    for rel in setup_py["LEAN_UNITS"]:
        assert (REPO / rel).is_file(), rel
        if not os.environ.get("TL_SANITIZE") and not os.environ.get("TL_DEBUG"):
            flags = setup_py["unit_flags"](rel)
            assert "-ftree-vectorize" in flags and "-fvect-cost-model=dynamic" in flags
