"""The figures a scenario's source published, placed in a run's band: what a report leads with.

For every ``[[headlines]]`` entry of the scenario: the published value, the value the source's own
stated assumptions give (the model at every prior's point, with the headline's ``set``), and the
percentile of each among the run's draws of that output. A headline with a ``set`` (say
``dataset_multiplier = 10``) is placed in the band with its ``set`` applied: the same draws (seed,
sampler, unit-cube columns: common random numbers) with those inputs fixed (``headline_band``). That one
definition serves ``run``, ``audit`` and the report, so a figure has one percentile whatever prints it.

Also the 90% HDI of log(values) for outputs spread over more than a decade, where the HDI on the
linear scale hugs zero and misleads. Pure: no files, no figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from flopcast.analyze.conventions import findings
from flopcast.analyze.reductions import is_fixed, is_streamed, place
from flopcast.domains import check_draws
from flopcast.engine import DEFAULT_CHUNK, evaluate_point, plan_for, run, sampled_columns
from flopcast.executors import _blocks, _thread_map, default_workers
from flopcast.results import Result, RunResult
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
    band_has_set: bool  # the percentiles are read from the band with ``set`` applied (always, since one
    #                    definition serves run, audit and the report; kept for readers of older JSON)
    note: str = ""
    band: tuple[float, float] | None = None  # p05, p95 of the band the percentiles are read from (None: fixed)

    @property
    def ratio(self) -> float:
        return self.published / self.rederived if self.rederived != 0 else math.inf

    @property
    def set_text(self) -> str:
        return ", ".join(f"{k}={v:g}" for k, v in self.set.items())

    def to_json(self) -> dict:
        return {
            "output": self.output,
            "label": self.label,
            "unit": self.unit,
            "published": self.published,
            "rederived": self.rederived,
            "ratio": self.ratio,
            "published_percentile": self.published_percentile,
            "rederived_percentile": self.rederived_percentile,
            "set": dict(self.set),
            "band_has_set": self.band_has_set,
            "note": self.note,
            "band90": list(self.band) if self.band is not None else None,
        }


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
        obj = {
            "scenario": self.scenario,
            "draws": self.draws,
            "headlines": [h.to_json() for h in self.items],
            "log_hdi90": {k: list(v) for k, v in self.log_hdi90.items()},
        }
        if self.premises:
            words = self.wording().get("findings", [])
            obj["premises"] = [
                {**f.to_json(), **({"sentence": s} if s is not None else {})}
                for f, s in zip(self.premises, [*words, *[None] * len(self.premises)])
            ]
        return obj


def log_hdi90(values: np.ndarray) -> tuple[float, float] | None:
    """90% HDI of log(values), back on the value scale; None unless every value is positive and the
    band (p05-p95) spans more than a decade (``summary.log_hdi90_ordered``)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2 or not np.all(v > 0):
        return None
    return log_hdi90_ordered(order_statistics(v))


def headline_band(result, sets: dict, cache: dict | None = None):
    """The band a headline is placed in: ``result`` (a RunResult) itself, or, for a headline whose ``set``
    the run did not fix, the same draws (seed, sampler, unit-cube columns of ``result.plan``: common random
    numbers) with those inputs fixed; None when the set leaves nothing uncertain. One run per distinct set
    (``cache``). A streamed result's band streams too: every draw, its figures counted as it passes."""
    plan = result.plan
    if all(k in plan.constants and plan.constants[k] == v for k, v in sets.items()):
        return result
    key = tuple(sorted(sets.items()))
    cache = {} if cache is None else cache
    if key not in cache:
        fixed = plan_for(plan, dict(sets))
        streamed = is_streamed(result)
        held = _on_held_draws(result, fixed) if fixed.uncertain and not streamed else None
        cache[key] = (
            held
            if held is not None
            else (
                run(
                    fixed,
                    draws=result.draws,
                    seed=result.seed,
                    sampler=result.sampler,
                    columns=sampled_columns(plan),
                    summarize_outputs=streamed,
                    stream=streamed,
                )
                if fixed.uncertain
                else None
            )
        )
    return cache[key]


def _on_held_draws(result, fixed):
    """The set band from the draws ``result`` holds: its drawn inputs, the set ones fixed, through the
    model once; the same numbers a re-run with the same seed and unit-cube columns draws (common random
    numbers), without drawing them again. None when the run kept only some of its inputs' draws or a set
    input is correlated with others."""

    n = result.draws
    if not all(name in result.inputs and len(result.inputs[name]) == n for name in fixed.uncertain):
        return None
    if fixed.correlations != result.plan.correlations or fixed.joint != result.plan.joint:
        return None  # fixing a correlated input changes the copula of the others: draw them again
    drawn = {name: result.inputs[name] for name in fixed.uncertain}
    constants = {k: np.float64(v) for k, v in fixed.constants.items()}
    outputs = {name: np.empty(n) for name in fixed.model.outputs}

    def fill(start: int, m: int) -> None:  # blocks on the engine's threads, as the run itself computed
        part = {name: v[start : start + m] for name, v in drawn.items()}
        with np.errstate(all="ignore"):
            y = fixed.model.evaluate({**constants, **part})
        for name, arr in outputs.items():
            arr[start : start + m] = y[name]
        check_draws(fixed, part, {name: arr[start : start + m] for name, arr in outputs.items()})

    _thread_map(fill, _blocks(n, DEFAULT_CHUNK), default_workers())
    return RunResult(fixed, result.seed, result.sampler, n, drawn, outputs)


def _percentiles(band, output: str, values: tuple[float, ...]) -> tuple:
    """Share of the band's draws of ``output`` below each of ``values``, in percent (0-100), counted
    over ALL of its draws (``analyze.reductions.place``: held or streamed); None for each when the
    output does not vary (no uncertain input moves it, up to rounding): a fixed output has no band."""
    got = None if band is None else place(band, output, values)
    if got is None or is_fixed(got.extent):
        return tuple(None for _ in values)
    return tuple(100.0 * got.below[float(x)] / got.draws for x in values)


def headlines(result) -> Headlines:
    """The scenario's published figures against ``result`` (a RunResult of its plan), each placed in the
    band with its ``set`` applied (``headline_band``). In the run's own band the figures are read off ALL
    of its draws (``_percentiles``): an in-memory run's own draws, as one block; a streamed run's exact
    counts below each figure, reduced over every draw while it streamed (``engine.headline_thresholds``).
    A band with a ``set`` the run did not fix is the same draws re-evaluated with it (a streamed run:
    streamed again, every draw counted)."""
    plan = result.plan
    streamed = result.kept is not None and result.kept < result.draws
    items = []
    bands: dict = {}
    for h in plan.scenario.headlines:
        derived = evaluate_point(plan, at=h.set)[h.output]
        band = headline_band(result, h.set, bands)
        pub, re = _percentiles(band, h.output, (h.value, derived))
        if pub is None:
            p90 = None
        elif band.summary and h.output in band.summary:
            p90 = (band.summary[h.output].p05, band.summary[h.output].p95)  # the band's printed quantiles
        else:
            p90 = tuple(float(q) for q in np.quantile(band.outputs[h.output], [0.05, 0.95]))
        items.append(
            HeadlineFigure(
                h.output,
                h.label or h.output,
                plan.unit(h.output),
                float(h.value),
                derived,
                pub,
                re,
                dict(h.set),
                True,
                h.note,
                p90,
            )
        )
    spans = {}
    known = result.log_hdi90  # read off the run's own partition (in memory) or its histogram (streamed)
    for name, values in result.outputs.items():
        band = known[name] if name in known else None if streamed else log_hdi90(values)
        if band is not None:
            spans[name] = band

    return Headlines(plan.scenario.name, result.draws, items, spans, findings(plan), list(plan.converted))
