"""A prior times a positive constant: a published figure converted to another counting convention
(``flop_convention = "corrected"``: a MAC count x 2). Built by ``priors.conventions``, never named in a
scenario file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from flopcast.priors.families._base import Distribution


@dataclass(frozen=True)
class Scaled(Distribution):
    base: Distribution
    factor: float  # > 0

    family: ClassVar[str] = "scaled"

    def __post_init__(self) -> None:
        if not self.factor > 0:
            raise ValueError(f"a scale factor must be positive, got {self.factor!r}")

    @property
    def support_open(self) -> tuple[bool, bool]:  # type: ignore[override]
        return self.base.support_open

    @property
    def support(self) -> tuple[float, float]:
        lo, hi = self.base.support
        return (lo * self.factor, hi * self.factor)

    def ppf(self, u):
        return self.factor * self.base.ppf(u)

    def sample_ppf(self, u):
        return self.factor * self.base.sample_ppf(u)

    def cdf(self, x):
        return self.base.cdf(np.asarray(x, dtype=float) / self.factor)

    def params(self) -> dict[str, float]:
        return {**self.base.params(), "scale": float(self.factor)}

    def describe(self) -> str:
        return f"{self.factor:g} x {self.base.describe()}"

    def to_pymc(self, name: str):
        import pymc as pm

        return pm.Deterministic(name, self.factor * self.base.to_pymc(f"{name}_as_published"))
