"""Metalog: a prior through any set of elicited quantiles (Keelin, "The Metalog Distributions",
Decision Analysis 13(4):243-277, 2016).

``quantiles = [[0.1, 5e9], [0.5, 17e9], [0.9, 50e9]]`` (probability, value pairs). With k pairs the
k-term metalog passes exactly through them (Keelin 2016, eq. 7: a = Y^-1 x); above 9 pairs a 9-term
least-squares fit (eq. 8). Its quantile function in y in (0, 1), L = ln(y / (1 - y)), c = y - 0.5, is

    M(y) = a1 + a2 L + a3 c L + a4 c + a5 c^2 + a6 c^2 L + a7 c^3 + a8 c^3 L + ...   (eq. 6)

Bounds (section 5): ``lower`` only -> log-metalog, x = lower + exp(M); ``upper`` only ->
x = upper - exp(-M); both -> logit-metalog, x = (lower + upper e^M) / (1 + e^M). Without bounds the
support is the real line. A set of quantiles whose fit is not increasing (M'(y) <= 0 somewhere,
section 6) is refused. A prior given without bounds for a bounded input takes the input's domain
bounds when bound to the model (``priors/domains.py``: ``fit_domain``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from flopcast.priors.errors import InputError
from flopcast.priors.families._base import Distribution, require

MAX_TERMS = 9


def _basis(y: np.ndarray, k: int) -> np.ndarray:
    """(len(y), k) matrix of the metalog's basis functions (Keelin 2016, eq. 6)."""
    y = np.asarray(y, dtype=float)
    logit = np.log(y / (1.0 - y))
    c = y - 0.5
    cols = [np.ones_like(y), logit, c * logit, c]
    for j in range(5, k + 1):
        cols.append(c ** ((j - 1) // 2) if j % 2 else c ** (j // 2 - 1) * logit)
    return np.stack(cols[:k], axis=-1)


def _basis_slope(y: np.ndarray, k: int) -> np.ndarray:
    """d/dy of each basis function."""
    y = np.asarray(y, dtype=float)
    logit = np.log(y / (1.0 - y))
    dl = 1.0 / (y * (1.0 - y))
    c = y - 0.5
    cols = [np.zeros_like(y), dl, logit + c * dl, np.ones_like(y)]
    for j in range(5, k + 1):
        if j % 2:
            p = (j - 1) // 2
            cols.append(p * c ** (p - 1))
        else:
            p = j // 2 - 1
            cols.append(p * c ** (p - 1) * logit + c**p * dl)
    return np.stack(cols[:k], axis=-1)


def _check_grid() -> np.ndarray:
    """Probabilities where monotonicity is checked: logit-spaced from 1e-9 to 1 - 1e-9."""
    t = np.linspace(-20.7, 20.7, 4001)
    return 1.0 / (1.0 + np.exp(-t))


@dataclass(frozen=True)
class Metalog(Distribution):
    coefficients: tuple[float, ...]
    lower: float = -math.inf
    upper: float = math.inf
    quantiles: tuple[tuple[float, float], ...] = ()  # what was asked for (shown against what is achieved)
    domain_bounds: bool = False  # no bounds were written: binding to a bounded input may add them
    problem: str = ""  # why the unbounded fit is no distribution (kept until the input's bounds are known)

    family: ClassVar[str] = "metalog"
    FORMS: ClassVar[dict] = {
        frozenset({"quantiles"}): "from_quantiles",
        frozenset({"quantiles", "lower"}): "from_quantiles",
        frozenset({"quantiles", "upper"}): "from_quantiles",
        frozenset({"quantiles", "lower", "upper"}): "from_quantiles",
    }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], where: str) -> "Metalog":
        keys = frozenset(spec)
        if keys not in cls.FORMS:
            raise InputError(
                where,
                "metalog takes quantiles = [[p, value], ...] and optionally lower and/or upper; "
                f"got ({', '.join(sorted(keys)) or 'none'})",
            )
        pairs = parse_quantiles(spec["quantiles"], f"{where}.quantiles")
        bounds = {}
        for key in ("lower", "upper"):
            if key in spec:
                v = spec[key]
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise InputError(f"{where}.{key}", f"must be a finite number, got {v!r}")
                bounds[key] = float(v)
        try:
            # Without bounds the fit waits for the input's domain (fit_domain): a skewed set of quantiles on a
            # positive input is fitted as a log-metalog, never refused for what its unbounded fit does.
            return cls.from_quantiles(pairs, **bounds, strict=bool(bounds))
        except ValueError as exc:
            raise InputError(where, str(exc)) from None

    @classmethod
    def from_quantiles(
        cls,
        quantiles,
        lower: float = -math.inf,
        upper: float = math.inf,
        domain_bounds: bool | None = None,
        strict: bool = True,
    ) -> "Metalog":
        """The metalog through ``quantiles`` inside (lower, upper). ``strict=False`` keeps a fit that is not
        increasing (its reason in ``problem``) for ``with_bounds`` to refit in the bounded space (binding a
        prior to its input, ``fit_domain``, refits it or raises the reason)."""
        pairs = tuple((float(p), float(v)) for p, v in quantiles)
        p = np.array([q[0] for q in pairs])
        x = np.array([q[1] for q in pairs])
        require(lower < upper, f"lower {lower:g} must be below upper {upper:g}")
        require(len(pairs) >= 2, "a metalog needs at least two quantiles")
        require(bool(np.all((p > 0) & (p < 1))), "quantile probabilities must lie strictly between 0 and 1")
        order = np.argsort(p)
        p, x = p[order], x[order]
        require(bool(np.all(np.diff(p) > 0)), "quantile probabilities must be distinct")
        require(bool(np.all(np.diff(x) > 0)), "values must increase with their probabilities")
        require(
            bool(np.all((x > lower) & (x < upper))),
            f"every value must lie strictly inside the bounds ({lower:g}, {upper:g})",
        )
        z = cls._to_z(x, lower, upper)
        k = min(len(p), MAX_TERMS)
        basis = _basis(p, k)
        a = np.linalg.solve(basis, z) if k == len(p) else np.linalg.lstsq(basis, z, rcond=None)[0]
        slope = _basis_slope(_check_grid(), k) @ a
        problem = ""
        if not np.all(slope > 0):
            bad = _check_grid()[np.argmin(slope)]
            problem = (
                f"the metalog through these quantiles is not increasing (its quantile function falls "
                f"near p = {bad:.3g}), so it is no distribution; move the quantiles apart, drop one, or "
                "give fewer (two or three give smoother fits)"
            )
            if strict:
                raise ValueError(problem)
        auto = domain_bounds if domain_bounds is not None else (lower == -math.inf and upper == math.inf)
        return cls(tuple(float(v) for v in a), lower, upper, pairs, auto, problem)

    def checked(self) -> "Metalog":
        """This fit, or ValueError if it is not increasing (a fit kept for a refit in bounded space)."""
        if self.problem:
            raise ValueError(self.problem)
        return self

    def with_bounds(self, lower: float, upper: float) -> "Metalog":
        """The same requested quantiles refitted inside (lower, upper) (a domain's bounds)."""
        return Metalog.from_quantiles(self.quantiles, lower, upper, domain_bounds=False)

    @staticmethod
    def _to_z(x, lower: float, upper: float):
        if math.isfinite(lower) and math.isfinite(upper):
            return np.log((x - lower) / (upper - x))
        if math.isfinite(lower):
            return np.log(x - lower)
        if math.isfinite(upper):
            return -np.log(upper - x)
        return x

    def _from_z(self, z):
        lo, hi = self.lower, self.upper
        if math.isfinite(lo) and math.isfinite(hi):
            return lo + (hi - lo) / (1.0 + np.exp(-z))
        if math.isfinite(lo):
            return lo + np.exp(z)
        if math.isfinite(hi):
            return hi - np.exp(-z)
        return z

    @property
    def support_open(self) -> tuple[bool, bool]:  # type: ignore[override]
        return (True, True)

    @property
    def support(self) -> tuple[float, float]:
        return (self.lower, self.upper)

    def ppf(self, u):
        u = np.asarray(u, dtype=float)
        with np.errstate(divide="ignore", over="ignore"):
            z = _basis(u, len(self.coefficients)) @ np.asarray(self.coefficients)
            return self._from_z(z)

    def cdf(self, x):
        """Inverse of ``ppf``: interpolation on a logit grid, then Newton steps on M(y) = z."""
        x = np.asarray(x, dtype=float)
        k, a = len(self.coefficients), np.asarray(self.coefficients)
        inside = (x > self.lower) & (x < self.upper)
        with np.errstate(all="ignore"):
            z = self._to_z(np.where(inside, x, np.nan), self.lower, self.upper)
            grid = _check_grid()
            y = np.interp(z, _basis(grid, k) @ a, grid)
            for _ in range(4):
                y = np.clip(y - (_basis(y, k) @ a - z) / (_basis_slope(y, k) @ a), 1e-12, 1 - 1e-12)
        return np.where(inside, y, np.where(x >= self.upper, 1.0, 0.0))

    def params(self) -> dict[str, float]:
        out = {f"a{i + 1}": float(v) for i, v in enumerate(self.coefficients)}
        out.update({k: v for k, v in (("lower", self.lower), ("upper", self.upper)) if math.isfinite(v)})
        return out

    def achieved(self) -> list[tuple[float, float, float]]:
        """(probability, requested value, the fitted prior's value) for every elicited quantile."""
        return [(p, v, float(self.ppf(np.array(p)))) for p, v in self.quantiles]

    def to_pymc(self, name: str):
        """The prior as a deterministic transform of a Uniform(0, 1) latent (the metalog has a closed
        quantile function but no closed density): ``name`` = M(u), u ~ Uniform(0, 1)."""
        import pymc as pm
        import pytensor.tensor as pt

        u = pm.Uniform(f"{name}_metalog_u", 0.0, 1.0)
        logit = pt.log(u / (1.0 - u))
        c = u - 0.5
        terms = [1.0, logit, c * logit, c]
        for j in range(5, len(self.coefficients) + 1):
            terms.append(c ** ((j - 1) // 2) if j % 2 else c ** (j // 2 - 1) * logit)
        z = sum(a * t for a, t in zip(self.coefficients, terms))
        lo, hi = self.lower, self.upper
        if math.isfinite(lo) and math.isfinite(hi):
            x = lo + (hi - lo) * pm.math.sigmoid(z)
        elif math.isfinite(lo):
            x = lo + pt.exp(z)
        elif math.isfinite(hi):
            x = hi - pt.exp(-z)
        else:
            x = z
        return pm.Deterministic(name, x)


def parse_quantiles(value: Any, where: str) -> tuple[tuple[float, float], ...]:
    """``[[0.1, 5e9], [0.5, 17e9], ...]`` checked: pairs of finite numbers."""
    ok = isinstance(value, (list, tuple)) and len(value) >= 2
    pairs = []
    for item in value if ok else ():
        if not (
            isinstance(item, (list, tuple))
            and len(item) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in item)
        ):
            ok = False
            break
        pairs.append((float(item[0]), float(item[1])))
    if not ok:
        raise InputError(
            where,
            "must be a list of at least two [probability, value] pairs, e.g. [[0.1, 5e9], [0.5, 17e9], [0.9, 50e9]]",
        )
    return tuple(pairs)
