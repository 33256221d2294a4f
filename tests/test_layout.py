"""The house rules, checked: data flows one way (priors -> plan -> sampling -> engine -> results
-> analyze -> report -> cli), no import cycles, functions of at most 64 statements, nothing in the
engine reads TOML or names a model, and code cites no path the repository does not ship."""

from __future__ import annotations

import ast
import re
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
# Deferred (inside a function) imports that go up a layer on purpose: a result hands itself to
# the layer that renders or analyses it when a notebook user asks (plot, save, sensitivity).
UPWARD_ALLOWED = {
    ("flopcast.results", "flopcast.report.registry"),
    ("flopcast.results", "flopcast.analyze.waterfall"),
    ("flopcast.results", "flopcast.analyze.sensitivity"),
    ("flopcast.results", "flopcast.analyze.stress"),
    ("flopcast.results", "flopcast.analyze.headlines"),
}


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


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported flopcast module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    top |= {id(c) for n in tree.body if isinstance(n, (ast.If, ast.Try)) for c in ast.walk(n)}
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("flopcast"):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("flopcast")]
        for name in names:
            out.append((name, id(node) in top))
    return out


MODULES = {module_name(p): p for p in SIMULATE.rglob("*.py")}


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
        if theirs is not None and theirs > own and (module, target) not in UPWARD_ALLOWED:
            bad.append(target)
    assert not bad, f"{module} (layer {own}) imports higher layers: {sorted(set(bad))}"


def test_no_import_cycles_at_module_level():
    graph = {
        m: {t for n, top in imports(p) if top and (t := _resolve(n)) in MODULES and t != m} for m, p in MODULES.items()
    }
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m) :] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for t in graph[m]:
            visit(t)
        stack.pop()

    for m in graph:
        visit(m)
    assert not cycles, cycles


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
    models = {p.stem for p in (ROOT / "models").glob("*.py") if not p.stem.startswith("_")}
    for path in set(SIMULATE.rglob("*.py")) - PENDING_SPLIT:
        text = path.read_text()
        assert "tomllib" not in text, f"{path} parses TOML; file formats belong to priors/"
        named = [m for m in models if re.search(rf"flopcast\.models\.{m}\b|models import {m}\b", text)]
        assert not named, f"{path} names model modules {named}"
