"""The figures a scenario's source published, placed in a run's band: what a report leads with.

For every ``[[headlines]]`` entry of the scenario: the published value, the value the source's own
stated assumptions give (the model at every prior's point, with the headline's ``set``), and the
percentile of each among the run's draws of that output. A headline with a ``set`` (say
``dataset_multiplier = 10``) is placed in the run's band as drawn; when the run did not fix those
inputs at those values the band was drawn without them, and ``band_has_set`` says so.

Also the 90% HDI of log(values) for outputs spread over more than a decade, where the HDI on the
linear scale hugs zero and misleads. Pure: no files, no figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from flopcast.engine import evaluate_point
from flopcast.results import Result
from flopcast.summary import log_hdi90_ordered, order_statistics


@dataclass(frozen=True)
class HeadlineFigure:
    output: str
    label: str
    unit: str
    published: float
    rederived: float  # the model at the source's point values (and the headline's set)
    published_percentile: float | None  # 0-100: share of the run's draws below the published value;
    rederived_percentile: float | None  # None: the output is fixed (no band)
    set: dict
    band_has_set: bool  # the run fixed every input of ``set`` at that value
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.published / self.rederived if self.rederived != 0 else math.inf

    @property
    def set_text(self) -> str:
        return ", ".join(f"{k}={v:g}" for k, v in self.set.items())

    def to_json(self) -> dict:
        return {"output": self.output, "label": self.label, "unit": self.unit, "published": self.published,
                "rederived": self.rederived, "ratio": self.ratio,
                "published_percentile": self.published_percentile,
                "rederived_percentile": self.rederived_percentile, "set": dict(self.set),
                "band_has_set": self.band_has_set, "note": self.note}


@dataclass(frozen=True, repr=False)
class Headlines(Result):
    scenario: str
    draws: int  # draws the percentiles and log-scale HDIs are read from: all of the run's
    items: list[HeadlineFigure] = field(default_factory=list)
    log_hdi90: dict[str, tuple[float, float]] = field(default_factory=dict)  # outputs spanning > a decade
    premises: list = field(default_factory=list)  # analyze.conventions.Finding: FLOP-convention mismatches
    converted: list = field(default_factory=list)  # models._convention.Mismatch converted by this run

    def for_output(self, name: str) -> list[HeadlineFigure]:
        return [h for h in self.items if h.output == name]

    def lead(self, key_outputs=()) -> HeadlineFigure | None:
        """The headline a summary leads with: the last one of the first key output that has any
        (the source's conclusion comes last), else the last headline."""
        for name in key_outputs:
            mine = [h for h in self.for_output(name) if not h.set]
            if mine:
                return mine[-1]
        return self.items[-1] if self.items else None

    def to_json(self) -> dict:
        obj = {"scenario": self.scenario, "draws": self.draws, "headlines": [h.to_json() for h in self.items],
               "log_hdi90": {k: list(v) for k, v in self.log_hdi90.items()}}
        if self.premises:
            words = self.wording().get("findings", [])
            obj["premises"] = [{**f.to_json(), **({"sentence": s} if s is not None else {})}
                               for f, s in zip(self.premises, [*words, *[None] * len(self.premises)])]
        return obj


def percentile(values: np.ndarray, x: float) -> float | None:
    """Share of the draws below ``x``, in percent (0-100); None when the output does not vary (no
    uncertain input moves it, up to rounding): a fixed output has no band to sit in."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi - lo <= 1e-9 * max(abs(lo), abs(hi)):
        return None
    return 100.0 * float(np.count_nonzero(values < x)) / values.size


def log_hdi90(values: np.ndarray) -> tuple[float, float] | None:
    """90% HDI of log(values), back on the value scale; None unless every value is positive and the
    band (p05-p95) spans more than a decade (``summary.log_hdi90_ordered``)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2 or not np.all(v > 0):
        return None
    return log_hdi90_ordered(order_statistics(v))


def headlines(result) -> Headlines:
    """The scenario's published figures against ``result`` (a RunResult of its plan), read off ALL of
    its draws: an in-memory run's own draws; a streamed run's exact counts below each figure and its
    log-scale HDI, reduced over every draw while it streamed (``engine.headline_thresholds``)."""
    plan = result.plan
    streamed = result.kept is not None and result.kept < result.draws
    items = []
    for h in plan.scenario.headlines:
        derived = evaluate_point(plan, at=h.set)[h.output]
        has_set = all(k in plan.constants and plan.constants[k] == v for k, v in h.set.items())
        if streamed:
            place = partial(_streamed_percentile, result, h.output)
        else:
            place = partial(percentile, result.outputs[h.output])
        items.append(HeadlineFigure(h.output, h.label or h.output, plan.unit(h.output), float(h.value), derived,
                                    place(h.value), place(derived), dict(h.set), has_set, h.note))
    spans = {}
    known = result.log_hdi90  # read off the run's own partition (in memory) or its histogram (streamed)
    for name, values in result.outputs.items():
        band = known[name] if name in known else None if streamed else log_hdi90(values)
        if band is not None:
            spans[name] = band
    from flopcast.analyze.conventions import findings

    return Headlines(plan.scenario.name, result.draws, items, spans, findings(plan), list(plan.converted))


def _streamed_percentile(result, output: str, x: float) -> float | None:
    """``percentile`` over every draw of a streamed run: its exact count below ``x`` and its extent."""
    lo, hi = result.extent[output]
    if hi - lo <= 1e-9 * max(abs(lo), abs(hi)):
        return None
    below = result.below.get(output, {})
    if float(x) not in below:
        raise ValueError(f"{output}: the run did not count its draws below {x!r} while streaming")
    return 100.0 * below[float(x)] / result.draws
