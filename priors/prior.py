"""One input's prior: the distribution and its provenance (a scenario's [priors.NAME] or a --set)."""

from __future__ import annotations

from dataclasses import dataclass

from flopcast.priors.families import Distribution


@dataclass(frozen=True)
class Prior:
    """One input's prior: the distribution plus what a reader needs to trust it."""

    name: str
    dist: Distribution
    point: float
    unit: str | None = None
    source: str = ""
    rationale: str = ""
    domain: str | None = None  # a name in models/_spec.DOMAINS a model without declared inputs checks

    @property
    def is_constant(self) -> bool:
        return self.dist.is_constant
