"""Log-uniform (reciprocal) on [low, high], low > 0: every decade equally likely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flopcast.priors.families._base import Distribution, require


@dataclass(frozen=True)
class LogUniform(Distribution):
    low: float
    high: float

    family: ClassVar[str] = "loguniform"
    FORMS: ClassVar[dict] = {frozenset({"low", "high"}): "from_low_high"}

    @classmethod
    def from_low_high(cls, low: float, high: float) -> "LogUniform":
        require(low > 0, f"low must be > 0 for a loguniform, got {low:g}")
        require(low < high, f"low ({low:g}) must be below high ({high:g})")
        return cls(low, high)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u):
        a, b = np.log(self.low), np.log(self.high)
        return np.exp(a + (b - a) * np.asarray(u, dtype=float))

    def cdf(self, x):
        a, b = np.log(self.low), np.log(self.high)
        with np.errstate(divide="ignore"):
            lx = np.log(np.asarray(x, dtype=float))
        return np.clip((lx - a) / (b - a), 0.0, 1.0)

    def to_pymc(self, name: str):
        import pymc as pm

        log_x = pm.Uniform(f"{name}_log", lower=np.log(self.low), upper=np.log(self.high))
        return pm.Deterministic(name, pm.math.exp(log_x))
