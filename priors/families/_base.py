"""What every prior family provides, and the helpers the family files share.

A family is a small frozen dataclass holding its canonical parameters. Other parametrizations
enter through ``from_*`` converters (PreliZ style); ``FORMS`` maps the key sets a scenario may use
to the converter that handles them. Sampling goes through the unit cube: ``ppf(u)`` maps uniform
draws in (0, 1) to the prior, so plain Monte Carlo, Latin hypercube and Sobol all plug in the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from flopcast.priors.errors import InputError

Z95 = 1.6448536269514722  # standard normal 95th percentile: ci90 = median +/- Z95 sigma


@dataclass(frozen=True)
class Distribution:
    """Base class. Subclasses set ``family`` and ``FORMS`` and implement ``ppf``/``cdf``."""

    family: ClassVar[str] = ""
    # frozenset of scenario keys -> name of the classmethod that builds the distribution from them
    FORMS: ClassVar[dict[frozenset[str], str]] = {}

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> "Distribution":
        keys = frozenset(spec)
        if keys not in cls.FORMS:
            forms = " | ".join(", ".join(sorted(f)) for f in cls.FORMS)
            raise InputError(
                where,
                f"{cls.family} takes parameters ({forms}); got ({', '.join(sorted(keys)) or 'none'})",
            )
        values = {}
        for key, value in spec.items():
            values[key] = _number_or_pair(value, key, where)
        try:
            return getattr(cls, cls.FORMS[keys])(**values)
        except InputError:
            raise
        except ValueError as exc:  # a converter's own check, re-raised with the location
            raise InputError(where, str(exc)) from None

    # -- evaluation -----------------------------------------------------------------------------
    def ppf(self, u):  # pragma: no cover - abstract
        raise NotImplementedError

    def cdf(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def sample_ppf(self, u):
        """The inverse CDF the engine applies to unit-cube draws. Equal to ``ppf`` except where the
        exact inverse is slow (beta, PERT), which use a fast numerical inverse (see ``beta.py``)."""
        return self.ppf(u)

    def quantile(self, q) -> np.ndarray | float:
        out = self.ppf(np.asarray(q, dtype=float))
        return float(out) if np.ndim(out) == 0 else out

    @property
    def median(self) -> float:
        return float(self.ppf(np.array(0.5)))

    @property
    def is_constant(self) -> bool:
        return False

    def params(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    def describe(self) -> str:
        inner = ", ".join(f"{k}={_short(v)}" for k, v in self.params().items())
        return f"{self.family}({inner})"

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the closed support (used to check a prior's ``point``)."""
        lo, hi = self.support
        return lo <= x <= hi

    @property
    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        """(lower, upper) of the draws for this family's parameters."""
        raise NotImplementedError

    # Whether each end of ``support`` is never drawn (an open bound: a lognormal never draws 0, a
    # beta never 0 or 1); a closed bound (uniform, triangular, PERT, loguniform) can be.
    support_open: ClassVar[tuple[bool, bool]] = (False, False)

    def to_pymc(self, name: str):  # pragma: no cover - abstract
        """Create this prior as a PyMC random variable inside the current model context."""
        raise NotImplementedError


def _short(v: float) -> str:
    return f"{v:.4g}"


def _number_or_pair(value: Any, key: str, where: str):
    if key in ("ci90", "ci"):
        if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(_is_number(v) for v in value):
            raise InputError(
                f"{where}.{key}",
                "must be a pair of numbers [p05, p95]"
                if key == "ci90"
                else "must be a pair of numbers [low, high] holding `mass` of the prior",
            )
        lo, hi = float(value[0]), float(value[1])
        if not lo < hi:
            raise InputError(f"{where}.{key}", f"lower bound {lo:g} must be below upper bound {hi:g}")
        return (lo, hi)
    if not _is_number(value):
        raise InputError(f"{where}.{key}", f"must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise InputError(f"{where}.{key}", "must be finite")
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def mass_z(mass: float) -> float:
    """The standard normal quantile at (1 + mass) / 2: an equal-tailed interval holding ``mass``
    spans mean -/+ mass_z sigma (``ci = [a, b], mass = m``; mass = 0.9 gives Z95)."""
    require(0.0 < mass < 1.0, f"mass must lie strictly between 0 and 1, got {mass:g}")
    from scipy import special

    return float(special.ndtri((1.0 + mass) / 2.0))


def require(condition: bool, reason: str) -> None:
    """Parameter check inside a converter; the caller adds the file and field."""
    if not condition:
        raise ValueError(reason)


Converter = Callable[..., Distribution]
