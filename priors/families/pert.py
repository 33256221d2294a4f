"""PERT: a beta on [low, high] shaped by a most-likely value (lambda = 4, the classic choice)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np
from scipy import special

from flopcast.priors.families._base import Distribution, require
from flopcast.priors.families._beta_inverse import fast_beta_inverse

LAMBDA = 4.0


@dataclass(frozen=True)
class Pert(Distribution):
    low: float
    mode: float
    high: float

    family: ClassVar[str] = "pert"
    FORMS: ClassVar[dict] = {frozenset({"low", "mode", "high"}): "from_low_mode_high"}

    @classmethod
    def from_low_mode_high(cls, low: float, mode: float, high: float) -> "Pert":
        require(low < high, f"low ({low:g}) must be below high ({high:g})")
        require(low <= mode <= high, f"mode ({mode:g}) must lie within [low, high]")
        return cls(low, mode, high)

    @property
    def shape(self) -> tuple[float, float]:
        """The underlying beta's (alpha, beta): 1 + lambda (mode - low) / (high - low), ..."""
        span = self.high - self.low
        return (
            1.0 + LAMBDA * (self.mode - self.low) / span,
            1.0 + LAMBDA * (self.high - self.mode) / span,
        )

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u):
        a, b = self.shape
        return self.low + (self.high - self.low) * special.betaincinv(a, b, u)

    @cached_property
    def _fast_inverse(self):
        return fast_beta_inverse(*self.shape)

    def sample_ppf(self, u):
        inverse = self._fast_inverse
        unit = inverse(u) if inverse is not None else special.betaincinv(*self.shape, u)
        return self.low + (self.high - self.low) * unit

    def cdf(self, x):
        a, b = self.shape
        unit = (np.asarray(x, dtype=float) - self.low) / (self.high - self.low)
        return special.betainc(a, b, np.clip(unit, 0.0, 1.0))

    def to_pymc(self, name: str):
        import pymc as pm

        a, b = self.shape
        unit = pm.Beta(f"{name}_unit", alpha=a, beta=b)
        return pm.Deterministic(name, self.low + (self.high - self.low) * unit)
