"""FLOP-convention premises of a scenario: inputs whose published figure is counted differently from
what the model's equations expect (MACs for FLOPs, a sparse peak for a dense one, a forward pass for
forward + backward; ``models/_convention.py``), what each would be in the equations' convention, and
what the scenario's band becomes when every such figure is converted.

The corrected band is the scenario re-run with ``flop_convention = "corrected"`` on the same draws,
seed, sampler and unit-cube columns as the band it is compared with (common random numbers), so every
ratio below is the conversion's alone. ``flopcast audit`` reports these as premise findings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flopcast.engine import evaluate_point, plan_for, run, sampled_columns
from flopcast.fmt import num
from flopcast.models._convention import Mismatch, mismatches
from flopcast.plan import Plan

SAME = 1e-9  # relative change below which an output does not move


@dataclass(frozen=True)
class Finding:
    """One input whose published figure is in another convention than its equation's."""

    mismatch: Mismatch
    value: float  # the scenario's point value, as published
    corrected: float  # the same figure in the equation's convention
    moves: dict[str, float]  # output -> ratio at the point values when this input alone is converted

    def to_json(self) -> dict:
        """Numbers only; its sentence is ``report.text.finding_sentence`` (the containing result's
        JSON adds it)."""
        return {
            **self.mismatch.to_json(),
            "value": self.value,
            "corrected": self.corrected,
            "moves_alone": dict(self.moves),
        }

    def short(self) -> str:
        """One terminal line: the input, the two conventions and the factor."""

        m = self.mismatch
        words = {"mac": "MACs", "flop": "FLOPs", "forward+backward": "forward + backward"}
        steps = ", ".join(
            f"{words.get(s.published, s.published)} counted, {words.get(s.expects, s.expects)} expected"
            for s in m.steps
        )
        return f"{m.input} = {num(self.value, 3)} {m.unit}: {steps}: x{m.factor:g} = {num(self.corrected, 3)} {m.unit}"


@dataclass(frozen=True)
class Moved:
    """An output the conversion moves: its point value and its band, as published and corrected."""

    output: str
    unit: str
    point: float
    point_corrected: float
    median: float | None  # None: no band (nothing uncertain)
    median_corrected: float | None
    p05_corrected: float | None
    p95_corrected: float | None

    @property
    def ratio(self) -> float:
        a, b = (self.median, self.median_corrected) if self.median is not None else (self.point, self.point_corrected)
        return b / a if a != 0 else math.inf

    def to_json(self) -> dict:
        return {
            "output": self.output,
            "unit": self.unit,
            "point": self.point,
            "point_corrected": self.point_corrected,
            "median": self.median,
            "median_corrected": self.median_corrected,
            "p05_corrected": self.p05_corrected,
            "p95_corrected": self.p95_corrected,
            "ratio_of_medians": self.ratio,
        }


@dataclass
class ConventionCheck:
    findings: list[Finding]
    moved: list[Moved]  # every output the conversion moves, in the model's order
    unmoved: list[str]  # outputs it leaves as they are
    draws: int  # draws of the two bands (0: point values only)
    seed: int
    outputs: dict[str, str] = field(default_factory=dict)  # output -> unit

    def to_json(self) -> dict:
        """Numbers only; the sentences are ``report.text.convention_sentences`` (the containing
        result's JSON adds them as ``summary``)."""
        return {
            "findings": [f.to_json() for f in self.findings],
            "moved": [m.to_json() for m in self.moved],
            "unmoved": list(self.unmoved),
            "draws": self.draws,
            "seed": self.seed,
        }


def findings(plan: Plan) -> list[Finding]:
    """The plan's convention mismatches at its point values (none once a plan is corrected)."""
    if plan.scenario.flop_convention != "as_published":
        return []
    found = mismatches(plan.model.inputs)
    if not found:
        return []
    base = evaluate_point(plan)
    out = []
    for m in found:
        value = plan.points[m.input]
        after = evaluate_point(plan, at={m.input: value * m.factor})
        moves = {k: after[k] / base[k] for k in base if base[k] != 0 and abs(after[k] / base[k] - 1) > SAME}
        out.append(Finding(m, value, value * m.factor, moves))
    return out


def check(plan: Plan, band=None) -> ConventionCheck | None:
    """The premises of ``plan`` and the band it gives corrected, against ``band`` (a RunResult of
    ``plan``; None: compare point values only). None when no input's convention differs."""
    found = findings(plan)
    if not found:
        return None
    corrected = plan_for(plan, flop_convention="corrected")
    before, after = evaluate_point(plan), evaluate_point(corrected)
    fixed = None
    if band is not None:
        fixed = run(corrected, draws=band.draws, seed=band.seed, sampler=band.sampler, columns=sampled_columns(plan))
    moved, unmoved = [], []
    for name in plan.model.outputs:
        s0 = band.summary[name] if band is not None else None
        s1 = fixed.summary[name] if fixed is not None else None
        a, b = (s0.median, s1.median) if s0 is not None else (before[name], after[name])
        if a == b or (a != 0 and abs(b / a - 1) <= SAME):
            unmoved.append(name)
            continue
        moved.append(
            Moved(
                name,
                plan.unit(name),
                before[name],
                after[name],
                s0 and s0.median,
                s1 and s1.median,
                s1 and s1.p05,
                s1 and s1.p95,
            )
        )
    return ConventionCheck(
        found,
        moved,
        unmoved,
        band.draws if band is not None else 0,
        band.seed if band is not None else 0,
        {n: plan.unit(n) for n in plan.model.outputs},
    )
