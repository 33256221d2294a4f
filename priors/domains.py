"""Priors against the domains of the inputs they feed (``models/spec.py``: positive, fraction, ...).

A prior fits an input when every value it can draw lies in the input's domain: its family's support
(``Distribution.support`` and ``support_open``) inside the domain's interval, its ``point`` inside too;
a constant's value inside. Whole-number domains (``integer``, ``switch``) take constants only: no
family here draws whole numbers, and rounding a continuous draw would hide what was sampled.

``--set NAME="A to B"`` builds a prior that respects the domain, with A and B its 5th and 95th
percentiles: a lognormal for positive (and real, nonnegative) inputs as before, a beta for fractions,
a loguniform for counts (bounded below, so it stays >= 1); refused for integers and switches.

Domains are duck-typed (``name``, ``lower``, ``upper``, ``lower_open``, ``upper_open``, ``whole``,
``label``, ``interval``, ``contains``) so this module does not import the models.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from flopcast.priors.families import Beta, Distribution, LogNormal, LogUniform, Normal
from flopcast.priors.families.metalog import Metalog

_FRACTIONS = ("fraction", "open_fraction")


def value_problem(value: float, domain: Any) -> str | None:
    """Why a fixed value (a constant, a point, a ``--set``) cannot be the input, or None."""
    if domain is None or bool(domain.contains(float(value))):
        return None
    return f"{value:g} is not {domain.label} in {domain.interval}"


def set_problems(values: Mapping[str, float], inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(name, reason)`` for every value of a ``set`` table (a headline's, an evidence observation's,
    the API's ``set=``) that names no input or lies outside its input's domain: the one check all of
    them share with ``--set`` and the scenario's constants (``value_problem``)."""
    problems = []
    for name, value in values.items():
        spec = inputs.get(name)
        if spec is None:
            problems.append((name, f"unknown input {name!r}; the inputs are: {', '.join(inputs)}"))
        elif not math.isfinite(float(value)):
            problems.append((name, f"must be a finite number, got {value!r}"))
        elif (problem := value_problem(value, getattr(spec, "domain", None))) is not None:
            problems.append((name, f"{problem}; {_value_fix(spec.domain)}"))
    return problems


def prior_problem(dist: Distribution, point: float, domain: Any) -> str | None:
    """Why a prior (its family's support, then its point) cannot feed an input of ``domain``, with a fix."""
    if domain is None:
        return None
    if dist.is_constant:
        problem = value_problem(dist.median, domain)
        return None if problem is None else f"{problem}; {_value_fix(domain)}"
    if domain.whole:
        return (
            f"{domain.label} takes no sampled prior: {dist.family} draws non-whole numbers and no family here "
            f"draws whole ones; {_value_fix(domain)}, one value per run"
        )
    if not _support_inside(dist, domain):
        return (
            f"{domain.label} needs a prior inside {domain.interval}; {_support_text(dist)}; {_family_fix(dist, domain)}"
        )
    problem = value_problem(point, domain)
    return None if problem is None else f"point = {problem}"


def fit_domain(dist: Distribution, domain: Any) -> Distribution:
    """A metalog written without bounds takes the bounds of the input it feeds (Keelin 2016, section 5:
    log-metalog above a lower bound, logit-metalog between two), so ``quantiles = [...]`` alone is a
    valid prior for a positive input or a fraction. The fit is made in the bounded space first: whether
    the unbounded fit through the same quantiles increases does not matter (a skewed set on a positive
    input is often not increasing unbounded, yet an exact log-metalog). Other priors are returned as they are.
    Raises ValueError (with the reason) if the quantiles do not fit inside the domain."""

    if not isinstance(dist, Metalog) or not dist.domain_bounds or domain is None or domain.whole:
        return dist.checked() if isinstance(dist, Metalog) else dist
    lo = domain.lower if math.isfinite(domain.lower) else -math.inf
    hi = domain.upper if math.isfinite(domain.upper) else math.inf
    if lo == -math.inf and hi == math.inf:
        return dist.checked()
    return dist.with_bounds(lo, hi)


def quantile_prior(pairs: list[tuple[float, float]], domain: Any) -> Distribution:
    """The metalog ``--set NAME="q0.1=5e9, q0.5=17e9, q0.9=50e9"`` builds, inside the input's domain."""

    if domain is not None and domain.whole:
        raise ValueError(f"{domain.label} in {domain.interval} takes no quantiles (no family draws whole numbers)")
    return fit_domain(Metalog.from_quantiles(pairs, strict=False), domain)


def range_prior(lo: float, hi: float, domain: Any, name: str = "NAME") -> Distribution:
    """The prior ``--set NAME="A to B"`` builds: 5th and 95th percentiles at ``lo`` and ``hi``, support
    inside the domain. Raises ValueError with the reason and a fix."""
    if not lo < hi:
        raise ValueError(f"range lower bound {lo:g} must be below upper bound {hi:g}")
    kind = getattr(domain, "name", None)
    if kind is not None and domain.whole:
        one = f"--set {name}=0 or --set {name}=1" if kind == "switch" else f"--set {name}=N with a whole N >= 1"
        raise ValueError(
            f"{domain.label} in {domain.interval} takes no range (no family draws whole numbers); "
            f"run once per value ({one}) and compare the runs"
        )
    if kind in _FRACTIONS:
        if not (0.0 < lo and hi < 1.0):
            raise ValueError(
                f"{domain.label}'s range 'A to B' builds a beta with 90% interval [A, B], so "
                f"0 < A < B < 1; for a range reaching 0 or 1 write a uniform, triangular or pert "
                f"prior in the scenario"
            )
        return Beta.from_ci90((lo, hi))
    if kind == "count":
        dist = _loguniform_ci90(lo, hi)
        if dist is None:
            raise ValueError(
                f"{domain.label}'s range 'A to B' builds a loguniform with 90% interval [A, B], whose "
                f"lower end A x (A/B)^(1/18) must be >= 1: raise A, or write a pert or uniform prior "
                f"with low >= 1 in the scenario"
            )
        return dist
    if kind == "real" and lo <= 0.0:
        return Normal.from_ci90((lo, hi))
    if lo <= 0.0:
        extra = f" (a lognormal never draws 0: fix it with --set {name}=0)" if kind == "nonnegative" else ""
        raise ValueError(f"a range 'A to B' builds a lognormal, so A must be > 0, got {lo:g}{extra}")
    return LogNormal.from_ci90((lo, hi))


def _loguniform_ci90(lo: float, hi: float) -> LogUniform | None:
    """The loguniform whose 5th and 95th percentiles are lo and hi (flat in log: each end extends the
    log-interval by 0.05 / 0.9 of its width); None if its lower end falls below 1."""
    if lo <= 0.0:
        return None
    span = (math.log(hi) - math.log(lo)) * 0.05 / 0.9
    low, high = math.exp(math.log(lo) - span), math.exp(math.log(hi) + span)
    return LogUniform(low, high) if low >= 1.0 else None


def _support_inside(dist: Distribution, domain: Any) -> bool:
    lo, hi = dist.support
    lo_open, hi_open = dist.support_open
    low_ok = lo > domain.lower or (lo == domain.lower and (lo_open or not domain.lower_open))
    high_ok = hi < domain.upper or (hi == domain.upper and (hi_open or not domain.upper_open))
    return low_ok and high_ok


def _support_text(dist: Distribution) -> str:
    lo, hi = dist.support
    if lo == -math.inf and hi == math.inf:
        return f"{dist.family} has unbounded support"
    lo_open, hi_open = dist.support_open
    left = "(" if lo_open else "["
    right = ")" if hi_open or hi == math.inf else "]"
    return f"{dist.family} draws from {left}{lo:g}, {'inf' if hi == math.inf else f'{hi:g}'}{right}"


def _ci90(dist: Distribution) -> tuple[float, float] | None:
    try:
        q05, q95 = (float(v) for v in dist.quantile([0.05, 0.95]))
    except (ValueError, TypeError):  # pragma: no cover - every family has quantiles
        return None
    return (q05, q95) if math.isfinite(q05) and math.isfinite(q95) and q05 < q95 else None


def _family_fix(dist: Distribution, domain: Any) -> str:
    ci = _ci90(dist)
    if domain.name in _FRACTIONS:
        example = f" (ci90 = [{ci[0]:.3g}, {ci[1]:.3g}])" if ci and 0 < ci[0] and ci[1] < 1 else " (ci90 inside (0, 1))"
        low = "0 < low" if domain.lower_open else "0 <= low"
        return f'use dist = "beta"{example} or a bounded family (uniform, triangular, pert) with {low} and high <= 1'
    if domain.name in ("positive", "nonnegative"):
        example = f" (ci90 = [{ci[0]:.3g}, {ci[1]:.3g}])" if ci and ci[0] > 0 else ""
        low = "low > 0" if domain.lower_open else "low >= 0"
        return (
            f'use dist = "lognormal"{example}, "loguniform", or a bounded family (uniform, triangular, pert) with {low}'
        )
    if domain.name == "count":
        return 'use a family bounded below: "loguniform", "uniform", "triangular" or "pert" with low >= 1'
    return f"use a prior whose support lies in {domain.interval}"


def _value_fix(domain: Any) -> str:
    if domain.name == "switch":
        return 'use dist = "constant" with value = 0 or 1'
    if domain.whole:
        return 'use dist = "constant" with a whole value >= 1'
    return f"use a value in {domain.interval}"
