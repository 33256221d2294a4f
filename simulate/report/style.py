"""One look for every figure: readable type, a colour-blind-safe palette, numbers in k/M/B.

Every figure-building function is wrapped in ``@styled``: it runs inside ``matplotlib.rc_context``
so the style applies to that figure only (a notebook's own plots keep their settings). Figures
are about 1200 px wide in their PNG files (6 in at 200 dpi) and embedded as SVG in HTML.

Palette: Okabe & Ito, "Color Universal Design" (2008), distinguishable under the common forms of
colour-vision deficiency.
"""

from __future__ import annotations

import functools
import math
import re
import textwrap


def label(text: object) -> str:
    """Text from data (a scenario's labels, titles) as literal figure text: ``$`` would start
    matplotlib's mathtext and control characters cannot be drawn."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", str(text)).replace("$", r"\$")


# Okabe-Ito, in the order the figures use them
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK)

WIDTH_IN = 6.0  # inches; at PNG_DPI: 1200 px
PNG_DPI = 200
SMALL_DPI = 100  # figures of outputs a report does not lead with

RC = {
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#444444",
    "svg.fonttype": "none",  # SVG text stays text (selectable, small)
    "svg.hashsalt": "flopcast",  # identical runs give identical SVG
}


def rc() -> dict:
    from cycler import cycler

    return {**RC, "axes.prop_cycle": cycler(color=list(PALETTE))}


def styled(build):
    """Run a figure-building function inside the house style."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(rc()):
            return build(*args, **kwargs)

    return wrapper


_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def eng(x: float, sig: int = 3) -> str:
    """A number for an axis or a sentence: 720k, 13.9M, 4.2B, 1.1T; beyond 1e15 as 1.1e25."""
    if x is None or not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    rounded = float(f"{x:.{sig}g}")  # round first: 999.96 -> 1000 -> 1k
    x = rounded if math.isfinite(rounded) else x  # 1.795e308 rounds past the largest double
    ax = abs(x)
    if ax >= 1e15 or ax < 1e-3:
        m, e = f"{x:.{sig - 1}e}".split("e")
        m = m.rstrip("0").rstrip(".")
        return f"{m}e{int(e)}"
    for scale, suffix in _SUFFIXES:
        if ax >= scale:
            return _trim(f"{x / scale:.{_decimals(ax / scale, sig)}f}") + suffix
    return _trim(f"{x:.{_decimals(ax, sig)}f}")


def _decimals(ax: float, sig: int) -> int:
    return max(sig - 1 - int(math.floor(math.log10(ax))), 0) if ax > 0 else 0


def _trim(s: str) -> str:
    return s.rstrip("0").rstrip(".") if "." in s else s


def eng_axis(axis) -> None:
    """k/M/B tick labels on a matplotlib axis (``ax.xaxis``)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: eng(v)))


def _wrap_to(text: str, width_in: float, fontsize: float, bold: bool = False) -> str:
    """``text`` wrapped to lines that fit ``width_in`` inches at ``fontsize`` points (DejaVu Sans averages
    about 0.55 em per character, bold 0.58)."""

    chars = max(int(width_in * 72.0 / (fontsize * (0.58 if bold else 0.55))), 12)
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False)) or text


def titles(ax, title: str, subtitle: str = "", fit: bool = False) -> None:
    """A title in words and, under it, what the figure is of (scenario, draws); both wrapped to the
    figure's width so no text leaves the canvas. ``fit``: measure where the axes start after layout (long
    tick labels push them right) and wrap to the width left; call it last, once the axes are complete."""

    width = ax.figure.get_figwidth() - 0.6  # the axes start right of the y label
    if fit:
        fig = ax.figure
        fig.canvas.draw()  # lays the axes out: where they start is known only now
        width = (fig.bbox.x1 - ax.get_window_extent().x0) / fig.dpi - 0.1
    sub = _wrap_to(label(subtitle), width, 8.5) if subtitle else ""
    lines = sub.count("\n") + 1 if sub else 0
    ax.set_title(_wrap_to(label(title), width, RC["axes.titlesize"], bold=True), loc="left", pad=6 + 11.5 * lines)
    if sub:
        ax.annotate(
            sub,
            (0.0, 1.0),
            xycoords="axes fraction",
            xytext=(0, 4),
            textcoords="offset points",
            fontsize=8.5,
            color="#555555",
            ha="left",
            va="bottom",
        )


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
