"""One output of several scenarios on one log axis: e.g. inference FLOPs per unit of output across
modalities. A comparison file (read by ``flopcast.priors.comparison``) lists the entries; each is
sampled with its own scenario's priors. Model-agnostic: entries name scenarios and outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flopcast.engine import evaluate_point, plan_for, run
from flopcast.priors.comparison import Comparison, load_comparison
from flopcast.priors.errors import InputError
from flopcast.summary import Summary, summarize


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


def compare_outputs(ref: str | Comparison, draws: int = 50_000,
                    seed: int | None = None) -> tuple[dict, list[Entry], int]:
    """Sample each entry of a comparison (a bundled name, a path, or a loaded ``Comparison``) with its
    own scenario's priors; returns the ``[comparison]`` header as a dict, the entries, and the seed."""
    from flopcast.seeds import resolve_seed

    comparison = ref if isinstance(ref, Comparison) else load_comparison(ref)
    seed = resolve_seed(seed)
    entries = []
    for i, e in enumerate(comparison.entries):
        plan = plan_for(e.scenario, list(e.set))
        if e.output not in plan.model.outputs:
            raise InputError(f"{comparison.file}: entry[{i}].output", f"{e.output!r} is not an output of {e.scenario}")
        with np.errstate(over="ignore"):
            values = run(plan, draws=draws, seed=seed, summarize_outputs=False).outputs[e.output] * e.scale
            point = evaluate_point(plan)[e.output] * e.scale
        if not (np.all(np.isfinite(values)) and np.isfinite(point)):
            raise InputError(f"{comparison.file}: entry[{i}].scale", f"{e.scale:g} x {e.output} exceeds the largest "
                             "float (infinite for some draws); use a scale that keeps the figures finite")
        unit = plan.unit(e.output) + (f" x {e.scale:g}" if e.scale != 1 else "")
        entries.append(Entry(e.label, e.scenario, e.output, unit, e.scale, point, summarize(values, unit), e.note))
    return comparison.header(), entries, seed
