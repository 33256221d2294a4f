"""What each shortcut is worth: from another estimate's assumptions to this scenario's, one factor
at a time (the scenario's ``[waterfall]`` table). Model-agnostic: steps are named inputs."""

from __future__ import annotations

from dataclasses import dataclass

from flopcast.engine import evaluate_point, plan_for
from flopcast.priors.errors import InputError
from flopcast.results import Result


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # output after this step
    factor: float | None  # value / previous value; None after a bar at 0 (no ratio)

    def factor_text(self, digits: int = 3) -> str:
        return f"x{self.factor:.{digits}f}" if self.factor is not None else "from 0"


@dataclass(frozen=True, repr=False)
class Waterfall(Result):
    scenario: str
    output: str
    unit: str
    bars: list[Bar]
    overrides: tuple[str, ...] = ()  # the plan's --set / set= overrides (accelerator=... included)

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "overrides": list(self.overrides),
            "output": self.output,
            "unit": self.unit,
            "bars": [{"label": b.label, "value": b.value, "factor": b.factor} for b in self.bars],
        }


def waterfall(scenario, sets=()) -> Waterfall:
    """The start bar then one bar per step of the scenario's [waterfall], cumulatively restored."""
    plan = plan_for(scenario, sets)
    wf = plan.scenario.waterfall
    if wf is None:
        raise InputError(plan.scenario.file, "has no [waterfall] table")
    plan.check_output(wf.output, f"{plan.scenario.file}: waterfall.output")
    for name in wf.start:
        if name not in plan.model.inputs:
            raise InputError(f"{plan.scenario.file}: waterfall.start", f"unknown input {name!r}")
    at = dict(wf.start)
    value = evaluate_point(plan, at=at)[wf.output]
    bars = [Bar(wf.start_label, value, 1.0)]
    for step in wf.steps:
        for name in step.inputs:
            at.pop(name, None)
        new = evaluate_point(plan, at=at)[wf.output]
        bars.append(Bar(step.label, new, _ratio(new, value)))
        value = new
    if at:
        new = evaluate_point(plan, at={})[wf.output]
        bars.append(Bar("remaining inputs: " + ", ".join(at), new, _ratio(new, value)))
    return Waterfall(plan.scenario.name, wf.output, plan.unit(wf.output), bars, tuple(plan.scenario.overrides))


def _ratio(new: float, old: float) -> float | None:
    """The step's factor; None when the previous bar is 0 (a start at 0 has no ratio to show)."""
    return new / old if old != 0 else None
