"""Credible-interval summaries of one output's draws.

Mean, median, equal-tailed 90% interval (p05, p95), 90% highest-density interval (arviz), and the
Monte Carlo standard error of p05, p50 and p95. The MCSE uses ArviZ's order-statistic estimator
(``arviz.mcse(method="quantile")``) with the effective sample size set to the number of draws, which
is exact for independent Monte Carlo draws and conservative for Latin hypercube and Sobol designs;
it avoids ArviZ's autocorrelation pass, which costs seconds per quantile at 1e7 draws.

No full sort: ``order_statistics`` partitions once at every rank the summary reads (p05/p50/p95
and their MCSE ranks) and sorts only the two tails the 90% HDI scans (the lowest and highest
``n - floor(0.9 n)`` draws, ~10% each). Every rank read then holds exactly the value a full sort
puts there, so the quantiles, MCSE and HDI are bit-identical to the sorted-array functions below.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import special

PROBS = (0.05, 0.5, 0.95)
HDI_PROB = 0.9
_ONE_SIGMA = (float(special.ndtr(-1.0)), float(special.ndtr(1.0)))  # 0.1587, 0.8413, as ArviZ uses


def beta_ppf(p, a: float, b: float):
    """Quantile of Beta(a, b) (scipy.special, without importing scipy.stats)."""
    return special.betaincinv(a, b, np.asarray(p, dtype=float))


def sorted_quantile(s: np.ndarray, q: float) -> float:
    """numpy's default ('linear') quantile, read off an already-sorted array."""
    h = (s.size - 1) * q
    lo = int(np.floor(h))
    hi = min(lo + 1, s.size - 1)
    return float(s[lo] + (h - lo) * (s[hi] - s[lo]))


@dataclass(frozen=True)
class Summary:
    unit: str
    mean: float
    median: float
    p05: float
    p95: float
    hdi90: tuple[float, float]
    mcse_p05: float
    mcse_p50: float
    mcse_p95: float
    draws: int

    def as_dict(self) -> dict:
        d = asdict(self)
        d["hdi90"] = list(self.hdi90)
        return d

    @property
    def max_relative_mcse(self) -> float:
        """Largest MCSE of p05/p50/p95 relative to the quantile's magnitude (0 for a constant; NaN
        when undefined: one draw)."""
        if any(np.isnan(e) for e in (self.mcse_p05, self.mcse_p50, self.mcse_p95)):
            return float("nan")
        rel = []
        for q, e in ((self.p05, self.mcse_p05), (self.median, self.mcse_p50), (self.p95, self.mcse_p95)):
            rel.append(0.0 if e == 0 else e / abs(q) if q != 0 else np.inf)
        return max(rel)


def ess_at(ess, prob: float, n: int) -> float:
    """The effective sample size for quantile ``prob``: ``ess`` is None (the draw count), one
    number, or a mapping ``{prob: ess}`` (e.g. a posterior's quantile ESS, ``Plan.mcse_ess``)."""
    if ess is None:
        return float(n)
    value = ess.get(prob, n) if hasattr(ess, "get") else ess
    return float(min(max(value, 1.0), n))


def exceedance_mcse(p: float, n: int, ess=None) -> float:
    """Monte Carlo standard error of an exceedance probability ``p`` counted over ``n`` draws:
    sqrt(p (1 - p) / ESS), the ESS being ``n`` for independent draws, or a posterior's (``ess``: one
    number or ``{prob: ess}``, e.g. ``Plan.mcse_ess`` at the threshold's percentile); NaN for one draw."""
    if n < 2:
        return math.nan
    e = ess if ess is None or not hasattr(ess, "values") else next(iter(ess.values()))
    return math.sqrt(p * (1 - p) / ess_at(e, 0.5, n))


def exceedance_ess(plan, output: str, below: float, draws: int) -> dict[float, float] | None:
    """The ESS behind an exceedance's MCSE: a posterior's quantile ESS at the threshold's share of
    draws ``below`` (``Plan.mcse_ess``); None for independent draws."""
    return plan.mcse_ess(draws, (min(max(below, 1e-6), 1 - 1e-6),), output)


def exceedance(plan, output: str, below: int, n: int) -> tuple[float, float, float]:
    """P(output >= x), its Monte Carlo standard error and x's percentile (0-100) from the count of the
    ``n`` (finite) draws ``below`` x: the one definition, whether the draws were held or streamed. The
    MCSE is ``exceedance_mcse`` with a calibrated posterior's ESS at x's percentile (``exceedance_ess``)."""
    p = (n - below) / n
    return p, exceedance_mcse(p, n, exceedance_ess(plan, output, below / n, n)), 100.0 * (below / n)


def mcse_ranks(n: int, prob: float, ess=None) -> tuple[int, int]:
    """0-based ranks of the order statistics ``quantile_mcse`` reads (ArviZ: the Beta rank spread
    of ``ess`` independent draws, read on the ``n`` sorted draws)."""
    e = ess_at(ess, prob, n)
    a, b = beta_ppf(_ONE_SIGMA, e * prob + 1, e * (1 - prob) + 1)
    return int(np.clip(np.floor(a * n), 0, n - 1)), int(np.clip(np.ceil(b * n), 0, n - 1))


def quantile_ranks(n: int, q: float) -> tuple[int, int]:
    """0-based ranks ``sorted_quantile`` reads."""
    lo = int(np.floor((n - 1) * q))
    return lo, min(lo + 1, n - 1)


def quantile_mcse(sorted_values: np.ndarray, prob: float, ess=None) -> float:
    """ArviZ's quantile MCSE with ESS = n (or ``ess``): half the spread of the order statistics whose
    ranks bracket the quantile at +/- one standard deviation of its Beta(ess p + 1, ess (1 - p) + 1)
    rank. NaN for a single draw (no spread to read)."""
    if sorted_values.size < 2:
        return float("nan")
    lo, hi = mcse_ranks(sorted_values.size, prob, ess)
    return float(sorted_values[hi] - sorted_values[lo]) / 2.0


def hdi(sorted_values: np.ndarray, prob: float = HDI_PROB) -> tuple[float, float]:
    """Narrowest interval holding ``prob`` of the draws: ArviZ's ``hdi`` algorithm for one
    unimodal variable, written out on the already-sorted draws because ``import arviz`` costs
    ~5 s per run; tests check it against ``arviz.hdi``."""
    n = sorted_values.size
    keep = int(np.floor(prob * n))
    widths = sorted_values[keep:] - sorted_values[: n - keep]
    i = int(np.argmin(widths))
    return float(sorted_values[i]), float(sorted_values[i + keep])


def order_statistics(values: np.ndarray, hdi_prob: float = HDI_PROB, ess=None) -> np.ndarray:
    """A copy of ``values`` that agrees with ``np.sort(values)`` at every rank ``summarize`` reads:
    the quantile and MCSE ranks (one ``np.partition``) and the two tails ``hdi`` scans (sorted).
    The draws between the tails are in no particular order."""
    n = values.size
    keep = int(np.floor(hdi_prob * n))
    tail = n - keep  # hdi reads ranks [0, tail) and [keep, n)
    if n < 64 or 2 * tail >= n // 2:  # tiny arrays: a sort is as cheap and simpler
        return np.sort(values)
    ranks = {tail - 1, keep}
    for q in PROBS:
        ranks.update(quantile_ranks(n, q))
        ranks.update(mcse_ranks(n, q, ess))
    s = np.partition(values, sorted(ranks))
    s[:tail].sort()
    s[keep:].sort()
    return s


def summarize(values: np.ndarray, unit: str = "", ess=None) -> Summary:
    """``ess``: the effective sample size behind the MCSE (default: the draw count); a number or
    ``{prob: ess}``, e.g. a posterior's for a calibrated scenario (``Plan.mcse_ess``)."""
    values = np.asarray(values, dtype=float)
    values = values if values.ndim == 1 else values.ravel()
    if values.size > 1 and values.strides == (0,):  # one value broadcast over the draws (a fixed output)
        c = float(values[0])  # what the general path gives for equal values, without copying them
        return Summary(unit, float(values.mean()), c, c, c, (c, c), 0.0, 0.0, 0.0, int(values.size))
    return summarize_ordered(order_statistics(values, ess=ess), float(values.mean()), unit, ess)


DECADE = 10.0  # p95 / p05 above this: the log-scale HDI is the one to read


def log_hdi90_ordered(s: np.ndarray) -> tuple[float, float] | None:
    """90% HDI of log(values) back on the value scale, from ``order_statistics(values)`` (log is
    monotone: its order statistics are the log of these); None unless every value is positive and
    the band (p05-p95) spans more than a decade."""
    if s.size < 2 or not s[0] > 0:  # s[0] is the smallest value (the low tail is sorted)
        return None
    ls = np.log(s)
    if sorted_quantile(ls, 0.95) - sorted_quantile(ls, 0.05) <= math.log(DECADE):
        return None
    lo, hi = hdi(ls)
    return float(np.exp(lo)), float(np.exp(hi))


@dataclass(frozen=True)
class OutputSummaries:
    """What a run reads off one output's order statistics in one partition: its summary, the summary
    of its float32 rounding (samples.nc stores float32 only when no printed figure changes) and the
    90% HDI of its log (``log_hdi90_ordered``)."""

    summary: Summary
    float32: Summary
    log_hdi90: tuple[float, float] | None


def summarize_output(values: np.ndarray, unit: str = "", ess=None) -> OutputSummaries:
    """``OutputSummaries`` from one partition: rounding to float32 and log are monotone, so they map
    the order statistics rank by rank."""
    values = np.asarray(values, dtype=float)
    values = values if values.ndim == 1 else values.ravel()
    if values.size < 2 or values.strides == (0,):  # one draw, or one value broadcast: no band to span
        return OutputSummaries(summarize(values, unit, ess), summarize(values.astype(np.float32), unit, ess), None)
    s = order_statistics(values, ess=ess)
    rounded_mean = values.astype(np.float32).astype(float).mean()
    return OutputSummaries(
        summarize_ordered(s, float(values.mean()), unit, ess),
        summarize_ordered(s.astype(np.float32).astype(float), rounded_mean, unit, ess),
        log_hdi90_ordered(s),
    )


def summarize_ordered(s: np.ndarray, mean: float, unit: str = "", ess=None) -> Summary:
    """The summary read off ``s``, the ``order_statistics`` of draws whose mean is ``mean``.

    A monotone map of the draws (float32 rounding, log) maps the order statistics rank by rank, so
    ``summarize_ordered(f(s), ...)`` equals ``summarize(f(values))`` without a second partition."""
    p05, p50, p95 = (sorted_quantile(s, q) for q in PROBS)
    return Summary(
        unit=unit,
        mean=float(mean),
        median=float(p50),
        p05=float(p05),
        p95=float(p95),
        hdi90=hdi(s),
        mcse_p05=quantile_mcse(s, 0.05, ess),
        mcse_p50=quantile_mcse(s, 0.5, ess),
        mcse_p95=quantile_mcse(s, 0.95, ess),
        draws=int(s.size),
    )
