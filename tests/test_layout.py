"""The house rules, checked: data flows one way (priors -> plan -> sampling -> engine -> results
-> analyze -> report -> cli), no import cycles (imports inside functions counted too), imports inside
functions only for heavy third-party libraries, functions of at most 64 statements, nothing in the
engine reads TOML or names a model, and code cites no path the repository does not ship."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIMULATE = ROOT / "simulate"

LAYERS = [  # (prefix, layer): a module may import only its own layer or lower ones
    ("flopcast.priors", 0),
    ("flopcast.models", 0),
    ("flopcast.errors", 0),
    ("flopcast.seeds", 1),
    ("flopcast.registry", 1),
    ("flopcast.plan", 1),
    ("flopcast.fmt", 1),
    ("flopcast.domains", 1),
    ("flopcast.sampling", 2),
    ("flopcast.summary", 2),
    ("flopcast.streaming", 2),
    ("flopcast.executors", 2),
    ("flopcast.protocol", 3),
    ("flopcast.results", 3),
    ("flopcast.samples", 3),
    ("flopcast.outdir", 3),
    ("flopcast.engine", 4),
    ("flopcast.dask_engine", 4),
    ("flopcast.analyze", 5),
    ("flopcast.report", 6),
    ("flopcast.api", 6),
    ("flopcast.cli", 7),
    ("flopcast.__main__", 7),
]


def layer(module: str) -> int | None:
    if module == "flopcast":
        return 8  # the API root: lazy names over every layer
    for prefix, n in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return n
    return None


def module_name(path: Path) -> str:
    rel = path.relative_to(SIMULATE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["flopcast", *parts])


def _top_level(tree: ast.Module) -> set[int]:
    top = {id(n) for n in tree.body}
    top |= {id(c) for n in tree.body if isinstance(n, (ast.If, ast.Try)) for c in ast.walk(n)}
    return top


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported flopcast module or name, at module level?) for every import in the file;
    ``from flopcast.pkg import sub`` is the submodule when ``sub`` is one, else the package."""
    tree = ast.parse(path.read_text())
    top = _top_level(tree)
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("flopcast"):
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in ALL else node.module for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("flopcast")]
        for name in names:
            out.append((name, id(node) in top))
    return out


def _installed_name(path: Path) -> str:
    """The module a file installs as: simulate/ is flopcast, priors/ flopcast.priors, models/ flopcast.models."""
    root = path.relative_to(ROOT).parts[0]
    base = {"simulate": ["flopcast"], "priors": ["flopcast", "priors"], "models": ["flopcast", "models"]}[root]
    rel = path.relative_to(ROOT / root).with_suffix("")
    return ".".join([*base, *(p for p in rel.parts if p != "__init__")])


MODULES = {module_name(p): p for p in SIMULATE.rglob("*.py")}
ALL = {_installed_name(p): p for d in ("simulate", "priors", "models") for p in (ROOT / d).rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The module an imported name lives in (``flopcast.report.plots`` or its package)."""
    while name and name not in MODULES and not name.startswith(("flopcast.priors", "flopcast.models")):
        name = name.rpartition(".")[0]
    return name or None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_goes_up_a_layer(module):
    own = layer(module)
    assert own is not None, f"{module} has no layer in LAYERS"
    bad = []
    for name, _ in imports(MODULES[module]):
        target = _resolve(name)
        if target is None or target in (module, "flopcast"):  # anyone may read flopcast.__version__
            continue
        theirs = layer(target)
        if theirs is not None and theirs > own:
            bad.append(target)
    assert not bad, f"{module} (layer {own}) imports higher layers: {sorted(set(bad))}"


def _resolve_any(name: str) -> str | None:
    while name and name not in ALL:
        name = name.rpartition(".")[0]
    return name or None


def test_no_import_cycles():
    """Over every module of the package (engine, priors, models), imports inside functions included."""
    graph = {m: {t for n, _ in imports(p) if (t := _resolve_any(n)) is not None and t != m} for m, p in ALL.items()}
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m) :] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for t in sorted(graph[m]):
            visit(t)
        stack.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, cycles


PLATFORM_ONLY = {"resource"}  # standard-library modules that exist only on some platforms


def _deferred_ok(module: str) -> bool:
    """A heavy third-party library (or a platform-only standard module) may be imported inside a function."""
    root = module.split(".")[0]
    return root != "flopcast" and (root not in sys.stdlib_module_names or root in PLATFORM_ONLY)


@pytest.mark.parametrize("path", sorted(ALL.values()), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_inside_functions_are_heavy_third_party_only(path):
    tree = ast.parse(path.read_text())
    top = _top_level(tree)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            bad += [n for n in names if not _deferred_ok(n)]
    assert not bad, f"{path.name} imports {sorted(set(bad))} inside functions; import them at the top of the module"


PENDING_SPLIT: set[Path] = set()
MAX_STATEMENTS = 64  # cohesion decides where code lives, not a file's length; functions stay short
# (statements, not lines: the formatter's line breaks do not change what a function does)


@pytest.mark.parametrize("path", sorted(SIMULATE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_functions_are_short(path):
    tree = ast.parse(path.read_text())
    long = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            statements = sum(isinstance(c, ast.stmt) for c in ast.walk(node)) - 1
            if statements > MAX_STATEMENTS:
                long.append((node.name, statements))
    assert not long, f"{path.name}: functions of more than {MAX_STATEMENTS} statements: {long}"


def test_engine_reads_no_toml_and_names_no_model():
    models = {p.stem for p in (ROOT / "models").glob("*.py") if not p.stem.startswith("_") and p.stem != "spec"}
    for path in set(SIMULATE.rglob("*.py")) - PENDING_SPLIT:
        text = path.read_text()
        assert "tomllib" not in text, f"{path} parses TOML; file formats belong to priors/"
        named = [m for m in models if re.search(rf"flopcast\.models\.{m}\b|models import {m}\b", text)]
        assert not named, f"{path} names model modules {named}"
