"""Headline audit: re-derive each figure a source published from the scenario's own point values,
flag the ones its stated assumptions do not give, say what single change would make each follow,
and locate every headline in the scenario's uncertainty band. Model-agnostic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from flopcast.analyze.conventions import check
from flopcast.analyze.headlines import headline_band
from flopcast.analyze.reductions import is_fixed, place
from flopcast.engine import evaluate_point, run
from flopcast.plan import Plan
from flopcast.priors.errors import InputError
from flopcast.results import Result, convention_json

TOLERANCE = (0.95, 1.05)


@dataclass
class Fix:
    input: str
    point: float
    needed: float
    unit: str
    breaks: list[str]  # other headlines this change would push out of tolerance
    side_effects: dict[str, tuple[float, float]]  # other outputs: (before, after)
    alternatives: list[str] = field(default_factory=list)  # inputs with the same effect on the outputs


@dataclass
class AuditLine:
    output: str
    label: str
    unit: str
    published: float
    rederived: float
    ratio: float  # published / re-derived
    consistent: bool
    percentile: float
    p_exceed: float
    quote: str
    note: str
    set: dict
    fixes: list[Fix] = field(default_factory=list)
    inherited_from: str | None = None
    band_fixed: bool = False  # no uncertain input moves this output (under the headline's set)

    def to_json(self) -> dict:
        return {
            "output": self.output,
            "label": self.label,
            "unit": self.unit,
            "published": self.published,
            "rederived": self.rederived,
            "ratio": self.ratio,
            "consistent": self.consistent,
            "percentile": self.percentile,
            "p_exceed": self.p_exceed,
            "quote": self.quote,
            "note": self.note,
            "set": dict(self.set),
            "inherited_from": self.inherited_from,
            "band_fixed": self.band_fixed,
            "single_input_fixes": [
                {
                    "input": f.input,
                    "point": f.point,
                    "needed": f.needed,
                    "unit": f.unit,
                    "same_effect_as": f.alternatives,
                    "breaks_headlines": f.breaks,
                    "then": {k: {"before": a, "after": b} for k, (a, b) in f.side_effects.items()},
                }
                for f in self.fixes
            ],
        }


def _solve_input(plan: Plan, output: str, target: float, name: str, base: dict) -> float | None:
    """The value of one input (others at ``base``) that makes ``output`` equal ``target``,
    searched over 1e-3 to 1e3 times its point value (log-spaced bracket, then Brent)."""
    point = base.get(name, plan.points[name])
    if point == 0:
        return None

    def f(v):
        with np.errstate(all="ignore"):
            y = plan.model.evaluate({**{n: np.float64(x) for n, x in plan.points.items()}, **base, name: v})[output]
        return np.log(y / target) if np.all(y > 0) else np.nan

    grid = point * np.geomspace(1e-3, 1e3, 121)
    vals = np.array([f(v) for v in grid], dtype=float)
    ok = np.isfinite(vals)
    if not ok.any() or np.ptp(vals[ok]) < 1e-12:
        return None
    sign = np.sign(vals)
    candidates = [i for i in range(len(grid) - 1) if ok[i] and ok[i + 1] and sign[i] * sign[i + 1] <= 0]
    if not candidates:
        return None
    i = min(candidates, key=lambda i: abs(math.log(grid[i] / point)))  # the crossing nearest the point
    if vals[i] == 0:
        return float(grid[i])
    from scipy import optimize  # heavy: loaded only when a premise is solved for

    return float(optimize.brentq(f, grid[i], grid[i + 1], xtol=abs(point) * 1e-12, rtol=1e-10))


@dataclass(frozen=True, repr=False)
class Audit(Result):
    scenario: str
    lines: list[AuditLine]
    draws: int  # draws of the band the headlines are placed in (0: no uncertain input)
    seed: int
    conventions: object = None  # analyze.conventions.ConventionCheck: FLOP-convention premises, or None
    convention: dict = field(default_factory=dict)  # {"flop_convention": "corrected", ...} when converted
    overrides: tuple[str, ...] = ()  # the plan's --set / set= overrides (accelerator=... included)

    @property
    def summary(self) -> list[str]:
        """Each headline's verdict in words (``report.text.audit_sentences``)."""
        return self.sentences

    @property
    def premises(self) -> list[str]:
        """FLOP-convention premise findings, one sentence each (empty: none)."""
        return list(self.wording().get("premises", []))

    def to_json(self) -> dict:
        words = self.wording()
        obj = {
            "scenario": self.scenario,
            "overrides": list(self.overrides),
            "draws": self.draws,
            "seed": self.seed,
            "headlines": [ln.to_json() for ln in self.lines],
            "summary": words.get("summary", []),
            **self.convention,
        }
        if self.conventions is not None:
            conv = self.conventions.to_json()
            for finding, sentence in zip(conv["findings"], words.get("findings", [])):
                finding["sentence"] = sentence
            obj["conventions"] = {**conv, "summary": words.get("premises", [])}
        return obj


def audit(plan: Plan, draws: int | None = None, seed: int | None = None, max_fixes: int = 6) -> Audit:
    """Every [[headlines]] figure re-derived, checked and placed in the band; and the FLOP-convention
    premises (``analyze.conventions``): inputs counted otherwise than the equations expect, with the
    band re-run converted on the same draws."""
    headlines = plan.scenario.headlines
    if not headlines:  # as the CLI says: an empty audit would read as "every figure checks out"
        raise InputError(plan.scenario.file, "lists no [[headlines]] to audit")
    derived = [evaluate_point(plan, at=h.set) for h in headlines]
    band = run(plan, draws=draws, seed=seed) if plan.uncertain else None
    lines = []
    bands: dict[tuple, object] = {(): band}
    for h, d in zip(headlines, derived):
        re = d[h.output]
        ratio = h.value / re if re != 0 else math.inf
        chosen = _band(h, bands)
        if chosen is None:  # nothing uncertain under the headline's set: the figure is or is not reached
            p, pct, fixed = float(re >= h.value), 100.0 * float(re < h.value), True
        else:  # counted over every draw of the band, held or streamed (``analyze.reductions.place``)
            got = place(chosen, h.output, (h.value,))
            below = got.below[float(h.value)]
            p, pct, fixed = (got.draws - below) / got.draws, 100.0 * (below / got.draws), is_fixed(got.extent)
        lines.append(
            AuditLine(
                h.output,
                h.label or h.output,
                plan.unit(h.output),
                h.value,
                re,
                ratio,
                TOLERANCE[0] <= ratio <= TOLERANCE[1],
                pct,
                p,
                h.quote,
                h.note,
                dict(h.set),
                band_fixed=fixed,
            )
        )
    for line, h in zip(lines, headlines):
        if line.consistent:
            continue
        line.inherited_from = _inherited(plan, line, lines)
        line.fixes = _fixes(plan, line, h, headlines, derived, max_fixes)

    return Audit(
        plan.scenario.name,
        lines,
        band.draws if band else 0,
        band.seed if band else 0,
        check(plan, band),
        convention_json(plan),
        overrides=tuple(plan.scenario.overrides),
    )


def _band(h, bands: dict):
    """The band ``h`` is placed in (``analyze.headlines.headline_band``): the scenario's, or, for a headline
    with ``set``, the same draws with those inputs fixed; None when nothing is uncertain."""
    band = bands[()]
    if band is None:
        return None
    return headline_band(band, dict(h.set), bands)  # the one definition run and the report use


def _dependencies(plan: Plan, output: str) -> frozenset[str]:
    """Inputs whose 10% change moves ``output`` at the point values."""
    base = evaluate_point(plan)[output]
    deps = set()
    for name, v in plan.points.items():
        try:
            moved = evaluate_point(plan, at={name: v * 1.1 if v != 0 else 0.1})[output]
        except InputError:  # the model refuses a nudged value (a switch, an integer count)
            continue
        if not math.isclose(moved, base, rel_tol=1e-12):
            deps.add(name)
    return frozenset(deps)


def _inherited(plan: Plan, line: AuditLine, lines: list[AuditLine]) -> str | None:
    """An inconsistent headline upstream of this one (its output depends on a strict subset of
    this output's inputs) that is off by the same ratio: the slip happened there."""
    mine = _dependencies(plan, line.output)
    for other in lines:
        if other is line or other.consistent or other.output == line.output:
            continue
        if abs(math.log(other.ratio / line.ratio)) < 0.03 and _dependencies(plan, other.output) < mine:
            return other.output
    return None


def _fixes(plan: Plan, line: AuditLine, h, headlines, derived, max_fixes: int) -> list[Fix]:
    """Single-input changes that make the headline follow, one per route (the set of other outputs
    the change moves), each route represented by its smallest relative change."""
    before = evaluate_point(plan, at=dict(h.set))
    fixes = []
    for name in plan.input_names:
        needed = _solve_input(plan, line.output, line.published, name, dict(h.set))
        if needed is None:
            continue
        try:  # the model's own checks (e.g. a 0/1 switch, divisible sizes) rule some values out
            after = evaluate_point(plan, at={**h.set, name: needed})
        except InputError:
            continue
        breaks = []  # consistent headlines this change would push out of tolerance
        for other, d in zip(headlines, derived):
            if other is h:
                continue
            try:
                y = evaluate_point(plan, at={**other.set, name: needed})[other.output]
            except InputError:
                continue
            was_ok = TOLERANCE[0] <= other.value / d[other.output] <= TOLERANCE[1]
            if was_ok and not TOLERANCE[0] <= other.value / y <= TOLERANCE[1]:
                breaks.append(f"{other.output} ({other.label})" if other.label else other.output)
        side = {
            k: (before[k], after[k])
            for k in after
            if k != line.output and not math.isclose(before[k], after[k], rel_tol=1e-9)
        }
        point = h.set.get(name, plan.points[name])
        fixes.append(Fix(name, point, needed, plan.unit(name), breaks, side))

    def size(f: Fix) -> float:
        return abs(math.log(f.needed / f.point)) if f.point > 0 and f.needed > 0 else math.inf

    routes: dict[frozenset, list[Fix]] = {}
    for f in sorted(fixes, key=size):
        routes.setdefault(frozenset(f.side_effects), []).append(f)
    best = [group[0] for group in routes.values()]
    for f in best:
        f.alternatives = [g.input for g in routes[frozenset(f.side_effects)][1:]]
    best.sort(key=lambda f: (len(f.breaks), size(f)))
    return best[:max_fixes]
