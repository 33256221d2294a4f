"""An input known only through draws, e.g. a calibrated posterior: its marginal is the draws'
empirical distribution. The engine samples posterior inputs jointly (one draw index for all of
them) so their dependence survives; this marginal serves quantiles, tornado and stress tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from flopcast.priors.errors import InputError
from flopcast.priors.families._base import Distribution


@dataclass(frozen=True)
class Empirical(Distribution):
    values: np.ndarray = field(repr=False, compare=False)  # sorted draws
    label: str = "posterior"

    family: ClassVar[str] = "empirical"
    FORMS: ClassVar[dict] = {}

    @classmethod
    def from_draws(cls, draws, label: str = "posterior") -> "Empirical":
        values = np.sort(np.asarray(draws, dtype=float).ravel())
        if values.size < 2 or not np.all(np.isfinite(values)):
            raise ValueError("needs at least two finite draws")
        return cls(values, label)

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.values[0]), float(self.values[-1]))

    def ppf(self, u):
        n = self.values.size
        return np.interp(u, (np.arange(n) + 0.5) / n, self.values)

    def cdf(self, x):
        return np.searchsorted(self.values, np.asarray(x, dtype=float), side="right") / self.values.size

    def params(self) -> dict[str, float]:
        return {"draws": float(self.values.size), "median": float(np.median(self.values))}

    def describe(self) -> str:
        return f"{self.label}({self.values.size} draws)"

    def to_pymc(self, name: str):
        raise InputError(name, "is a posterior already; calibrate the original scenario with all the evidence instead")
