"""Triangular on [low, high] with its peak at ``mode``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flopcast.priors.families._base import Distribution, require


@dataclass(frozen=True)
class Triangular(Distribution):
    low: float
    mode: float
    high: float

    family: ClassVar[str] = "triangular"
    FORMS: ClassVar[dict] = {frozenset({"low", "mode", "high"}): "from_low_mode_high"}

    @classmethod
    def from_low_mode_high(cls, low: float, mode: float, high: float) -> "Triangular":
        require(low < high, f"low ({low:g}) must be below high ({high:g})")
        require(low <= mode <= high, f"mode ({mode:g}) must lie within [low, high]")
        return cls(low, mode, high)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u):
        # Inverse CDF, closed form: left branch below F(mode), right branch above.
        u = np.asarray(u, dtype=float)
        a, c, b = self.low, self.mode, self.high
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        a, c, b = self.low, self.mode, self.high
        with np.errstate(divide="ignore", invalid="ignore"):
            left = (x - a) ** 2 / ((b - a) * (c - a))
            right = 1.0 - (b - x) ** 2 / ((b - a) * (b - c))
        out = np.where(x <= c, left, right)
        return np.clip(np.where(x <= a, 0.0, np.where(x >= b, 1.0, out)), 0.0, 1.0)

    def to_pymc(self, name: str):
        import pymc as pm

        return pm.Triangular(name, lower=self.low, c=self.mode, upper=self.high)
