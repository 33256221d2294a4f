"""Uniform on [low, high]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flopcast.priors.families._base import Distribution, require


@dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float

    family: ClassVar[str] = "uniform"
    FORMS: ClassVar[dict] = {frozenset({"low", "high"}): "from_low_high"}

    @classmethod
    def from_low_high(cls, low: float, high: float) -> "Uniform":
        require(low < high, f"low ({low:g}) must be below high ({high:g})")
        return cls(low, high)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u):
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def cdf(self, x):
        return np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0.0, 1.0)

    def to_pymc(self, name: str):
        import pymc as pm

        return pm.Uniform(name, lower=self.low, upper=self.high)
