"""Numbers as people write them: ``720k``, ``1.5M``, ``2.3B``, ``3e8``, ``720_000``, ``50%``.

One parser for every number a user types: command-line options (``--headline 720k``, ``--set x=1.5M``,
``--set x="720k to 1.5M"``, ``--decision ">= 720k"``, ``--draws 1M``) and strings in TOML files
(``value = "720k"``, ``ci90 = ["5B", "60B"]``). The suffixes are the ones flopcast prints (k, M, B, T;
thousand, million, billion, trillion), with K for k and G (giga) for B; ``%`` divides by 100. A lower-case
``m`` is refused: milli or million is a guess.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flopcast.priors.errors import InputError

SUFFIXES = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12, "%": 0.01}
_NUMBER = re.compile(r"^\s*([+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([kKMBGT%]?)\s*$")
EXAMPLES = "720000, 720k, 1.5M, 2.3B, 3e8 or 50%"


def to_number(text: Any) -> float:
    """The number ``text`` writes (an int or float passes through); ValueError if it writes none."""
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a number")
    if isinstance(text, (int, float)):
        return float(text)
    s = str(text)
    m = _NUMBER.match(s)
    if m is None or "__" in m.group(1) or m.group(1).rstrip("_") != m.group(1):
        if re.match(r"^\s*[+-]?[\d.]+(?:[eE][+-]?\d+)?\s*m\s*$", s):
            raise ValueError(f"{s.strip()!r}: write M for million (m could be milli)")
        raise ValueError(f"{s.strip()!r} is not a number (e.g. {EXAMPLES})")
    return float(m.group(1).replace("_", "")) * SUFFIXES[m.group(2)]


def parse_number(text: Any, where: str, *, finite: bool = True) -> float:
    """``to_number`` with the one-line error flopcast prints: ``<where>: must be a number ...``."""

    try:
        value = to_number(text)
    except ValueError as exc:
        why = str(exc) if "milli" in str(exc) else f"got {text!r}"
        raise InputError(where, f"must be a number (e.g. {EXAMPLES}), {why}") from None
    if finite and not math.isfinite(value):
        raise InputError(where, f"must be a finite number, got {text!r}")
    return value


def numbers_in(value: Any) -> Any:
    """A TOML value with every string that writes a number replaced by the number (lists and tables
    recursively); other strings stay as they are, for the reader to refuse with its own message."""
    if isinstance(value, str):
        try:
            return to_number(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [numbers_in(v) for v in value]
    if isinstance(value, dict):
        return {k: numbers_in(v) for k, v in value.items()}
    return value
