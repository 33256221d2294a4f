"""The one reader of the project's TOML files (scenarios, evidence, comparisons, the catalog).

Whatever a file holds, reading it ends in a dict or in one ``InputError`` line that says what is
wrong and how to fix it: a file that is too big (a size cap: these files are a few kB), not a
regular file, not UTF-8, malformed TOML, or nested so deeply that the parser would exhaust
Python's stack (``RecursionError``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from flopcast.priors.errors import InputError

MAX_BYTES = 1 << 20  # 1 MiB: the bundled files are under 40 kB


def read_toml(path: str | Path, file: str | None = None) -> dict[str, Any]:
    """Parse the TOML file at ``path``; ``file`` names it in errors (default: its name)."""
    path = Path(path)
    file = file or path.name
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise InputError(file, "is a directory, not a TOML file") from None
    except OSError as exc:
        raise InputError(file, f"cannot be read ({exc.strerror or exc}); check the path and its permissions") from None
    if len(raw) > MAX_BYTES:
        raise InputError(
            file,
            f"is larger than {MAX_BYTES:,} bytes; a scenario, evidence or comparison file "
            "is a few kB of TOML (is this the right file?)",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(file, "not a UTF-8 text file; save it as UTF-8 TOML") from None
    return loads_toml(text, file)


def loads_toml(text: str, file: str) -> dict[str, Any]:
    """Parse TOML text; every parser failure becomes one ``InputError`` naming ``file``."""
    if len(text) > MAX_BYTES:
        raise InputError(
            file,
            f"is larger than {MAX_BYTES:,} characters; a scenario, evidence or comparison file is a few kB of TOML",
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(file, f"malformed TOML: {exc}") from None
    except RecursionError:
        raise InputError(
            file,
            "malformed TOML: arrays or tables nested too deeply; flatten them (a few levels are all a scenario needs)",
        ) from None
