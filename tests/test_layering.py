"""The package's layers only look down (ARCHITECTURE): the core modules — tensor, autograd,
ops, backend, device, dtypes, serialization and the tensor-layer helpers — never import the
package root or a higher layer; no module rewrites another module's globals; the native
kernels in csrc/core and csrc/cpu include no pybind11 (only csrc/bindings binds)."""
import ast
import pathlib
import re

PKG = pathlib.Path(__file__).resolve().parents[1] / "tinygrad_lite"
CSRC = PKG.parent / "csrc"
CORE = ["tensor.py", "creation.py", "indexing.py", "printing.py", "random.py", "device.py", "dtypes.py", "memory_overlap.py",
        "serialization.py", "argcheck.py", "int_pow.py", "autograd", "ops", "backend"]
HIGHER = {"nn", "optim", "utils", "datasets", "functional", "models", "cli", "api", "server", "generation", "text",
          "io", "distributed", "viz"}


def _files(entries):
    for e in entries:
        p = PKG / e
        yield from (sorted(p.rglob("*.py")) if p.is_dir() else [p])


def _imports(path):
    """(module name resolved to a tinygrad_lite-relative dotted path, node) for every import."""
    tree = ast.parse(path.read_text())
    rel_pkg = path.relative_to(PKG.parent).with_suffix("").parts[:-1]  # e.g. ('tinygrad_lite', 'ops')
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = rel_pkg[: len(rel_pkg) - node.level + 1]
                mod = ".".join(base + ((node.module,) if node.module else ()))
            else:
                mod = node.module or ""
            for a in node.names:
                yield (f"{mod}.{a.name}" if not node.level or node.module is None else mod), node


def test_core_modules_import_only_the_core():
    bad = []
    for f in _files(CORE):
        for mod, node in _imports(f):
            parts = mod.split(".")
            if parts[0] != "tinygrad_lite":
                continue
            if len(parts) == 1 or parts[1] in HIGHER:
                bad.append(f"{f.relative_to(PKG)}:{node.lineno} imports {mod}")
    assert not bad, "core modules import the package root or a higher layer:\n" + "\n".join(bad)


def test_no_module_rewrites_another_modules_globals():
    bad = []
    for f in sorted(PKG.rglob("*.py")):
        tree = ast.parse(f.read_text())
        modules = set()
        for node in ast.walk(tree):  # our own modules only (sys.excepthook is Python's hook to set)
            if isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names
                               if a.name.startswith("tinygrad_lite"))
            elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("tinygrad_lite")):
                modules.update(a.asname or a.name for a in node.names)
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in modules:
                    bad.append(f"{f.relative_to(PKG)}:{node.lineno} assigns {t.value.id}.{t.attr}")
    assert not bad, "modules assigning another module's globals:\n" + "\n".join(bad)


def test_kernels_include_no_pybind():
    bad = [str(p.relative_to(CSRC)) for d in ("core", "cpu", "math", "ops") for p in sorted((CSRC / d).glob("*"))
           if p.is_file() and re.search(r'#include\s*[<"](pybind11|\.\./bindings)', p.read_text())]
    assert not bad, f"only csrc/bindings may include pybind11: {bad}"
