"""Number formatting for tables a human reads (JSON keeps full precision)."""

from __future__ import annotations

import json
import math
import re
import shlex

# C0 and C1 control characters, DEL, and the bidirectional-text controls (Unicode TR9: LRM, RLM, ALM,
# LRE..RLO, LRI..PDI) that can make printed text read differently from what it is ("Trojan Source").
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_KEEP = re.compile(r"[\t\n]")


def safe(text: object) -> str:
    """Text from data (names, labels, quotes, paths) for a terminal: control and bidi characters shown
    as ``?`` (tab and newline kept), so a file cannot drive the terminal or reorder what is shown."""
    return UNSAFE.sub(lambda m: m.group(0) if _KEEP.match(m.group(0)) else "?", str(text))


def shell_word(arg: object) -> str:
    """One argument of a command a user may paste: ``shlex.quote``d; an argument holding control or
    bidi characters is written in ANSI-C quoting (``$'...'``, bash and zsh) with those characters as
    escapes, so the pasted command names the same file and runs nothing else."""
    arg = str(arg)
    if not UNSAFE.search(arg):
        return shlex.quote(arg)

    def esc(c: str) -> str:
        if c in "\\'":
            return "\\" + c
        if UNSAFE.match(c):
            return f"\\x{ord(c):02x}" if ord(c) < 0x80 else f"\\u{ord(c):04x}"  # \\u: UTF-8, as typed
        return c

    return "$'" + "".join(esc(c) for c in arg) + "'"


def strict_json(obj, indent: int | None = None) -> str:
    """JSON that every parser reads (RFC 8259 has no NaN or Infinity): a non-finite number becomes
    ``null`` and the top-level object gains ``"non_finite": {"path": "inf", ...}`` saying which and what
    it was; then ``json.dumps(..., allow_nan=False)``, so nothing non-finite can slip through."""

    found: dict[str, str] = {}

    def clean(x, path):
        if isinstance(x, float) and not math.isfinite(x):
            found[path or "."] = "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
            return None
        if isinstance(x, dict):
            return {k: clean(v, f"{path}.{k}" if path else str(k)) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v, f"{path}[{i}]") for i, v in enumerate(x)]
        if hasattr(x, "item") and getattr(x, "ndim", None) == 0:  # a numpy scalar
            return clean(x.item(), path)
        return x

    out = clean(obj, "")
    if found and isinstance(out, dict):
        out["non_finite"] = {**found, **(out.get("non_finite") or {})}
    return json.dumps(out, indent=indent, allow_nan=False)


def command(*args: object) -> str:
    """``command("rm", "-r", path)``: a shell command whose every argument is quoted (``shell_word``)."""
    return " ".join(shell_word(a) for a in args)


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


def md_text(text: object) -> str:
    """Text from data (names, descriptions, sources, labels) for Markdown: ``&``, ``<`` and ``>`` as HTML
    entities, so a renderer that passes HTML through shows a ``<script>`` in a file as text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    esc = lambda c: str(c).replace("|", "\\|")  # noqa: E731
    return "\n".join("| " + " | ".join(esc(c) for c in r) + " |" for r in [header, sep, *rows])


def ordinal(q: float | None) -> str:
    """``14th``; ``fixed`` for a percentile that does not exist (an output no input moves)."""
    if q is None:
        return "fixed"
    n = int(round(q))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
