"""Figures as matplotlib ``Figure`` objects, built without pyplot so nothing global changes."""

from __future__ import annotations

import io

import numpy as np

from flopcast.report.style import styled


def label(text: object) -> str:
    """Text from data (a scenario's labels, titles) as literal figure text: ``$`` would start
    matplotlib's mathtext and control characters cannot be drawn."""
    import re

    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", str(text)).replace("$", r"\$")


def new_figure(width: float = 7.0, height: float = 3.6, layout: str | None = "constrained", dpi: int | None = None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from flopcast.report import style

    fig = Figure(figsize=(width, height), dpi=dpi or style.PNG_DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def load() -> None:
    """Import matplotlib's figure, backends and style now (once, before a worker is forked to share them)."""
    import importlib

    for module in ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
                   "flopcast.report.style"):
        importlib.import_module(module)


def png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def svg_document(fig) -> str:
    """The figure as a standalone SVG file (text as text: searchable, editable in slides)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "flopcast"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def svg_inline(document: str) -> str:
    """An SVG document as an inline ``<svg>`` element (no XML prologue), for HTML."""
    return document[document.index("<svg"):]


FORMATS = ("svg", "png")  # a report's figure files: vector (default: smaller, faster) or 1200-px PNG


def render_once(fig, fmt: str) -> tuple[str, bytes, bytes | str]:
    """Render ``fig`` once in ``fmt``: (file suffix, file bytes, what HTML embeds: inline SVG text or
    PNG bytes)."""
    if fmt == "png":
        png = png_bytes(fig)
        return "png", png, png
    doc = svg_document(fig)
    return "svg", doc.encode(), svg_inline(doc)


@styled
def message_figure(text: str, width: float = 7.0, height: float = 2.0):
    """A figure that only says why there is nothing to plot."""
    fig = new_figure(width, height)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    return fig


def wants_log(lo: float, hi: float) -> bool:
    """Log axis when the values are positive and the range spans more than a decade."""
    return lo > 0 and hi > 0 and hi / lo > 10.0




def ordinal(q: float | None) -> str:
    """``14th``; ``fixed`` for a percentile that does not exist (an output no input moves)."""
    if q is None:
        return "fixed"
    n = int(round(q))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@styled
def distribution(values: np.ndarray, summary, name: str, unit: str, markers: dict[str, float] | None = None,
                 title: str = "", subtitle: str = "", headlines=(), log_hdi: tuple[float, float] | None = None,
                 small: bool = False):
    """Histogram density of one output: median, 90% interval (p05-p95), 90% HDI (of log values when
    ``log_hdi`` is given), and each published headline with the value the source's assumptions give.

    ``headlines``: objects with ``published``, ``rederived``, their percentiles, ``set_text`` and
    ``band_has_set`` (``flopcast.analyze.headlines.HeadlineFigure``). ``small``: a thumbnail."""
    from flopcast.report import style

    width, height = (4.0, 2.3) if small else (style.WIDTH_IN, 3.4)
    fig = new_figure(width, height, layout=None, dpi=style.SMALL_DPI if small else style.PNG_DPI)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.2 if small else 0.15, top=0.8 if small else 0.84)
    ax = fig.add_subplot()
    values = np.asarray(values, dtype=float)
    lo, hi = np.quantile(values, [0.001, 0.999])
    log = wants_log(lo, hi)
    if hi - lo <= 1e-9 * max(abs(hi), abs(lo)):  # constant output (up to rounding)
        ax.axvline(summary.median, color=style.BLUE, lw=2, label=f"fixed at {style.eng(summary.median)}")
        lo, hi = (summary.median * 0.5, summary.median * 1.5) if summary.median > 0 else (lo - 1, hi + 1)
    else:
        bins = np.geomspace(lo, hi, 100) if log else np.linspace(lo, hi, 100)
        counts, _ = np.histogram(values, bins=bins)
        # On a log axis, density per decade (so areas read as probabilities), else per unit.
        widths = np.diff(np.log10(bins)) if log else np.diff(bins)
        ax.stairs(counts / (values.size * widths), bins, fill=True, color=style.SKY, alpha=0.6, label="draws")
        ax.axvspan(summary.p05, summary.p95, color=style.BLUE, alpha=0.10,
                   label=f"90% interval {style.eng(summary.p05)} - {style.eng(summary.p95)}")
        h_lo, h_hi = log_hdi or summary.hdi90
        ax.axvline(h_lo, color=style.GREEN, ls=":", lw=1.3,
                   label=("90% HDI of log values" if log_hdi else "90% HDI") + f" {style.eng(h_lo)} - {style.eng(h_hi)}")
        ax.axvline(h_hi, color=style.GREEN, ls=":", lw=1.3)
        ax.axvline(summary.median, color=style.BLUE, lw=2, label=f"median {style.eng(summary.median)}")
    for text, x in (markers or {}).items():
        ax.axvline(x, color=style.BLACK, ls="--", lw=1.2, label=label(text))
    for h in headlines:
        cond = f" [{h.set_text}]" if h.set else ""
        ax.axvline(h.published, color=style.BLACK, ls="--", lw=1.4,
                   label=f"published {style.eng(h.published)}{cond} ({ordinal(h.published_percentile)} pct)")
        if abs(h.ratio - 1) > 0.05:
            ax.axvline(h.rederived, color=style.VERMILLION, ls="-.", lw=1.4,
                       label=f"source's assumptions give {style.eng(h.rederived)}{cond} "
                             f"({ordinal(h.rederived_percentile)} pct)")
    if log:
        from matplotlib.ticker import LogLocator

        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(LogLocator(10.0, subs=(2.0, 5.0)))  # 2x and 5x marks: half the tick objects
    style.eng_axis(ax.xaxis)
    ax.set_xlabel(label(f"{unit}" + (" (log scale)" if log else "")))
    ax.set_ylabel("probability per decade" if log else "probability density")
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    style.titles(ax, style.sentence_case(title or name), subtitle)
    ax.legend(loc="upper right", fontsize=6 if small else 7.5, handlelength=1.6, frameon=True, framealpha=0.9,
              facecolor="white", edgecolor="none")
    return fig
