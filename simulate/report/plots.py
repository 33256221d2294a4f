"""Figures of the analyses (tornado, variance shares, exceedance, conditional shifts, waterfall,
cross-scenario comparison): they render results they are given and compute nothing."""

from __future__ import annotations

import numpy as np

from flopcast.report.figures import label
from flopcast.report.style import styled


@styled
def tornado_figure(sens):
    from flopcast.report.figures import new_figure, wants_log

    items = list(sens.inputs.values())
    fig = new_figure(8.0, 0.5 * len(items) + 1.5)
    ax = fig.add_subplot()
    values = [v for s in items for v in (s.low, s.high)] + [sens.baseline]
    log = all(v > 0 for v in values) and wants_log(min(values), max(values))
    for i, s in enumerate(items):
        lo, hi = sorted((s.low, s.high))
        ax.barh(i, hi - lo, left=lo, color="C0", alpha=0.7)
        # which end is the input's p05 and which its p95
        left_label, right_label = (s.input_p05, s.input_p95) if s.low <= s.high else (s.input_p95, s.input_p05)
        ax.text(lo, i, f"{left_label:.3g} ", ha="right", va="center", fontsize=8)
        ax.text(hi, i, f" {right_label:.3g}", ha="left", va="center", fontsize=8)
    ax.axvline(sens.baseline, color="k", lw=1.2, label=f"baseline (inputs at medians) {sens.baseline:.3g}")
    ax.set_yticks(np.arange(len(items)), [f"{s.input} [{s.unit}]" for s in items], fontsize=8)
    ax.invert_yaxis()
    lo, hi = min(values), max(values)
    if log:
        ax.set_xscale("log")
        ax.set_xlim(lo / 2.0, hi * 2.0)
    elif hi > lo:
        ax.set_xlim(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo))
    ax.set_xlabel(f"{sens.output} [{sens.unit}]; each input at its p05 / p95 (values at bar ends)")
    ax.set_title(f"Tornado: {sens.output}")
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    return fig


@styled
def variance_figure(sens):
    from flopcast.report.figures import message_figure, new_figure

    items = [s for s in sens.inputs.values() if s.s1 is not None]
    if not items:
        return message_figure("Sobol indices not computed (dependent inputs)", 8.0)
    fig = new_figure(8.0, 0.5 * len(items) + 1.5)
    ax = fig.add_subplot()
    y = np.arange(len(items))
    s1 = np.array([s.s1 for s in items])
    st = np.array([s.st for s in items])
    s1e = np.array([(s.s1_ci[1] - s.s1_ci[0]) / 2 for s in items])
    ste = np.array([(s.st_ci[1] - s.st_ci[0]) / 2 for s in items])
    ax.barh(y - 0.2, s1, 0.4, xerr=s1e, label="first-order S1", color="C0", capsize=2)
    ax.barh(y + 0.2, st, 0.4, xerr=ste, label="total ST", color="C1", capsize=2)
    ax.set_yticks(y, [s.input for s in items], fontsize=8)
    ax.invert_yaxis()
    what = f"log({sens.output})" if sens.log else sens.output
    ax.set_xlabel(f"share of Var[{what}] (fraction; bars: bootstrap 95% CI, N={sens.n})")
    ax.set_title(f"Variance shares (Sobol): {what}")
    ax.legend(fontsize=8, frameon=False)
    return fig


HEADER = ["input", "input p05 / p95", "output at p05", "output at p95", "swing", "S1", "S1 95% CI",
          "ST", "ST 95% CI", "Spearman"]


def table_rows(sens) -> list[list[str]]:
    from flopcast.fmt import num

    def f(v):
        return "-" if v is None else f"{v:.3f}"

    def ci(c):
        return "-" if c is None else f"[{c[0]:.3f}, {c[1]:.3f}]"

    return [[s.input, f"{num(s.input_p05)} / {num(s.input_p95)}", num(s.low), num(s.high), num(s.swing),
             f(s.s1), ci(s.s1_ci), f(s.st), ci(s.st_ci), f(s.spearman)] for s in sens.inputs.values()]


@styled
def exceedance_figure(st, extra: dict[str, float] | None = None):
    from flopcast.report.figures import new_figure, wants_log

    y = np.sort(st.values)
    n = y.size
    fig = new_figure()
    ax = fig.add_subplot()
    idx = np.unique(np.geomspace(1, n, 2000).astype(int)) - 1
    ax.plot(y[idx], 1.0 - idx / n, color="C0", label="P(output >= x)")
    tail = getattr(st, "tail", None)
    if tail is not None:  # a deep tail: its probability on a log axis, the importance-sampling estimate on it
        _deep_tail(ax, st, tail, y, idx)
    else:
        ax.axvline(st.headline, color="C3", ls="--", label=f"headline {st.headline:.3g}: P = {st.p_exceed:.3g}")
    for text, x in (extra or {}).items():
        ax.axvline(x, color="0.4", ls=":", label=label(text))
    if y[0] > 0 and wants_log(min(y[int(0.001 * n)], st.headline), max(y[-1], st.headline)):
        ax.set_xscale("log")
    if tail is None:
        ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"{st.output} [{st.unit}]")
    ax.set_ylabel("probability of exceeding (1 - CDF)" if tail is None or tail.direction == ">="
                  else "probability of falling below (CDF)")
    ax.set_title(f"Exceedance: {st.output}")
    ax.legend(fontsize=8, frameon=False)
    return fig


def _deep_tail(ax, st, tail, y, idx) -> None:
    """Log probability axis: the plain draws' curve in the tail's direction, and at the headline the
    importance-sampling estimate with +/- 2 MCSE (or the 95% upper bound when no draw reached it)."""
    n = y.size
    if tail.direction == "<=":
        ax.lines[-1].set_data(y[idx], (idx + 1) / n)
        ax.lines[-1].set_label("P(output <= x), plain draws")
    ax.axvline(st.headline, color="C3", ls="--", lw=1, label=f"headline {st.headline:.3g}")
    if tail.reached and tail.p > 0:
        err = 2 * tail.mcse if tail.mcse == tail.mcse else 0.0
        ax.errorbar([st.headline], [tail.p], yerr=[[min(err, 0.9 * tail.p)], [err]], fmt="o", color="C3",
                    label=f"importance sampling: P = {tail.p:.2g} +/- {tail.mcse:.1g} (bars: 2 MCSE)")
        low = tail.p / 10
    else:
        ax.plot([st.headline], [st.p_upper_95], marker="v", color="C3", ls="none",
                label=f"no draw reached it: P < {st.p_upper_95:.2g} (95%)")
        low = st.p_upper_95 / 10
    ax.set_yscale("log")
    ax.set_ylim(min(low, 0.5 / n), 1.5)


@styled
def conditional_figure(st):
    from flopcast.report.figures import message_figure, new_figure

    items = [(n, c) for n, c in st.conditional.items() if c is not None]
    if not items:
        return message_figure("too few draws in the tail")
    fig = new_figure(7.0, 0.45 * len(items) + 1.5)
    ax = fig.add_subplot()
    ys = np.arange(len(items))
    pct = [c.prior_percentile_of_conditional_median for _, c in items]
    ax.barh(ys, np.array(pct) - 50.0, left=50.0, color=["C3" if q > 50 else "C2" for q in pct], alpha=0.75)
    ax.axvline(50, color="k", lw=1)
    ax.set_xlim(0, 100)
    ax.set_yticks(ys, [n for n, _ in items], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"prior percentile of the input's median given {st.output} {st.direction} {st.headline:.3g}")
    ax.set_title("What you must believe")
    return fig


@styled
def waterfall_figure(output: str, unit: str, bars):
    """Log-scale waterfall: each step a bar from the previous value to the new one."""
    import numpy as np

    from flopcast.report.figures import new_figure

    fig = new_figure(8.0, 0.45 * len(bars) + 1.4)
    ax = fig.add_subplot()
    prev = bars[0].value
    for i, bar in enumerate(bars):
        lo, hi = (bar.value, bar.value) if i == 0 else sorted((prev, bar.value))
        color = "0.5" if i == 0 else ("C3" if bar.value > prev else "C2")
        if i == 0:
            ax.plot([bar.value], [i], "s", color=color)
        else:
            ax.barh(i, hi - lo, left=lo, color=color, alpha=0.75)
        text = f"{bar.value:.3g}" if i == 0 else f"{bar.factor_text(2)} -> {bar.value:.3g}"
        ax.text(max(bar.value, prev), i, "  " + text, va="center", fontsize=8)
        prev = bar.value
    ax.set_yticks(np.arange(len(bars)), [label(b.label) for b in bars], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log" if all(b.value > 0 for b in bars) else "linear")  # a bar at 0 has no log
    ax.set_xlabel(f"{output} [{unit}] (point values)")
    ax.set_title(f"{output}: one factor at a time")
    return fig


@styled
def compare_outputs_figure(title: str, unit: str, entries):
    from flopcast.report.figures import new_figure

    fig = new_figure(8.5, 0.6 * len(entries) + 1.6)
    ax = fig.add_subplot()
    for i, e in enumerate(entries):
        s = e.summary
        ax.plot([s.p05, s.p95], [i, i], color="C0", lw=6, alpha=0.45, solid_capstyle="butt",
                label="90% interval" if i == 0 else None)
        ax.plot([s.median], [i], "o", color="C3", label="median" if i == 0 else None)
        ax.plot([e.point], [i], "kx", label="point value (the scenario's points)" if i == 0 else None)
    ax.set_xscale("log")
    ax.set_yticks(np.arange(len(entries)), [label(e.label) for e in entries], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"{label(unit)} [FLOP] (log scale)")
    ax.set_title(label(title))
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return fig
