"""Deep tails: P(output >= x) (or <= x) by importance sampling when plain Monte Carlo sees too few draws.

Every draw of the engine is a point z of an independent standard normal in as many dimensions as a
plan has unit-cube columns: u = Phi(z), correlated by the Gaussian copula (``sampling.apply_copula``),
mapped through each prior's inverse CDF (``engine.evaluate_uniforms``); fixed inputs stay fixed. This
module draws z from N(mu, I) instead, a mean shift in that independent normal space (before the copula
factor), and weights each draw by the likelihood ratio w(z) = phi(z) / phi(z - mu)
= exp(-mu.z + |mu|^2 / 2), so that

    p = mean(1{g(z) >= x} w(z)),   MCSE = sd(1{g(z) >= x} w(z)) / sqrt(n)

is unbiased for P(g >= x) under the priors (Owen, "Monte Carlo theory, methods and examples", 2013,
chapter 9, Importance sampling). The "<=" direction is the same machinery on -g.

The shift mu is chosen by the multi-level cross-entropy method (Rubinstein & Kroese, "The Cross-Entropy
Method: A Unified Approach to Combinatorial Optimization, Monte-Carlo Simulation and Machine Learning",
Springer 2004, chapter 3; de Boer, Kroese, Mannor & Rubinstein, "A Tutorial on the Cross-Entropy
Method", Annals of Operations Research 134, 2005, section 3, Algorithm 3.1): at each level draw from
N(mu_t, I), take the (1 - rho) quantile gamma_t of g (at most x), and move mu to the likelihood-ratio
weighted mean of the elite draws g >= gamma_t (the CE update of a normal mean); stop when gamma_t
reaches x. A column that picks a calibrated posterior's joint draw is never shifted (its index has no
order to move along). The weights' effective sample size is Kish's (Kish, "Survey Sampling", Wiley
1965), (sum w)^2 / sum w^2, over the draws that reach the headline: the number of equally weighted
exceedances the estimate is worth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from flopcast.domains import check_draws as check_domains
from flopcast.engine import POSTERIOR_COLUMN, evaluate_uniforms, sampled_columns
from flopcast.plan import Plan
from flopcast.priors.errors import InputError
from flopcast.sampling import apply_copula, copula_factor
from flopcast.seeds import rng

MIN_EXCEEDANCES = 100  # stress switches to importance sampling below this many Monte Carlo draws in the tail
TAIL_METHODS = ("auto", "mc", "is")  # --tail: choose automatically, plain Monte Carlo, importance sampling
IS_DRAWS = 20_000  # draws of the final importance-sampling estimate
CE_DRAWS = 10_000  # draws per cross-entropy level
CE_RHO = 0.1  # elite fraction of each cross-entropy level (Rubinstein & Kroese 2004)
CE_MAX_LEVELS = 30
CE_STALL = 3  # stop after this many levels in a row without the threshold rising (an unreachable tail):
CE_PROGRESS = 1e-3  # rising by less than this share of the remaining distance to the headline
MIN_CONDITIONAL_ESS = 30  # weighted conditional medians need this many effective exceedances
_U_LOW, _U_HIGH = 2.0**-54, 1.0 - 2.0**-53  # keep Phi(z) inside (0, 1), as the unit-cube design does


@dataclass
class TailEstimate:
    """P(output ``direction`` headline) by importance sampling, with what it took to get there."""

    output: str
    unit: str
    headline: float
    direction: str  # ">=" or "<="
    p: float
    mcse: float  # NaN when no draw reached the headline
    draws: int
    hits: int  # importance-sampling draws that reach the headline
    ess: float  # Kish effective sample size of the weights of those draws
    levels: list[dict[str, float]]  # per CE level: its threshold (output unit) and |mu|
    shift: dict[str, float]  # mu per unit-cube column, in standard-normal units
    extreme: float  # the most extreme output value any draw reached, in the tail's direction
    seed: int
    conditional_medians: dict[str, float] = field(default_factory=dict)  # weighted, among the hits

    @property
    def reached(self) -> bool:
        return self.hits > 0

    def to_json(self) -> dict:
        return {
            "method": "importance_sampling",
            "proposal": "normal mean shift by the cross-entropy method",
            "direction": self.direction,
            "p": self.p,
            "mcse": self.mcse if math.isfinite(self.mcse) else None,
            "draws": self.draws,
            "exceedances": self.hits,
            "ess": self.ess,
            "ce_draws_per_level": CE_DRAWS,
            "ce_rho": CE_RHO,
            "ce_levels": self.levels,
            "shift": self.shift,
            "extreme": self.extreme,
            "seed_purpose": "tail",
            "conditional_medians": self.conditional_medians,
        }


def check_tail(method: object) -> str:
    if method not in TAIL_METHODS:
        raise InputError(
            "tail",
            f"must be one of {', '.join(TAIL_METHODS)} (auto: importance sampling when "
            f"plain Monte Carlo sees fewer than {MIN_EXCEEDANCES} draws in the tail), got {method!r}",
        )
    return str(method)


class _Tail:
    """g(z): the output at standard-normal points z (m, columns), signed so the tail is g >= x."""

    def __init__(self, plan: Plan, output: str, sign: float):
        self.plan, self.output, self.sign = plan, output, sign
        self.names = sampled_columns(plan)
        self.factor = copula_factor(plan.correlations, self.names, f"{plan.scenario.file}: correlations")
        self.movable = np.array([n != POSTERIOR_COLUMN for n in self.names], dtype=bool)

    def __call__(self, z: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        u = apply_copula(np.clip(special.ndtr(z), _U_LOW, _U_HIGH), self.factor)
        x, y = evaluate_uniforms(self.plan, self.names, u)
        check_domains(self.plan, x, y)
        g = self.sign * np.asarray(y[self.output], dtype=float)
        if not np.all(np.isfinite(g)):
            raise InputError(
                self.plan.scenario.file,
                f"output {self.output} is NaN or infinite in "
                f"{int(np.count_nonzero(~np.isfinite(g)))} importance-sampling draws toward its tail",
            )
        return g, x


def _log_weights(z: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """log phi(z) - log phi(z - mu) = -mu.z + |mu|^2 / 2, for each row of z."""
    return -(z @ mu) + 0.5 * float(mu @ mu)


def cross_entropy_shift(
    g: _Tail,
    target: float,
    generator: np.random.Generator,
    draws: int = CE_DRAWS,
    rho: float = CE_RHO,
    max_levels: int = CE_MAX_LEVELS,
) -> tuple[np.ndarray, list, float]:
    """The multi-level CE mean shift toward g >= target: (mu, [(gamma_t, |mu_t|)], the largest g seen)."""
    k = len(g.names)
    mu = np.zeros(k)
    levels: list[tuple[float, float]] = []
    best, stalled, previous = -math.inf, 0, -math.inf
    for _ in range(max_levels):
        z = generator.standard_normal((draws, k)) + mu
        v, _ = g(z)
        best = max(best, float(v.max()))
        gamma = min(float(np.quantile(v, 1.0 - rho)), target)
        elite = v >= gamma
        logw = _log_weights(z[elite], mu)
        w = np.exp(logw - logw.max())  # the CE update is a ratio: any common factor cancels
        mu = np.where(g.movable, (w @ z[elite]) / w.sum(), 0.0)
        levels.append((gamma, float(np.linalg.norm(mu))))
        if gamma >= target:
            break
        slow = math.isfinite(previous) and gamma - previous <= CE_PROGRESS * (target - previous)
        stalled = stalled + 1 if slow else 0
        previous = max(previous, gamma)
        if stalled >= CE_STALL:
            break
    return mu, levels, best


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def estimate_tail(
    plan: Plan, output: str, headline: float, direction: str, seed: int, draws: int = IS_DRAWS, ce_draws: int = CE_DRAWS
) -> TailEstimate:
    """P(output ``direction`` headline) under the plan's priors by importance sampling (module doc).
    The random numbers come from the ``"tail"`` stream of ``seed`` (``flopcast.seeds``)."""
    if direction not in (">=", "<="):
        raise InputError("direction", f"must be '>=' or '<=', got {direction!r}")
    for flag, n in (("draws", draws), ("ce_draws", ce_draws)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 100:
            raise InputError(flag, f"importance sampling needs a whole number of at least 100 draws, got {n!r}")
    sign = 1.0 if direction == ">=" else -1.0
    g = _Tail(plan, output, sign)
    target = sign * float(headline)
    generator = rng(seed, "tail")
    mu, levels, best = cross_entropy_shift(g, target, generator, int(ce_draws))
    z = generator.standard_normal((int(draws), len(g.names))) + mu
    v, x = g(z)
    hit = v >= target
    with np.errstate(over="ignore", under="ignore"):
        terms = np.where(hit, np.exp(_log_weights(z, mu)), 0.0)
    n = terms.size
    p = float(terms.mean())
    hits = int(hit.sum())
    mcse = float(terms.std(ddof=1) / math.sqrt(n)) if hits else math.nan
    w = terms[hit]
    ess = float(w.sum() ** 2 / (w @ w)) if hits and w.sum() > 0 else 0.0
    conditional = {}
    if ess >= MIN_CONDITIONAL_ESS:
        conditional = {name: _weighted_median(np.asarray(vals, dtype=float)[hit], w) for name, vals in x.items()}
    return TailEstimate(
        output,
        plan.unit(output),
        float(headline),
        direction,
        p,
        mcse,
        n,
        hits,
        ess,
        [{"threshold": sign * gam, "shift_norm": norm} for gam, norm in levels],
        {name: float(m) for name, m in zip(g.names, mu)},
        sign * max(best, float(v.max())),
        seed,
        conditional,
    )
