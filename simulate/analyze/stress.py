"""Stress-testing a published headline: where it sits, what one must believe, and goal seek.

Model-agnostic: works on any plan's uncertain inputs and any output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from flopcast import engine
from flopcast.analyze.reductions import Draws, Quantity, draws_of, held, reduce
from flopcast.analyze.sensitivity import check_output
from flopcast.analyze.tail import MIN_EXCEEDANCES, TailEstimate, check_tail, estimate_tail
from flopcast.engine import run
from flopcast.plan import Plan
from flopcast.priors.errors import InputError
from flopcast.results import Result
from flopcast.seeds import int_seed, resolve_seed
from flopcast.summary import exceedance, quantile_mcse

GOAL_RANGE = (0.001, 0.999)  # goal seek searches the prior's 0.1-99.9% range
GOAL_DRAWS = 20_000


@dataclass
class Conditional:
    prior_median: float
    conditional_median: float
    prior_percentile_of_conditional_median: float  # 0-100
    unit: str


@dataclass(frozen=True, repr=False)
class Stress(Result):
    _row_name = "input"  # to_dataframe: one row per input

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
    values: np.ndarray | None = None  # the output's draws, for the exceedance figure
    goal_seek_mcse: dict[str, float | None] = field(default_factory=dict)  # None: unreachable or no slope
    goal_seek_draws: int = GOAL_DRAWS
    p_exceed_method: str = "monte_carlo"  # or "importance_sampling" (``analyze.tail``)
    tail: TailEstimate | None = None  # the importance-sampling estimate, when it was run
    p_upper_95: float | None = None  # no draw of either method reached the headline: a 95% upper bound
    tail_failed: str = ""  # why importance sampling toward the tail was not possible (auto), if it was tried
    overrides: tuple[str, ...] = ()  # the plan's --set / set= overrides (accelerator=... included)
    input_units: dict[str, str] = field(default_factory=dict)  # unit of each uncertain input (goal seek)

    def to_xarray(self):
        """The output's draws the result holds (a streamed stress test: its kept prefix), dimension
        ``draw``, with its unit and the headline in attrs."""
        import xarray as xr

        values = np.asarray(self.values if self.values is not None else [], dtype=float)
        return xr.Dataset(
            {self.output: ("draw", values, {"unit": self.unit})},
            attrs={"scenario": self.scenario, "headline": self.headline, "seed": self.seed, "draws": self.draws},
        )

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "overrides": list(self.overrides),
            "output": self.output,
            "unit": self.unit,
            "headline": self.headline,
            "draws": self.draws,
            "seed": self.seed,
            "p_exceed": self.p_exceed,
            "p_exceed_mcse": self.p_exceed_mcse if math.isfinite(self.p_exceed_mcse) else None,
            "percentile": self.percentile,
            "median": self.median,
            "direction": self.direction,
            "tail_draws": self.tail_draws,
            "conditional": {
                n: None
                if c is None
                else {
                    "prior_median": c.prior_median,
                    "conditional_median": c.conditional_median,
                    "prior_percentile_of_conditional_median": c.prior_percentile_of_conditional_median,
                }
                for n, c in self.conditional.items()
            },
            "goal_seek": self.goal_seek,
            "goal_seek_mcse": self.goal_seek_mcse,
            "goal_seek_draws": self.goal_seek_draws,
            "summary": self.sentences,
            "p_exceed_method": self.p_exceed_method,
            "tail": None if self.tail is None else {**self.tail.to_json(), "p_upper_95": self.p_upper_95},
        }


def check_headline(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError("headline", f"must be a positive number, got {value!r}")
    return float(value)


MIN_TAIL = 30  # fewer draws in the tail: no conditional medians (too few to locate them)


def tail_reductions(plan: Plan, output: str, headline: float) -> dict[str, Quantity]:
    """What ``stress`` reads off the draws: the output's exact median and the draws below the
    headline (its exceedance count), keyed ``""``."""
    return {"": Quantity.output(output, below=(headline,), order="quantiles", unit=plan.unit(output))}


def conditional_reductions(
    plan: Plan, output: str, headline: float, direction: str, inputs: list[str]
) -> dict[str, Quantity]:
    """And, among the draws in the headline's tail (``direction``), the exact median of each of
    ``inputs`` and the tail's count (``""``)."""

    def tail(frame) -> np.ndarray:
        y = frame[0][1][output]
        return y >= headline if direction == ">=" else y <= headline

    wanted = {"": Quantity.output(output, where=tail, order="count")}
    return wanted | {n: Quantity.input(n, where=tail, order="quantiles", unit=plan.unit(n)) for n in inputs}


def read_draws(plan: Plan, output: str, headline: float, source: Draws) -> tuple:
    """Everything ``stress`` reads from the draws of ``source``, over all of them (``analyze.reductions``,
    one executor whether they are held or streamed): (p, its MCSE, the headline's percentile, the
    output's median, the tail's direction, the draws in it, {input: Conditional or None}).

    The tail's direction follows the median: it is guessed from the held draws' median, so the tail is
    read in the same pass as the median, and read again only if the exact median says otherwise (a
    headline within a hair of the median); the numbers do not depend on the guess."""
    inputs = [n for n in plan.uncertain if n in source.held[0][0]]
    guess = ">=" if headline >= float(np.median(source.held[0][1][output])) else "<="
    tails = conditional_reductions(plan, output, headline, guess, inputs)
    got = reduce(source, tail_reductions(plan, output, headline) | {f"tail:{k}": q for k, q in tails.items()})
    first = got.pop("")
    p, se, pct = exceedance(plan, output, first.below[float(headline)], first.draws)
    median = first.summary.median
    direction = ">=" if headline >= median else "<="
    got = {k.removeprefix("tail:"): v for k, v in got.items()}
    if direction != guess:
        got = reduce(source, conditional_reductions(plan, output, headline, direction, inputs))
    n_tail = got[""].draws
    out: dict[str, Conditional | None] = {}
    for name in inputs:
        if n_tail < MIN_TAIL or got[name] is None:
            out[name] = None
            continue
        cm, dist = got[name].summary.median, plan.dists[name]
        out[name] = Conditional(dist.median, cm, 100.0 * float(dist.cdf(cm)), plan.unit(name))
    cond = dict(
        sorted(
            out.items(),
            key=lambda kv: -abs(kv[1].prior_percentile_of_conditional_median - 50.0) if kv[1] is not None else 0.0,
        )
    )
    return p, se, pct, median, direction, n_tail, cond


@dataclass(frozen=True)
class GoalSeek:
    """Goal-seek values of each input (None: unreachable), their Monte Carlo standard errors (None:
    unreachable or no slope to read) and the draws the medians were computed on."""

    values: dict[str, float | None]
    mcse: dict[str, float | None]
    draws: int


def goal_seek(plan: Plan, output: str, target: float, seed: int, draws: int = GOAL_DRAWS) -> GoalSeek:
    """For each uncertain input alone: the value that moves the output's median to ``target`` with
    the other inputs still drawn from their priors (common random numbers across candidate values).
    None when the median cannot reach the target within the prior's 0.1-99.9% range.

    MCSE (delta method): the found value v solves median(v) = target, so its Monte Carlo error is the
    median's MCSE at v (ArviZ's quantile MCSE on the ``draws`` outputs there; a calibrated scenario's
    posterior ESS) divided by the slope |d median / d v|, read by a central difference of +/-1% of
    prior probability around v on the same draws."""

    base = run(plan, draws=draws, seed=int_seed(seed, "goal_seek"), summarize_outputs=False)
    constants = {n: np.float64(v) for n, v in plan.constants.items()}
    ess = plan.mcse_ess(draws, (0.5,), output)
    grid_u = np.linspace(*GOAL_RANGE, 41)
    found: dict[str, float | None] = {}
    errors: dict[str, float | None] = {}
    for name in plan.uncertain:
        dist = plan.dists[name]

        def outputs_at(values: np.ndarray) -> np.ndarray:
            x = {**constants, **{n: v[None, :] for n, v in base.inputs.items()}, name: values[:, None]}  # noqa: B023 (called in this iteration)
            with np.errstate(all="ignore"):
                return np.broadcast_to(plan.model.evaluate(x)[output], (values.size, draws))

        def median_at(values: np.ndarray) -> np.ndarray:
            return np.median(outputs_at(values), axis=1)

        g = median_at(dist.ppf(grid_u)) - target
        crossing = np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) <= 0)[0]
        if not np.all(np.isfinite(g)) or crossing.size == 0 or np.ptp(g) == 0:
            found[name] = errors[name] = None
            continue
        i = int(crossing[0])
        if g[i] == 0:
            u = float(grid_u[i])
        else:
            from scipy import optimize  # heavy: loaded only when an input must be solved for

            u = optimize.brentq(
                lambda uu: float(median_at(dist.ppf(np.array([uu])))[0] - target),  # noqa: B023
                grid_u[i],
                grid_u[i + 1],
                xtol=1e-6,
            )
        found[name] = v = float(dist.ppf(np.array(u)))
        errors[name] = _goal_mcse(dist, u, v, outputs_at, ess, quantile_mcse)
    return GoalSeek(found, errors, draws)


def _goal_mcse(dist, u: float, v: float, outputs_at, ess, quantile_mcse) -> float | None:
    """Median's MCSE at ``v`` over the slope of the median in the input, or None without a slope."""
    side = np.clip([u - 0.01, u + 0.01], *GOAL_RANGE)
    around = dist.ppf(side)
    y = outputs_at(np.array([v, *around]))
    medians = np.median(y, axis=1)
    dv = float(around[1] - around[0])
    slope = float(medians[2] - medians[1]) / dv if dv > 0 else 0.0
    if not (np.isfinite(slope) and slope != 0):
        return None
    se = quantile_mcse(np.sort(y[0]), 0.5, ess) / abs(slope)
    return float(se) if math.isfinite(se) else None


def stress(
    plan: Plan,
    output: str,
    headline: float,
    draws: int | None = None,
    seed: int | None = None,
    sampler: str = "mc",
    result=None,
    stream: bool | None = None,
    tail: str = "auto",
) -> Stress:
    """Where ``headline`` sits in the band of ``output``. ``result``: a run of this plan whose draws
    are used as they are (none are drawn again); otherwise ``draws`` are drawn with ``seed``, all of
    them, streamed above ``engine.STREAM_ABOVE`` (or with ``stream=True``). Either way the numbers are
    read by ``read_draws``, one executor over every draw (``analyze.reductions``).

    ``tail``: how P(output >= headline) is estimated. "mc" counts the draws; "is" uses importance
    sampling toward the headline's tail (``analyze.tail``: a cross-entropy mean shift in the normal
    space behind the uniforms, its own ``tail.IS_DRAWS`` draws); "auto" (default) counts unless fewer
    than ``tail.MIN_EXCEEDANCES`` draws reach the headline, and then uses importance sampling.
    Numbers only: the sentences that say what they mean are ``report.text.stress_sentences``."""
    check_output(plan, output)
    headline = check_headline(headline)
    tail_method = check_tail(tail)
    if not plan.uncertain:
        raise InputError(plan.scenario.file, "has no uncertain inputs; nothing to stress")
    source = _source(plan, draws, seed, sampler, result, stream)
    p, se, pct, median, direction, tail, cond = read_draws(plan, output, headline, source)
    y, n, used_seed = np.asarray(source.held[0][1][output]), source.n, source.seed
    est, failed, upper = None, "", None
    if tail_method == "is" or (tail_method == "auto" and tail < MIN_EXCEEDANCES):
        try:
            est = estimate_tail(plan, output, headline, direction, used_seed)
        except InputError as exc:  # e.g. draws deep in the tail leave a domain: asked for, it is an error
            if tail_method == "is":
                raise
            failed = f"{exc.where}: {exc.reason}"
        if est is not None and not est.reached and tail > 0:  # plain draws reached it: their count is better
            est = None
    seek = goal_seek(plan, output, headline, used_seed)
    if est is not None:
        p, se, pct, upper = _from_tail(est, n)
        if tail < 30 and est.conditional_medians:
            cond = _weighted_conditional(plan, est)
    return Stress(
        plan.scenario.name,
        output,
        plan.unit(output),
        headline,
        n,
        used_seed,
        p,
        se,
        pct,
        direction,
        tail,
        cond,
        seek.values,
        median,
        values=y,
        goal_seek_mcse=seek.mcse,
        goal_seek_draws=seek.draws,
        p_exceed_method="monte_carlo" if est is None else "importance_sampling",
        tail=est,
        p_upper_95=upper,
        tail_failed=failed,
        input_units={name: plan.unit(name) for name in plan.uncertain},
        overrides=tuple(plan.scenario.overrides),
    )


def _from_tail(est: TailEstimate, mc_draws: int) -> tuple[float, float, float, float | None]:
    """P(output >= headline), its MCSE and the headline's percentile from an importance-sampling
    estimate of the tail in its direction, and a 95% upper bound on the tail's probability when no
    draw reached it: the rule of three, 3 / N, on the N plain Monte Carlo draws that saw none either
    (importance-sampling draws bound nothing without bounding their weights)."""
    p_ge = est.p if est.direction == ">=" else 1.0 - est.p
    upper = None if est.reached else 3.0 / mc_draws
    return p_ge, est.mcse, 100.0 * (1.0 - p_ge), upper


def _weighted_conditional(plan: Plan, est: TailEstimate) -> dict[str, Conditional | None]:
    """The conditional medians of ``read_draws``, read from the importance-sampling draws in the tail
    (weighted medians)."""
    out = {}
    for name, cm in est.conditional_medians.items():
        dist = plan.dists[name]
        out[name] = Conditional(dist.median, cm, 100.0 * float(dist.cdf(cm)), plan.unit(name))
    return dict(sorted(out.items(), key=lambda kv: -abs(kv[1].prior_percentile_of_conditional_median - 50.0)))


def _source(plan: Plan, draws: int | None, seed: int | None, sampler: str, result, stream: bool | None) -> Draws:
    """The draws a stress test reads: ``result``'s own (held, all of them), or ``draws`` draws of
    ``seed`` (held, or streamed above ``engine.STREAM_ABOVE`` or with ``stream=True``)."""
    if result is None:
        n = engine.check_draws(draws if draws is not None else (plan.scenario.default_draws or engine.DEFAULT_DRAWS))
        return draws_of([plan], n, resolve_seed(seed), sampler, stream=stream)
    kept = min([len(v) for v in (*result.inputs.values(), *result.outputs.values())], default=result.draws)
    if kept < result.draws:
        raise InputError(
            "stress",
            f"this run kept only its first {kept:,} of {result.draws:,} draws "
            "(streamed); run stress on the scenario to use all of them",
        )
    return held(((result.inputs, result.outputs),), result.draws, result.seed, result.sampler)
