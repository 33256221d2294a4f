"""Lognormal: log(x) ~ Normal(mu, sigma). The natural prior for a positive multiplicative guess."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from flopcast.priors.families._base import Z95, Distribution, mass_z, require


@dataclass(frozen=True)
class LogNormal(Distribution):
    mu: float
    sigma: float

    family: ClassVar[str] = "lognormal"
    FORMS: ClassVar[dict] = {
        frozenset({"ci90"}): "from_ci90",
        frozenset({"median", "sigma"}): "from_median_sigma",
        frozenset({"mu", "sigma"}): "from_mu_sigma",
        frozenset({"ci", "mass"}): "from_ci_mass",
    }

    @classmethod
    def from_ci_mass(cls, ci: tuple[float, float], mass: float) -> "LogNormal":
        """Equal-tailed in log space: ``mass`` of the prior in [a, b], (1 - mass) / 2 beyond each end."""
        lo, hi = ci
        require(lo > 0, f"a lognormal's bounds must be > 0, got {lo:g}")
        return cls((math.log(lo) + math.log(hi)) / 2.0, (math.log(hi) - math.log(lo)) / (2.0 * mass_z(mass)))

    @classmethod
    def from_ci90(cls, ci90: tuple[float, float]) -> "LogNormal":
        """5th and 95th percentiles -> (mu, sigma); closed form: they sit at mu -/+ Z95 sigma."""
        lo, hi = ci90
        require(lo > 0, f"a lognormal's bounds must be > 0, got {lo:g}")
        return cls((math.log(lo) + math.log(hi)) / 2.0, (math.log(hi) - math.log(lo)) / (2.0 * Z95))

    @classmethod
    def from_median_sigma(cls, median: float, sigma: float) -> "LogNormal":
        require(median > 0, f"a lognormal's median must be > 0, got {median:g}")
        return cls.from_mu_sigma(math.log(median), sigma)

    @classmethod
    def from_mu_sigma(cls, mu: float, sigma: float) -> "LogNormal":
        require(sigma > 0, f"sigma must be > 0, got {sigma:g}")
        return cls(mu, sigma)

    support_open: ClassVar[tuple[bool, bool]] = (True, True)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, np.inf)

    def ppf(self, u):
        z = np.asarray(special.ndtri(u), dtype=float)  # in place below: fewer temporaries at 1e7 draws
        z *= self.sigma
        z += self.mu
        return np.exp(z, out=z) if z.ndim else np.exp(z)

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.log(np.where(x > 0, x, np.nan)) - self.mu) / self.sigma
        return np.where(x > 0, special.ndtr(z), 0.0)

    def to_pymc(self, name: str):
        import pymc as pm

        return pm.LogNormal(name, mu=self.mu, sigma=self.sigma)
