"""Beta on (0, 1): shares, fractions and utilizations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import ClassVar

import numpy as np
from scipy import special

from flopcast.priors.families._base import Distribution, mass_z, require
from flopcast.priors.families._beta_inverse import fast_beta_inverse, fit_quantiles


@dataclass(frozen=True)
class Beta(Distribution):
    alpha: float
    beta: float

    family: ClassVar[str] = "beta"
    FORMS: ClassVar[dict] = {
        frozenset({"ci90"}): "from_ci90",
        frozenset({"alpha", "beta"}): "from_alpha_beta",
        frozenset({"ci", "mass"}): "from_ci_mass",
    }

    @classmethod
    def from_ci_mass(cls, ci: tuple[float, float], mass: float) -> "Beta":
        """Equal-tailed: the (1 - mass) / 2 and (1 + mass) / 2 quantiles land on ``ci`` (as ``from_ci90``)."""
        mass_z(mass)  # checks the mass
        return cls._fit(ci, ((1.0 - mass) / 2.0, (1.0 + mass) / 2.0), f"mass {mass:g}")

    @classmethod
    def from_alpha_beta(cls, alpha: float, beta: float) -> "Beta":
        require(alpha > 0 and beta > 0, f"alpha and beta must be > 0, got {alpha:g}, {beta:g}")
        return cls(alpha, beta)

    @classmethod
    def from_ci90(cls, ci90: tuple[float, float]) -> "Beta":
        """Equal-tailed fit: the 5th and 95th percentiles land on ``ci90``.

        No closed form exists; Newton's method solves the two quantile equations in
        (log alpha, log beta), started from the moment match of a normal with the same interval.
        """
        return cls._fit(ci90, (0.05, 0.95), "5th/95th percentiles")

    @classmethod
    def _fit(cls, ci: tuple[float, float], probs: tuple[float, float], what: str) -> "Beta":
        lo, hi = ci
        require(0 < lo and hi < 1, f"a beta's interval must lie inside (0, 1), got [{lo:g}, {hi:g}]")
        a, b = _fit_quantiles(float(lo), float(hi), float(probs[0]), float(probs[1]))
        got = special.betaincinv(a, b, np.array(probs))
        require(
            np.allclose(got, [lo, hi], rtol=1e-4, atol=1e-7),
            f"no beta distribution has {what} [{lo:g}, {hi:g}]",
        )
        return cls(a, b)

    support_open: ClassVar[tuple[bool, bool]] = (True, True)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def ppf(self, u):
        return special.betaincinv(self.alpha, self.beta, u)

    def cdf(self, x):
        return special.betainc(self.alpha, self.beta, np.clip(np.asarray(x, dtype=float), 0.0, 1.0))

    @cached_property
    def _fast_inverse(self):
        return fast_beta_inverse(self.alpha, self.beta)

    def sample_ppf(self, u):
        inverse = self._fast_inverse
        return inverse(u) if inverse is not None else self.ppf(u)

    def to_pymc(self, name: str):
        import pymc as pm

        return pm.Beta(name, alpha=self.alpha, beta=self.beta)


@lru_cache(maxsize=256)
def _fit_quantiles(lo: float, hi: float, p_lo: float, p_hi: float) -> tuple[float, float]:
    """The fit of the two quantile equations, cached by the exact bounds and levels (scenarios, --set
    and every analysis rebuild the same priors): Newton's method with scipy.special only
    (``_beta_inverse.fit_quantiles``); scipy.optimize's least squares only if that fails to converge."""
    fit = fit_quantiles(lo, hi, p_lo, p_hi)
    if fit is not None:
        return fit
    from scipy import optimize

    z = float(special.ndtri(p_hi))
    m, sd = (lo + hi) / 2.0, (hi - lo) / (2.0 * z)
    k = max(m * (1 - m) / sd**2 - 1.0, 0.5)
    target = special.logit(np.array([lo, hi]))

    def residual(log_ab):
        a, b = np.exp(log_ab)
        return special.logit(special.betaincinv(a, b, np.array([p_lo, p_hi]))) - target

    fit = optimize.least_squares(residual, np.log([m * k, (1 - m) * k]), xtol=1e-12, ftol=1e-12)
    a, b = np.exp(fit.x)
    return float(a), float(b)
