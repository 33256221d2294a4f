"""One prior vocabulary for Python, TOML and the command line.

Wherever a prior is given (``priors=`` and ``set=`` in the Python API, ``--set`` on the command line),
a value may be:

- a number: the input is fixed (``5e9``);
- a pair ``(low, high)``: a 90% interval; the family follows the input's domain as ``--set "A to B"``
  does (lognormal for a positive input, beta for a fraction, loguniform for a count; with no domain
  known, lognormal when ``low > 0``, else normal);
- a string: what ``--set`` takes after ``NAME=`` (``"5e9"``, ``"5e9 to 30e9"``, ``"q0.1=5e9, q0.9=50e9"``);
- a dict as a ``[priors.NAME]`` table is written in TOML (``{"dist": "beta", "ci90": [0.2, 0.6]}``,
  ``{"quantiles": [[0.1, 5e9], [0.5, 12e9], [0.9, 80e9]]}``);
- a prior object: ``lognormal(ci90=(1, 10))``, ``beta(ci90=(0.2, 0.6))``, ``uniform(low=0, high=1)``, ...
  (``flopcast.lognormal`` etc.; every family of ``priors/families``, with its TOML parameters).

The command line parses its strings into exactly these objects.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Any, Callable, Mapping

from flopcast.priors.domains import range_prior, value_problem
from flopcast.priors.errors import InputError
from flopcast.priors.families import FAMILIES, Constant, Distribution, Normal
from flopcast.priors.overrides import parse_override
from flopcast.priors.prior import Prior, parse_prior

__all__ = ["to_prior", "describe", "family"]


def family(name: str) -> Callable[..., Prior]:
    """The constructor ``flopcast.<name>(**params, point=, unit=, source=)`` of one prior family."""
    cls = FAMILIES[name]
    forms = " | ".join(", ".join(sorted(f)) for f in cls.FORMS)

    def make(*, point: float | None = None, unit: str | None = None, source: str = "", **params: Any) -> Prior:

        spec = {
            "dist": name,
            **params,
            **({} if point is None else {"point": point}),
            **({} if unit is None else {"unit": unit}),
            "source": source or f"{name}({_args(params)})",
        }
        return parse_prior("", spec, "prior")

    make.__name__ = make.__qualname__ = name
    make.__doc__ = (
        f"A {name} prior for ``priors=``/``set=``: ``flopcast.{name}({_EXAMPLES.get(name, '...')})``. "
        f"Parameters, as in TOML: ({forms}); optional ``point``, ``unit``, ``source``."
    )
    return make


_EXAMPLES = {  # how each family's docstring shows a call
    "lognormal": "ci90=(1, 10)",
    "beta": "ci90=(0.2, 0.6)",
    "uniform": "low=0, high=1",
    "loguniform": "low=1, high=100",
    "normal": "ci90=(-1, 1)",
    "triangular": "low=0, mode=1, high=3",
    "pert": "low=0, mode=1, high=3",
    "metalog": "quantiles=[[0.1, 5], [0.5, 12], [0.9, 80]]",
    "constant": "value=3",
}


def _args(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={list(v) if isinstance(v, tuple) else v!r}" for k, v in params.items())


def to_prior(name: str, value: Any, domain: Any = None, where: str | None = None) -> Prior:
    """A prior for input ``name`` from any form of the vocabulary; ``domain`` (models/spec.Domain or
    None) picks the family of a pair or range and checks a fixed value."""

    where = where or f"priors.{name}"
    if isinstance(value, Prior):
        return replace(value, name=name)
    if isinstance(value, Distribution):
        return Prior(name, value, value.median, source=describe(value))
    if isinstance(value, str):
        return parse_override(f"{name}={value}", {name: _Known(domain)}, "")[1]
    if isinstance(value, Mapping):
        spec = dict(value)
        if _positive_quantiles(spec) and (domain is None or domain.lower >= 0):
            spec["lower"] = 0.0  # quantiles of a positive quantity: a log-metalog (Keelin 2016, section 5)
        return parse_prior(name, spec, "priors")
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise InputError(where, f"a pair (low, high) is a 90% interval; got {len(value)} values")
        lo, hi = (_number(v, where) for v in value)
        try:
            if domain is None and lo <= 0:
                dist = Normal.from_ci90((lo, hi)) if lo < hi else range_prior(lo, hi, None, name)
            else:
                dist = range_prior(lo, hi, domain, name)
        except ValueError as exc:
            raise InputError(where, str(exc)) from None
        return Prior(name, dist, dist.median, source=f"90% interval [{lo:g}, {hi:g}]")
    number = _number(value, where)
    problem = value_problem(number, domain)
    if problem is not None:
        raise InputError(where, problem)
    return Prior(name, Constant(number), number, source=f"fixed at {number:g}")


def _positive_quantiles(spec: Mapping[str, Any]) -> bool:
    """Only ``quantiles`` (no family, no bounds), every value > 0."""
    if set(spec) - {"quantiles", "point", "unit", "source", "rationale", "description"}:
        return False
    try:
        return all(float(x) > 0 for _, x in spec["quantiles"])
    except (TypeError, ValueError):
        return False


class _Known:
    """What ``parse_override`` reads of an input: its domain."""

    def __init__(self, domain: Any):
        self.domain = domain


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise InputError(
            where,
            f'must be a number, a (low, high) pair, a string such as "1 to 10", a dict or '
            f"a prior object; got {value!r}",
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(
            where,
            f'must be a number, a (low, high) pair, a string such as "1 to 10", a dict or '
            f"a prior object; got {type(value).__name__} {str(value)[:40]!r}",
        ) from None
    if not math.isfinite(number):
        raise InputError(where, f"must be finite, got {number}")
    return number


def describe(value: Any) -> str:
    """How an override given in Python is recorded (the run's ``overrides``)."""
    if isinstance(value, Prior):
        return value.source or describe(value.dist)
    if isinstance(value, Distribution):
        numbers = [(f.name, getattr(value, f.name)) for f in fields(value)]
        shown = ", ".join(f"{k}={v:.6g}" for k, v in numbers if isinstance(v, (int, float)) and not isinstance(v, bool))
        return f"{value.family}({shown})"
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return f"{value[0]!r} to {value[1]!r}"
    return str(value)
