"""Normal with mean ``mu`` and standard deviation ``sigma``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from flopcast.priors.families._base import Z95, Distribution, mass_z, require


@dataclass(frozen=True)
class Normal(Distribution):
    mu: float
    sigma: float

    family: ClassVar[str] = "normal"
    FORMS: ClassVar[dict] = {
        frozenset({"ci90"}): "from_ci90",
        frozenset({"mean", "sd"}): "from_mean_sd",
        frozenset({"ci", "mass"}): "from_ci_mass",
    }

    @classmethod
    def from_ci_mass(cls, ci: tuple[float, float], mass: float) -> "Normal":
        """Equal-tailed: ``mass`` of the prior in [a, b], (1 - mass) / 2 beyond each end (closed form;
        the maximum-entropy normal with that mass in [a, b] is this one, centred on the interval)."""
        lo, hi = ci
        return cls((lo + hi) / 2.0, (hi - lo) / (2.0 * mass_z(mass)))

    @classmethod
    def from_ci90(cls, ci90: tuple[float, float]) -> "Normal":
        lo, hi = ci90
        return cls((lo + hi) / 2.0, (hi - lo) / (2.0 * Z95))

    @classmethod
    def from_mean_sd(cls, mean: float, sd: float) -> "Normal":
        require(sd > 0, f"sd must be > 0, got {sd:g}")
        return cls(mean, sd)

    support_open: ClassVar[tuple[bool, bool]] = (True, True)

    @property
    def support(self) -> tuple[float, float]:
        return (-np.inf, np.inf)

    def ppf(self, u):
        return self.mu + self.sigma * special.ndtri(u)

    def cdf(self, x):
        return special.ndtr((np.asarray(x, dtype=float) - self.mu) / self.sigma)

    def to_pymc(self, name: str):
        import pymc as pm

        return pm.Normal(name, mu=self.mu, sigma=self.sigma)
