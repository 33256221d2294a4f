"""Figures as matplotlib ``Figure`` objects, built without pyplot so nothing global changes."""

from __future__ import annotations

import importlib
import io

import numpy as np

from flopcast.fmt import ordinal
from flopcast.report import style
from flopcast.report.style import label, styled


def new_figure(width: float = 7.0, height: float = 3.6, layout: str | None = "constrained", dpi: int | None = None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi or style.PNG_DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def load() -> None:
    """Import matplotlib's figure, backends and style now (once, before a worker is forked to share them)."""

    for module in (
        "matplotlib.figure",
        "matplotlib.backends.backend_agg",
        "matplotlib.backends.backend_svg",
        "flopcast.report.style",
    ):
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
    return document[document.index("<svg") :]


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


# Published figures on one output: each its own line style and colour (black / vermillion families), so two
# published values (a conservative and an optimistic one) are told apart in print and in colour-blind vision.
_PUBLISHED = (("--", "#000000"), (":", "#000000"), ("-.", "#555555"), ((0, (3, 1)), "#555555"))
_REDERIVED = (("-.", "#D55E00"), (":", "#D55E00"), ("--", "#E69F00"), ((0, (3, 1)), "#E69F00"))


def log_hdi(values: np.ndarray, mass: float = 0.9) -> tuple[float, float]:
    """The narrowest interval holding ``mass`` of log(values), back on the value scale (the HDI a log
    axis shows as narrowest; values must be positive)."""
    s = np.sort(np.log(np.asarray(values, dtype=float)))
    k = max(int(np.ceil(mass * s.size)), 1)
    i = int(np.argmin(s[k - 1 :] - s[: s.size - k + 1]))
    return float(np.exp(s[i])), float(np.exp(s[i + k - 1]))


def is_fixed(values: np.ndarray) -> bool:
    """No uncertain input moves the output (its draws agree to 1e-9 relative, float32 rounding aside)."""
    v = np.asarray(values, dtype=float)
    lo, hi = float(np.min(v)), float(np.max(v))
    return hi - lo <= 1e-6 * max(abs(hi), abs(lo))


@styled
def distribution(
    values: np.ndarray,
    summary,
    name: str,
    unit: str,
    markers: dict[str, float] | None = None,
    title: str = "",
    subtitle: str = "",
    headlines=(),
    log_hdi: tuple[float, float] | None = None,
    small: bool = False,
):
    """Histogram density of one output: median, 90% interval (p05-p95), 90% HDI on the axis' scale (of
    log values on a log axis), and each published headline (its own line style) with the value the
    source's assumptions give; the legend below the axes, outside the data. An output no uncertain input
    moves is shown as its value, not as a histogram.

    ``headlines``: objects with ``published``, ``rederived``, their percentiles, ``set_text`` and
    ``ratio`` (``flopcast.analyze.headlines.HeadlineFigure``). ``small``: a thumbnail."""

    width = 4.0 if small else style.WIDTH_IN
    values = np.asarray(values, dtype=float)
    if is_fixed(values):
        return _fixed_figure(summary.median, unit, title or name, subtitle, headlines, width, small)
    n_items = 4 + len(markers or {}) + sum(1 + (abs(h.ratio - 1) > 0.05) for h in headlines)
    ncols = 1 if small else 2
    legend_rows = -(-n_items // ncols)
    fig = new_figure(
        width,
        (2.6 if small else 3.2) + (0.11 if small else 0.17) * legend_rows,
        layout="constrained",
        dpi=style.SMALL_DPI if small else style.PNG_DPI,
    )
    ax = fig.add_subplot()
    lo, hi = np.quantile(values, [0.001, 0.999])
    log = wants_log(lo, hi)
    bins = np.geomspace(lo, hi, 100) if log else np.linspace(lo, hi, 100)
    counts, _ = np.histogram(values, bins=bins)
    # On a log axis, density per decade (so areas read as probabilities), else per unit.
    widths = np.diff(np.log10(bins)) if log else np.diff(bins)
    ax.stairs(counts / (values.size * widths), bins, fill=True, color=style.SKY, alpha=0.6, label="draws")
    ax.axvspan(
        summary.p05,
        summary.p95,
        color=style.BLUE,
        alpha=0.10,
        label=f"90% interval {style.eng(summary.p05)} - {style.eng(summary.p95)}",
    )
    if log:  # the HDI on the axis' scale: narrowest in log values
        h_lo, h_hi = log_hdi if log_hdi is not None else globals()["log_hdi"](values)
    else:
        h_lo, h_hi = summary.hdi90
    ax.axvline(
        h_lo,
        color=style.GREEN,
        ls=":",
        lw=1.3,
        label=("90% HDI of log values" if log else "90% HDI") + f" {style.eng(h_lo)} - {style.eng(h_hi)}",
    )
    ax.axvline(h_hi, color=style.GREEN, ls=":", lw=1.3)
    ax.axvline(summary.median, color=style.BLUE, lw=2, label=f"median {style.eng(summary.median)}")
    for text, x in (markers or {}).items():
        ax.axvline(x, color=style.BLACK, ls="--", lw=1.2, label=label(text))
    for i, h in enumerate(headlines):
        cond = f" [{h.set_text}]" if h.set else ""
        ls, color = _PUBLISHED[i % len(_PUBLISHED)]
        ax.axvline(
            h.published,
            color=color,
            ls=ls,
            lw=1.5,
            label=f"published {style.eng(h.published)}{cond} ({ordinal(h.published_percentile)} pct)",
        )
        if abs(h.ratio - 1) > 0.05:
            ls, color = _REDERIVED[i % len(_REDERIVED)]
            ax.axvline(
                h.rederived,
                color=color,
                ls=ls,
                lw=1.5,
                label=f"source's assumptions give {style.eng(h.rederived)}{cond} "
                f"({ordinal(h.rederived_percentile)} pct)",
            )
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
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside lower center",
        ncols=ncols,
        fontsize=6 if small else 7.5,
        handlelength=2.4,
        frameon=False,
    )
    return fig


def _fixed_figure(value: float, unit: str, title: str, subtitle: str, headlines, width: float, small: bool):
    """An output no uncertain input moves: its value in words, and any published figure beside it."""

    fig = new_figure(
        width, 1.6 if small else 1.9, layout="constrained", dpi=style.SMALL_DPI if small else style.PNG_DPI
    )
    ax = fig.add_subplot()
    ax.set_axis_off()
    style.titles(ax, style.sentence_case(title), subtitle)
    text = f"Fixed at {style.eng(value)} {unit}: no uncertain input moves it"
    pub = [f"published {style.eng(h.published)}" + (f" [{h.set_text}]" if h.set else "") for h in headlines]
    ax.text(0.0, 0.55, label(text), fontsize=9 if small else 12, ha="left", va="center", transform=ax.transAxes)
    if pub:
        ax.text(
            0.0,
            0.15,
            label("; ".join(pub)),
            fontsize=7 if small else 9,
            ha="left",
            va="center",
            color="#444444",
            transform=ax.transAxes,
        )
    return fig
