"""Comparison files: one output of several scenarios on one log axis (``flopcast compare-outputs``).

Bundled comparisons live in ``priors/comparisons/`` and are addressed by stem
(``inference-per-output``); any other file by path::

    [comparison]
    name = "inference-per-output"            # optional; defaults to the file's stem
    title = "Inference FLOPs per unit of output"
    unit = "FLOP per unit of output"          # the common unit of the entries (after `scale`)
    source = "where the comparison comes from"
    description = "..."                       # optional

    [[entry]]
    label = "Llama-2-70B, 1000 tokens"        # required: the row's name
    scenario = "llm-economics"                # required: a bundled scenario name or a path
    output = "inference_flops_per_token"      # required: an output of that scenario's model
    scale = 1000                              # optional, > 0: multiplies the output
    set = ["params=70e9"]                     # optional: --set overrides for this entry
    note = "what the entry assumes"           # optional

Loading checks the file on its own (keys, types, required fields); whether a scenario exists and has
the output is checked when the comparison is computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flopcast.priors.errors import InputError
from flopcast.priors.names import check_name
from flopcast.priors.toml_io import read_toml

COMPARISON_DIR = Path(__file__).resolve().parent / "comparisons"

_TOP_KEYS = {"comparison", "entry"}
_HEAD_KEYS = {"name", "title", "unit", "source", "description"}
_HEAD_REQUIRED = ("title", "unit")
_ENTRY_KEYS = {"label", "scenario", "output", "scale", "set", "note"}
_ENTRY_REQUIRED = ("label", "scenario", "output")


@dataclass(frozen=True)
class ComparisonEntry:
    """One row: ``output`` of ``scenario`` (with its ``set`` overrides), times ``scale``."""

    label: str
    scenario: str
    output: str
    scale: float = 1.0
    set: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    name: str
    title: str
    unit: str
    entries: tuple[ComparisonEntry, ...]
    source: str = ""
    description: str = ""
    path: Path | None = None

    @property
    def file(self) -> str:
        return self.path.name if self.path is not None else "<comparison>"

    def header(self) -> dict[str, str]:
        """The ``[comparison]`` table as a dict (name, title, unit, source, description)."""
        return {
            "name": self.name,
            "title": self.title,
            "unit": self.unit,
            "source": self.source,
            "description": self.description,
        }


def bundled_comparisons() -> list[Path]:
    return sorted(COMPARISON_DIR.glob("*.toml"))


def resolve_comparison_path(ref: str | Path) -> Path:
    """A path (ends in .toml or has a /), or the stem of a bundled comparison."""
    ref = str(ref)
    path = Path(ref) if ref.endswith(".toml") or "/" in ref else COMPARISON_DIR / f"{ref}.toml"
    if not path.is_file():
        names = ", ".join(p.stem for p in bundled_comparisons())
        raise InputError(ref, f"unknown comparison; bundled: {names} (or a path to a .toml)")
    return path


def load_comparison(ref: str | Path) -> Comparison:
    """Read and validate a comparison file."""
    path = resolve_comparison_path(ref)
    file = path.name
    data = read_toml(path, file)
    _no_extra(data, _TOP_KEYS, f"{file}: ", "a comparison file has a [comparison] table and [[entry]] tables")
    head = data.get("comparison")
    if not isinstance(head, dict):
        raise InputError(f"{file}: comparison", "missing table: [comparison] with at least title and unit")
    _no_extra(head, _HEAD_KEYS, f"{file}: comparison.")
    for key in _HEAD_KEYS:
        if key in head and not isinstance(head[key], str):
            raise InputError(f"{file}: comparison.{key}", "must be a string")
    for key in _HEAD_REQUIRED:
        if not head.get(key, "").strip():
            raise InputError(f"{file}: comparison.{key}", "missing: give the figure's " + key)
    items = data.get("entry")
    if not isinstance(items, list) or not items or not all(isinstance(e, dict) for e in items):
        raise InputError(f"{file}: entry", "needs at least one [[entry]] table")
    entries = tuple(_parse_entry(i, e, file) for i, e in enumerate(items))

    check_name(head.get("name") or path.stem, f"{file}: comparison.name")
    return Comparison(
        head.get("name") or path.stem,
        head["title"],
        head["unit"],
        entries,
        head.get("source", ""),
        head.get("description", ""),
        path,
    )


def _parse_entry(i: int, spec: dict[str, Any], file: str) -> ComparisonEntry:
    where = f"{file}: entry[{i}]"
    _no_extra(spec, _ENTRY_KEYS, f"{where}.")
    for key in _ENTRY_REQUIRED:
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise InputError(f"{where}.{key}", "missing or not a string")
    scale = spec.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
        raise InputError(f"{where}.scale", f"must be a positive number, got {scale!r}")
    sets = spec.get("set", [])
    if not isinstance(sets, list) or not all(isinstance(s, str) and "=" in s for s in sets):
        raise InputError(f"{where}.set", "must be a list of 'NAME=VALUE' strings")
    note = spec.get("note", "")
    if not isinstance(note, str):
        raise InputError(f"{where}.note", "must be a string")
    return ComparisonEntry(spec["label"], spec["scenario"], spec["output"], float(scale), tuple(sets), note)


def _no_extra(table: dict, allowed: set[str], prefix: str, hint: str = "") -> None:
    """An unknown key is an error naming it (``prefix`` + key), e.g. ``x.toml: entry[2].scael``."""
    for key in sorted(set(table) - allowed):
        raise InputError(f"{prefix}{key}", f"unknown key; {hint or 'allowed: ' + ', '.join(sorted(allowed))}")
