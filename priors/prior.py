"""One input's prior: the distribution and its provenance (a scenario's [priors.NAME] or a --set)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flopcast.priors.equations import check_domain_name
from flopcast.priors.errors import InputError
from flopcast.priors.families import FAMILIES, Distribution
from flopcast.priors.numbers import numbers_in
from flopcast.priors.usable import check_ci90_width, check_usable

_META_KEYS = {"dist", "point", "unit", "source", "rationale", "description", "domain"}


@dataclass(frozen=True)
class Prior:
    """One input's prior: the distribution plus what a reader needs to trust it."""

    name: str
    dist: Distribution
    point: float
    unit: str | None = None
    source: str = ""
    rationale: str = ""
    domain: str | None = None  # a name in models/spec.DOMAINS a model without declared inputs checks

    @property
    def is_constant(self) -> bool:
        return self.dist.is_constant


def parse_prior(name: str, spec: Any, file: str) -> Prior:
    where = f"{file}: priors.{name}"
    if not isinstance(spec, dict):
        raise InputError(where, "must be a table with at least `dist`")
    dist_name = spec.get("dist", "metalog" if "quantiles" in spec else None)  # quantiles alone: a metalog
    if dist_name is None:
        raise InputError(f"{where}.dist", f"missing; one of {' | '.join(FAMILIES)}")
    if dist_name not in FAMILIES:
        raise InputError(f"{where}.dist", f"unknown distribution {dist_name!r}; one of {' | '.join(FAMILIES)}")
    params = {k: numbers_in(v) for k, v in spec.items() if k not in _META_KEYS}  # "720k", "5B": numbers
    check_ci90_width(params, where)
    dist = FAMILIES[dist_name].from_spec(params, where)
    check_usable(dist, dist_name, params, where)
    for key in ("unit", "source", "rationale", "description"):
        if key in spec and not isinstance(spec[key], str):
            raise InputError(f"{where}.{key}", "must be a string")
    point = _parse_point(numbers_in(spec.get("point")), dist, where)
    domain = check_domain_name(spec["domain"], f"{where}.domain") if "domain" in spec else None
    return Prior(
        domain=domain,
        name=name,
        dist=dist,
        point=point,
        unit=spec.get("unit"),
        source=spec.get("source", ""),
        rationale=spec.get("rationale", ""),
    )


def _parse_point(value: Any, dist: Distribution, where: str) -> float:
    if value is None:
        return dist.median
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where}.point", f"must be a finite number, got {value!r}")
    value = float(value)
    if dist.is_constant and value != dist.median:
        raise InputError(f"{where}.point", f"a constant's point must equal its value ({dist.median:g})")
    if not dist.contains(value):
        lo, hi = dist.support
        raise InputError(f"{where}.point", f"{value:g} lies outside the prior's support [{lo:g}, {hi:g}]")
    return value
