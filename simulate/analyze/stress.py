"""Stress-testing a published headline: where it sits, what one must believe, and goal seek.

Model-agnostic: works on any plan's uncertain inputs and any output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from flopcast.priors.errors import InputError
from flopcast.results import Rendered
from flopcast.engine import run
from flopcast.seeds import int_seed
from flopcast.plan import Plan
from flopcast.analyze.sensitivity import check_output

GOAL_RANGE = (0.001, 0.999)  # goal seek searches the prior's 0.1-99.9% range
GOAL_DRAWS = 20_000


@dataclass
class Conditional:
    prior_median: float
    conditional_median: float
    prior_percentile_of_conditional_median: float  # 0-100
    unit: str


@dataclass(repr=False)
class Stress(Rendered):
    scenario: str
    output: str
    unit: str
    headline: float
    draws: int
    seed: int
    p_exceed: float
    p_exceed_mcse: float
    percentile: float  # 0-100: share of draws below the headline
    direction: str  # ">=" or "<="
    tail_draws: int
    conditional: dict[str, Conditional | None]
    goal_seek: dict[str, float | None]
    median: float
    sentences: list[str] = field(default_factory=list)
    values: np.ndarray | None = None  # the output's draws, for the exceedance figure

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "output": self.output,
            "unit": self.unit,
            "headline": self.headline,
            "draws": self.draws,
            "seed": self.seed,
            "p_exceed": self.p_exceed,
            "p_exceed_mcse": self.p_exceed_mcse,
            "percentile": self.percentile,
            "median": self.median,
            "direction": self.direction,
            "tail_draws": self.tail_draws,
            "conditional": {
                n: None if c is None else {
                    "prior_median": c.prior_median,
                    "conditional_median": c.conditional_median,
                    "prior_percentile_of_conditional_median": c.prior_percentile_of_conditional_median,
                }
                for n, c in self.conditional.items()
            },
            "goal_seek": self.goal_seek,
            "summary": self.sentences,
        }


def check_headline(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError("--headline", f"must be a positive number, got {value!r}")
    return float(value)


def exceedance(values: np.ndarray, x: float) -> tuple[float, float, float]:
    """P(output >= x), its Monte Carlo standard error sqrt(p(1-p)/n), and x's percentile (0-100)."""
    n = values.size
    p = float(np.count_nonzero(values >= x)) / n
    below = float(np.count_nonzero(values < x)) / n
    return p, math.sqrt(p * (1 - p) / n), 100.0 * below


def conditional_shift(plan: Plan, inputs: dict[str, np.ndarray], mask: np.ndarray, min_tail: int = 30):
    """Each input's median among the draws in the tail, located in its prior (percentile 0-100)."""
    out: dict[str, Conditional | None] = {}
    for name, values in inputs.items():
        dist = plan.dists[name]
        if mask.sum() < min_tail:
            out[name] = None
            continue
        cm = float(np.median(values[mask]))
        out[name] = Conditional(dist.median, cm, 100.0 * float(dist.cdf(cm)), plan.unit(name))
    return dict(sorted(out.items(), key=lambda kv: -abs(kv[1].prior_percentile_of_conditional_median - 50.0)
                       if kv[1] is not None else 0.0))


def goal_seek(plan: Plan, output: str, target: float, seed: int, draws: int = GOAL_DRAWS) -> dict[str, float | None]:
    """For each uncertain input alone: the value that moves the output's median to ``target`` with
    the other inputs still drawn from their priors (common random numbers across candidate values).
    None when the median cannot reach the target within the prior's 0.1-99.9% range."""
    base = run(plan, draws=draws, seed=int_seed(seed, "goal_seek"), summarize_outputs=False)
    constants = {n: np.float64(v) for n, v in plan.constants.items()}
    grid_u = np.linspace(*GOAL_RANGE, 41)
    found: dict[str, float | None] = {}
    for name in plan.uncertain:
        dist = plan.dists[name]

        def median_at(values: np.ndarray) -> np.ndarray:
            x = {**constants, **{n: v[None, :] for n, v in base.inputs.items()}, name: values[:, None]}
            with np.errstate(all="ignore"):
                y = np.broadcast_to(plan.model.evaluate(x)[output], (values.size, draws))
            return np.median(y, axis=1)

        g = median_at(dist.ppf(grid_u)) - target
        crossing = np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) <= 0)[0]
        if not np.all(np.isfinite(g)) or crossing.size == 0 or np.ptp(g) == 0:
            found[name] = None
            continue
        i = int(crossing[0])
        if g[i] == 0:
            found[name] = float(dist.ppf(grid_u[i]))
            continue
        u = optimize.brentq(lambda uu: float(median_at(dist.ppf(np.array([uu])))[0] - target),
                            grid_u[i], grid_u[i + 1], xtol=1e-6)
        found[name] = float(dist.ppf(np.array(u)))
    return found


def _ordinal(q: float) -> str:
    n = int(round(q))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def stress(plan: Plan, output: str, headline: float, draws: int | None = None, seed: int | None = None,
           sampler: str = "mc", result=None, stream: bool | None = None) -> Stress:
    """Where ``headline`` sits in the band of ``output``. ``result``: a run of this plan whose draws
    are used as they are (none are drawn again); otherwise ``draws`` are drawn with ``seed``, all of
    them, streamed above ``engine.STREAM_ABOVE`` (or with ``stream=True``; ``_stress_streamed``)."""
    from flopcast.fmt import num

    check_output(plan, output)
    headline = check_headline(headline)
    if not plan.uncertain:
        raise InputError(plan.scenario.file, "has no uncertain inputs; nothing to stress")
    if result is None and _streams(draws, stream, sampler):
        p, se, pct, median, direction, tail, cond, y, n, used_seed = _stress_streamed(plan, output, headline, draws,
                                                                                      seed, sampler)
    else:
        if result is None:
            result = run(plan, draws=draws, seed=seed, sampler=sampler, summarize_outputs=False, stream=False)
        elif result.kept is not None and result.kept < result.draws:
            raise InputError("stress", f"this run kept only its first {result.kept:,} of {result.draws:,} draws "
                             "(streamed); run stress on the scenario to use all of them")
        y = result.outputs[output]
        p, se, pct = exceedance(y, headline)
        median = float(np.median(y))
        direction = ">=" if headline >= median else "<="
        mask = y >= headline if direction == ">=" else y <= headline
        cond = conditional_shift(plan, result.inputs, mask)
        tail, n, used_seed = int(mask.sum()), y.size, result.seed
    seek = goal_seek(plan, output, headline, used_seed)
    sentences = [
        f"{output} >= {num(headline)} {plan.unit(output)}: P = {p:.3g} (MCSE {se:.2g}); "
        f"the headline sits at the {_ordinal(pct)} percentile of the band (median {num(median)})."
    ]
    if tail < 30:
        sentences.append(f"only {tail} of {n} draws reach {direction} {num(headline)}; "
                         f"too few to say what one must believe (use more --draws)")
    for name, c in cond.items():
        if c is None:
            continue
        sentences.append(
            f"for {direction} {num(headline)}, {name} had to be at its prior's {_ordinal(c.prior_percentile_of_conditional_median)} "
            f"percentile (median {num(c.conditional_median)} vs {num(c.prior_median)} {c.unit})")
    for name, v in seek.items():
        if v is None:
            sentences.append(f"goal seek: {name} alone cannot move the median to {num(headline)}: "
                             f"not reachable within the prior's 0.1-99.9% range")
        else:
            sentences.append(f"goal seek: {name} = {num(v)} {plan.unit(name)} alone moves the median to {num(headline)}")
    return Stress(plan.scenario.name, output, plan.unit(output), headline, n, used_seed, p, se, pct,
                  direction, tail, cond, seek, median, sentences, y)




def _streams(draws: int | None, stream: bool | None, sampler: str) -> bool:
    from flopcast.analyze.streamed import wants_stream

    return wants_stream(draws, stream, sampler)


def _stress_streamed(plan: Plan, output: str, headline: float, draws: int | None, seed: int | None, sampler: str):
    """The draws' part of ``stress`` over all ``draws`` without holding them: exact exceedance
    counts and (conditional) medians (``analyze.streamed``); the figure shows the kept prefix."""
    from flopcast import engine
    from flopcast.analyze.streamed import stress_tail
    from flopcast.seeds import resolve_seed

    n = engine.check_draws(draws if draws is not None else (plan.scenario.default_draws or engine.DEFAULT_DRAWS))
    seed = resolve_seed(seed)
    p, se, pct, median, direction, tail, medians, y = stress_tail(plan, output, headline, n, seed, sampler)
    cond = {}
    for name in (n for n in plan.uncertain if n in medians):
        cm, dist = medians[name], plan.dists[name]
        cond[name] = None if cm is None else Conditional(dist.median, cm, 100.0 * float(dist.cdf(cm)), plan.unit(name))
    cond = dict(sorted(cond.items(), key=lambda kv: -abs(kv[1].prior_percentile_of_conditional_median - 50.0)
                       if kv[1] is not None else 0.0))
    return p, se, pct, median, direction, tail, cond, y, n, seed
