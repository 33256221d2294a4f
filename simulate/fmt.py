"""Number formatting for tables a human reads (JSON keeps full precision)."""

from __future__ import annotations

import math


def num(x: float, sig: int = 4) -> str:
    """4 significant figures; thousands separators in [1e-3, 1e7), scientific outside."""
    if x is None or math.isnan(x):
        return "undefined"  # e.g. the MCSE of a single draw
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    ax = abs(x)
    if 1e-3 <= ax < 1e7:
        digits = max(sig - 1 - int(math.floor(math.log10(ax))), 0)
        return f"{x:,.{digits}f}"
    return f"{x:.{sig - 1}e}"


def percent(x: float) -> str:
    """A share as a percentage with 2 decimals; "undefined" for NaN (e.g. the MCSE of one draw)."""
    return "undefined" if x is None or math.isnan(x) else f"{100 * x:.2f}%"


def table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A plain-text table with columns padded; ``align`` is a string of 'l'/'r' per column."""
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            str(c).ljust(w) if a == "l" else str(c).rjust(w) for c, w, a in zip(cells, widths, align)
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def markdown(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    esc = lambda c: str(c).replace("|", "\\|")  # noqa: E731
    return "\n".join(
        "| " + " | ".join(esc(c) for c in r) + " |" for r in [header, sep, *rows]
    )
