"""One output of several scenarios on one log axis: e.g. inference FLOPs per unit of output across
modalities. A comparison file (``priors/comparisons/*.toml``) lists the entries; each is sampled with
its own scenario's priors. Model-agnostic: entries name scenarios and outputs."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flopcast import priors as _priors_package
from flopcast.priors.errors import InputError
from flopcast.engine import evaluate_point, plan_for, run
from flopcast.summary import Summary, summarize

COMPARISON_DIR = Path(_priors_package.__file__).resolve().parent / "comparisons"


@dataclass
class Entry:
    label: str
    scenario: str
    output: str
    unit: str
    scale: float
    point: float
    summary: Summary
    note: str = ""


def bundled() -> list[Path]:
    return sorted(COMPARISON_DIR.glob("*.toml"))


def load(ref: str) -> tuple[dict, list[dict], str]:
    path = Path(ref) if ref.endswith(".toml") or "/" in ref else COMPARISON_DIR / f"{ref}.toml"
    if not path.is_file():
        names = ", ".join(p.stem for p in bundled())
        raise InputError(ref, f"unknown comparison; bundled: {names} (or a path to a .toml)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path.name, f"malformed TOML: {exc}") from None
    head = data.get("comparison", {})
    entries = data.get("entry", [])
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path.name}: entry", "needs at least one [[entry]]")
    for i, e in enumerate(entries):
        for key in ("label", "scenario", "output"):
            if not isinstance(e.get(key), str):
                raise InputError(f"{path.name}: entry[{i}].{key}", "missing or not a string")
        scale = e.get("scale", 1.0)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
            raise InputError(f"{path.name}: entry[{i}].scale", "must be a positive number")
        if not isinstance(e.get("set", []), list):
            raise InputError(f"{path.name}: entry[{i}].set", "must be a list of 'NAME=VALUE' strings")
    return head, entries, path.name


def compare_outputs(ref: str, draws: int = 50_000, seed: int | None = None) -> tuple[dict, list[Entry], int]:
    from flopcast.seeds import resolve_seed

    head, raw, file = load(ref)
    seed = resolve_seed(seed)
    entries = []
    for i, e in enumerate(raw):
        plan = plan_for(e["scenario"], e.get("set", []))
        if e["output"] not in plan.model.outputs:
            raise InputError(f"{file}: entry[{i}].output", f"{e['output']!r} is not an output of {e['scenario']}")
        scale = float(e.get("scale", 1.0))
        values = run(plan, draws=draws, seed=seed, summarize_outputs=False).outputs[e["output"]] * scale
        unit = plan.unit(e["output"]) + (f" x {scale:g}" if scale != 1 else "")
        point = evaluate_point(plan)[e["output"]] * scale
        entries.append(Entry(e["label"], e["scenario"], e["output"], unit, scale, point, summarize(values, unit),
                             str(e.get("note", ""))))
    return head, entries, seed


