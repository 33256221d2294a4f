"""Figures as matplotlib ``Figure`` objects, built without pyplot so nothing global changes."""

from __future__ import annotations

import io

import numpy as np


def label(text: object) -> str:
    """Text from data (a scenario's labels, titles) as literal figure text: ``$`` would start
    matplotlib's mathtext and control characters cannot be drawn."""
    import re

    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", str(text)).replace("$", r"\$")


def new_figure(width: float = 7.0, height: float = 3.6):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


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


def distribution(values: np.ndarray, summary, name: str, unit: str, markers: dict[str, float] | None = None):
    """Histogram density of one output, median and 90% bands marked, optional headline markers."""
    fig = new_figure()
    ax = fig.add_subplot()
    values = np.asarray(values, dtype=float)
    lo, hi = np.quantile(values, [0.001, 0.999])
    log = wants_log(lo, hi)
    if hi - lo <= 1e-9 * max(abs(hi), abs(lo)):  # constant output (up to rounding)
        ax.axvline(summary.median, color="C0", lw=2, label=f"fixed at {summary.median:.4g}")
    else:
        bins = np.geomspace(lo, hi, 120) if log else np.linspace(lo, hi, 120)
        counts, _ = np.histogram(values, bins=bins)
        # On a log axis, density per decade (so areas read as probabilities), else per unit.
        widths = np.diff(np.log10(bins)) if log else np.diff(bins)
        ax.stairs(counts / (values.size * widths), bins, fill=True, color="C0", alpha=0.55, label="draws")
        ax.axvspan(summary.p05, summary.p95, color="C0", alpha=0.12, label="90% interval (p05-p95)")
        ax.axvline(summary.hdi90[0], color="C2", ls=":", lw=1.2, label="90% HDI")
        ax.axvline(summary.hdi90[1], color="C2", ls=":", lw=1.2)
        ax.axvline(summary.median, color="C3", lw=1.8, label=f"median {summary.median:.3g}")
    for label, x in (markers or {}).items():
        ax.axvline(x, color="k", ls="--", lw=1.2, label=label)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(f"{name} [{unit}]")
    ax.set_ylabel("probability per decade" if log else f"density [1/({unit})]")
    ax.set_yticks([])
    ax.set_title(name)
    ax.legend(fontsize=7, loc="upper right", frameon=False)
    return fig
