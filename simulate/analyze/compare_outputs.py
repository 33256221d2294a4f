"""One output of several scenarios on one log axis: e.g. inference FLOPs per unit of output across
modalities. A comparison file (read by ``flopcast.priors.comparison``) lists the entries; each is
sampled with its own scenario's priors. Model-agnostic: entries name scenarios and outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flopcast.engine import evaluate_point, plan_for, run
from flopcast.priors.comparison import Comparison, load_comparison
from flopcast.priors.errors import InputError
from flopcast.results import Result
from flopcast.seeds import resolve_seed
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

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "scenario": self.scenario,
            "output": self.output,
            "unit": self.unit,
            "point": self.point,
            "median": self.summary.median,
            "p05": self.summary.p05,
            "p95": self.summary.p95,
        }


@dataclass(frozen=True, repr=False)
class OutputsComparison(Result):
    """One output across scenarios: the comparison file's ``[comparison]`` header, every entry's band
    and point figure, the draws per entry and the seed. Unpacks as ``head, entries, seed``."""

    head: dict
    entries: list[Entry]
    draws: int
    seed: int

    @property
    def name(self) -> str:
        return self.head.get("name", "comparison")

    @property
    def title(self) -> str:
        return self.head.get("title", self.name)

    @property
    def unit(self) -> str:
        return self.head.get("unit", "")

    def __iter__(self):  # head, entries, seed = fc.compare_outputs(...)
        return iter((self.head, self.entries, self.seed))

    def __repr__(self) -> str:
        return f"<OutputsComparison {self.name}: {len(self.entries)} entries, {self.draws:,} draws, seed {self.seed}>"

    def to_json(self) -> dict:
        return {
            "comparison": self.name,
            "draws": self.draws,
            "seed": self.seed,
            "entries": [e.to_json() for e in self.entries],
        }


def compare_outputs(ref: str | Comparison, draws: int = 50_000, seed: int | None = None) -> OutputsComparison:
    """Sample each entry of a comparison (a bundled name, a path, or a loaded ``Comparison``) with its
    own scenario's priors; the result holds the ``[comparison]`` header as a dict, the entries, the
    draws and the seed (and unpacks as ``head, entries, seed``)."""

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
            raise InputError(
                f"{comparison.file}: entry[{i}].scale",
                f"{e.scale:g} x {e.output} exceeds the largest "
                "float (infinite for some draws); use a scale that keeps the figures finite",
            )
        unit = plan.unit(e.output) + (f" x {e.scale:g}" if e.scale != 1 else "")
        entries.append(Entry(e.label, e.scenario, e.output, unit, e.scale, point, summarize(values, unit), e.note))
    return OutputsComparison(comparison.header(), entries, draws, seed)
