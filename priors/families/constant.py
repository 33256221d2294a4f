"""A fixed number: no uncertainty, never sampled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flopcast.priors.families._base import Distribution


@dataclass(frozen=True)
class Constant(Distribution):
    value: float

    family: ClassVar[str] = "constant"
    FORMS: ClassVar[dict] = {frozenset({"value"}): "from_value"}

    @classmethod
    def from_value(cls, value: float) -> "Constant":
        return cls(value)

    @property
    def is_constant(self) -> bool:
        return True

    @property
    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def ppf(self, u):
        return np.full(np.shape(u), self.value)

    def cdf(self, x):
        return (np.asarray(x, dtype=float) >= self.value).astype(float)

    def describe(self) -> str:
        return f"constant({self.value:.4g})"

    def to_pymc(self, name: str):
        import pytensor.tensor as pt

        return pt.as_tensor_variable(np.float64(self.value))
