"""A scenario's own outputs: the ``[outputs]`` table of a scenario written without a bundled model.

```toml
[outputs]
y = "a * b * c"                       # short form: the formula
[outputs.cost]                        # long form
formula = "y * usd_per_unit / 1e6"
unit = "million USD"
description = "what it costs"
domain = "positive"                   # optional: checked on every draw (default: any finite number)
```

Formulas (``models/_formula.py``) read inputs (the scenario's priors) and outputs defined above them.
With ``model = "file.py"`` (a Python function) the table gives units and descriptions only.
Every problem is refused at load with the output's name and the offending token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from flopcast.models._formula import FUNCTIONS, Formula, FormulaError, parse
from flopcast.models.spec import DOMAINS
from flopcast.priors.errors import InputError

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_KEYS = {"formula", "unit", "description", "domain", "key"}


@dataclass(frozen=True)
class OutputSpec:
    """One output a scenario defines: its formula (None for a Python model's output) and metadata."""

    name: str
    formula: Formula | None
    unit: str = ""
    description: str = ""
    domain: str | None = None  # a name in models/spec.DOMAINS; None: any finite number
    key: bool = True  # a key output (reports lead with it)


def check_identifier(name: Any, where: str, what: str = "an output") -> str:
    """Names that formulas, files and tables can carry: a letter, then letters, digits, _ (64 at most)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = repr(name)[:50]
        raise InputError(where, f"{shown} cannot name {what}: use a letter then letters, digits or _ (at most 64)")
    if name in FUNCTIONS:
        raise InputError(where, f"{name!r} is a function of the formula language; choose another name")
    return name


def check_domain_name(value: Any, where: str) -> str:

    if not isinstance(value, str) or value not in DOMAINS:
        raise InputError(where, f"unknown domain {value!r}; one of {', '.join(DOMAINS)}")
    return value


def parse_outputs(table: Any, file: str, inputs: Iterable[str], formulas: bool = True) -> tuple[OutputSpec, ...]:
    """The ``[outputs]`` table, checked: names, keys, formulas, and every name a formula reads is an
    input or an output above it. ``formulas=False``: a Python model's outputs (no formula allowed)."""
    if not isinstance(table, dict) or not table:
        raise InputError(f"{file}: outputs", 'must be a table of NAME = "formula" (or [outputs.NAME] tables)')
    inputs = list(inputs)
    out: list[OutputSpec] = []
    for name, spec in table.items():
        where = f"{file}: outputs.{name}" if isinstance(name, str) and len(name) <= 64 else f"{file}: outputs"
        check_identifier(name, where)
        if name in inputs:
            raise InputError(
                where, f"{name!r} is already an input (a [priors.{name}] table); outputs need their own names"
            )
        spec = {"formula": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict):
            raise InputError(where, 'must be a formula string or a table with formula = "..."')
        extra = sorted(set(spec) - _KEYS)
        if extra:
            raise InputError(f"{where}.{extra[0]}", f"unknown key; allowed here: {', '.join(sorted(_KEYS))}")
        for key in ("unit", "description"):
            if key in spec and not isinstance(spec[key], str):
                raise InputError(f"{where}.{key}", f"must be a string, got {type(spec[key]).__name__}")
        if "key" in spec and not isinstance(spec["key"], bool):
            raise InputError(f"{where}.key", "must be true or false")
        domain = check_domain_name(spec["domain"], f"{where}.domain") if "domain" in spec else None
        formula = _formula(spec, where, formulas, inputs, [o.name for o in out])
        out.append(
            OutputSpec(name, formula, spec.get("unit", ""), spec.get("description", ""), domain, spec.get("key", True))
        )
    return tuple(out)


def _formula(spec: Mapping[str, Any], where: str, formulas: bool, inputs: list[str], earlier: list[str]):
    if not formulas:
        if "formula" in spec:
            raise InputError(
                f"{where}.formula",
                "the scenario's Python model computes this output; give only unit and description here",
            )
        return None
    if "formula" not in spec:
        raise InputError(f"{where}.formula", 'missing; e.g. formula = "a * b"')
    try:
        formula = parse(spec["formula"])
    except FormulaError as exc:
        raise InputError(f"{where}", f"formula {exc}") from None
    for n in formula.names:
        if n in inputs or n in earlier:
            continue
        name = where.rsplit(".", 1)[-1]
        if n == name:
            raise InputError(where, f"formula reads {n!r}, the output it defines")
        hint = f"inputs: {', '.join(inputs) or 'none'}" + (
            f"; outputs above it: {', '.join(earlier)}" if earlier else ""
        )
        raise InputError(
            where,
            f"formula reads {n!r}, which is neither an input (a [priors.{n}] table) nor an "
            f"output defined above it ({hint})",
        )
    return formula
