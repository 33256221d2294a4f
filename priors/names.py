"""Names a user gives (a scenario, a model, a comparison): checked once, where they are read."""

from __future__ import annotations

import re

from flopcast.priors.errors import InputError

_NAME = re.compile(r"[^\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]{1,120}")  # no control, no bidi


def check_name(name: str, where: str) -> str:
    """A name shown in tables, figures and (as a slug) folder names: 1-120 printable characters."""
    if not _NAME.fullmatch(name):
        raise InputError(
            where,
            f"must be 1-120 printable characters (no NUL, tab, newline, escape or bidi control), got "
            f"{len(name)} characters {name[:40]!r}",
        )
    return name
