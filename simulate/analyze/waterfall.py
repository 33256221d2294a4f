"""What each shortcut is worth: from another estimate's assumptions to this scenario's, one factor
at a time (the scenario's ``[waterfall]`` table). Model-agnostic: steps are named inputs."""

from __future__ import annotations

from dataclasses import dataclass

from flopcast.priors.errors import InputError
from flopcast.engine import evaluate_point, plan_for


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # output after this step
    factor: float  # value / previous value


def waterfall(scenario, sets=()) -> tuple[str, str, list[Bar]]:
    """Return (output, unit, bars): the start bar then one bar per step, cumulatively restored."""
    plan = plan_for(scenario, sets)
    wf = plan.scenario.waterfall
    if wf is None:
        raise InputError(plan.scenario.file, "has no [waterfall] table")
    if wf.output not in plan.model.outputs:
        raise InputError(f"{plan.scenario.file}: waterfall.output", f"unknown output {wf.output!r}")
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
        bars.append(Bar(step.label, new, new / value))
        value = new
    if at:
        new = evaluate_point(plan, at={})[wf.output]
        bars.append(Bar("remaining inputs: " + ", ".join(at), new, new / value))
    return wf.output, plan.unit(wf.output), bars


def figure(output: str, unit: str, bars: list[Bar]):
    """Log-scale waterfall: each step a bar from the previous value to the new one."""
    import numpy as np

    from flopcast.report.figures import new_figure

    fig = new_figure(8.0, 0.45 * len(bars) + 1.4)
    ax = fig.add_subplot()
    prev = bars[0].value
    for i, bar in enumerate(bars):
        lo, hi = (bar.value, bar.value) if i == 0 else sorted((prev, bar.value))
        color = "0.5" if i == 0 else ("C3" if bar.value > prev else "C2")
        if i == 0:
            ax.plot([bar.value], [i], "s", color=color)
        else:
            ax.barh(i, hi - lo, left=lo, color=color, alpha=0.75)
        text = f"{bar.value:.3g}" if i == 0 else f"x{bar.factor:.2f} -> {bar.value:.3g}"
        ax.text(max(bar.value, prev), i, "  " + text, va="center", fontsize=8)
        prev = bar.value
    ax.set_yticks(np.arange(len(bars)), [b.label for b in bars], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(f"{output} [{unit}] (point values)")
    ax.set_title(f"{output}: one factor at a time")
    return fig
