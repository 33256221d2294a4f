"""``--set NAME=...`` overrides: a constant, an ``A to B`` 90% range or ``q<p>=<value>`` quantiles,
each checked against the input's domain."""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from flopcast.priors.domains import quantile_prior, range_prior, value_problem
from flopcast.priors.errors import InputError
from flopcast.priors.families import Constant
from flopcast.priors.numbers import EXAMPLES, to_number
from flopcast.priors.prior import Prior

_RANGE = re.compile(r"^\s*(\S+)\s+to\s+(\S+)\s*$")


_QUANTILES = re.compile(r"^\s*q\s*[0-9.]")


def _quantile_override(name: str, value: str, domain: Any, where: str, field: str, text: str) -> Prior:
    """``q0.1=5e9, q0.5=17e9, q0.9=50e9`` -> a metalog through those quantiles inside the domain."""

    pairs = []
    for item in value.split(","):
        p, eq, v = item.strip().partition("=")
        try:
            if not (p.startswith("q") and eq):
                raise ValueError
            pair = (float(p[1:]), to_number(v))
            if not all(map(math.isfinite, pair)):
                raise ValueError
        except ValueError:
            raise InputError(
                where,
                f"quantiles are written q<probability>=<value>, comma-separated, e.g. "
                f'{name}="q0.1=5e9, q0.5=17e9, q0.9=50e9"; got {item.strip()!r}',
            ) from None
        pairs.append(pair)
    try:
        dist = quantile_prior(pairs, domain)
    except ValueError as exc:
        raise InputError(field, f"{where}: {exc}") from None
    return Prior(name, dist, dist.median, source=f"--set {text}")


def parse_override(text: str, known: Mapping[str, Any], file: str = "") -> tuple[str, Prior]:
    """``NAME=VALUE`` -> a constant inside the input's domain; ``NAME=A to B`` -> a prior with 90%
    interval [A, B] inside it (lognormal for positive inputs, beta for fractions, loguniform for counts)."""

    where = f"--set {text}"
    if "=" not in text:
        raise InputError(where, 'expected NAME=VALUE or NAME="A to B"')
    name, value = (part.strip() for part in text.split("=", 1))
    if name not in known:
        raise InputError(where, f"unknown input {name!r}; the model's inputs are: {', '.join(sorted(known))}")
    domain = getattr(known[name], "domain", None)
    field = f"{file}: priors.{name}" if file else f"priors.{name}"
    if _QUANTILES.match(value):
        return name, _quantile_override(name, value, domain, where, field, text)
    match = _RANGE.match(value)
    try:
        if match:
            lo, hi = to_number(match.group(1)), to_number(match.group(2))
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError
        else:
            number = to_number(value)
            if not math.isfinite(number):
                raise ValueError
    except ValueError:
        raise InputError(
            where, f"{value!r} is not a finite number or an 'A to B' range (numbers as in {EXAMPLES})"
        ) from None
    if match:
        try:
            dist = range_prior(lo, hi, domain, name)
        except ValueError as exc:
            raise InputError(field, f"{where}: {exc}") from None
        return name, Prior(name, dist, dist.median, source=f"--set {text}")
    problem = value_problem(number, domain)
    if problem is not None:
        raise InputError(field, f"{where}: {problem}")
    return name, Prior(name, Constant(number), number, source=f"--set {text}")
