"""Figures of the analyses (tornado, variance shares, exceedance, conditional shifts, waterfall,
cross-scenario comparison): they render results they are given and compute nothing."""

from __future__ import annotations

import numpy as np

from flopcast.fmt import num
from flopcast.report.figures import label, message_figure, new_figure, wants_log
from flopcast.report.style import eng, eng_axis, styled, titles


def _legend_below(fig, ax, ncols: int = 2) -> None:
    """The legend under the axes, outside the data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize=8, frameon=False)


@styled
def tornado_figure(sens):

    items = list(sens.inputs.values())
    fig = new_figure(8.0, 0.45 * len(items) + 2.0, layout="constrained")
    ax = fig.add_subplot()
    values = [v for s in items for v in (s.low, s.high)] + [sens.baseline]
    log = all(v > 0 for v in values) and wants_log(min(values), max(values))
    for i, s in enumerate(items):
        lo, hi = sorted((s.low, s.high))
        ax.barh(
            i,
            hi - lo,
            left=lo,
            color="C0",
            alpha=0.7,
            label="output with the input at its p05 / p95" if i == 0 else None,
        )
        # which end is the input's p05 and which its p95
        left_label, right_label = (s.input_p05, s.input_p95) if s.low <= s.high else (s.input_p95, s.input_p05)
        ax.text(lo, i, f"{eng(left_label)} ", ha="right", va="center", fontsize=8)
        ax.text(hi, i, f" {eng(right_label)}", ha="left", va="center", fontsize=8)
    ax.axvline(sens.baseline, color="k", lw=1.2, label=f"baseline (every input at its median) {eng(sens.baseline)}")
    ax.set_yticks(np.arange(len(items)), [f"{s.input} [{s.unit}]" for s in items], fontsize=8)
    ax.invert_yaxis()
    lo, hi = min(values), max(values)
    if log:
        ax.set_xscale("log")
        ax.set_xlim(lo / 2.0, hi * 2.0)
    elif hi > lo:
        ax.set_xlim(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo))
    eng_axis(ax.xaxis)
    ax.set_xlabel(label(f"{sens.output} [{sens.unit}]" + (" (log scale)" if log else "")))
    titles(
        ax,
        f"Which input alone moves {sens.output} the most",
        f"{sens.scenario}; each input at its 5th and 95th percentile (values at the bar ends), the others at "
        f"their medians",
        fit=True,
    )
    _legend_below(fig, ax)
    return fig


@styled
def variance_figure(sens):
    """Variance shares with their bootstrap 95% CIs: Sobol S1 and ST for independent inputs, Shapley
    effects where Sobol indices cannot be computed (dependent inputs)."""

    sobol = [s for s in sens.inputs.values() if s.s1 is not None]
    shap = [s for s in sens.inputs.values() if s.shapley is not None]
    items = sobol or sorted(shap, key=lambda s: -s.shapley)
    if not items:
        return message_figure("Variance shares not computed", 8.0)
    fig = new_figure(8.0, 0.42 * len(items) + 1.8)
    ax = fig.add_subplot()
    y = np.arange(len(items))

    def err(values, cis):  # asymmetric bars from the percentile bootstrap interval
        lo = np.array([max(v - c[0], 0.0) for v, c in zip(values, cis)])
        hi = np.array([max(c[1] - v, 0.0) for v, c in zip(values, cis)])
        return np.vstack([lo, hi])

    if sobol:
        s1, st = [s.s1 for s in items], [s.st for s in items]
        ax.barh(y - 0.2, s1, 0.4, xerr=err(s1, [s.s1_ci for s in items]), label="first-order S1", color="C0", capsize=2)
        ax.barh(y + 0.2, st, 0.4, xerr=err(st, [s.st_ci for s in items]), label="total ST", color="C1", capsize=2)
        kind, how = "Sobol indices", f"SALib, N = {sens.n}"
    else:
        sh = [s.shapley for s in items]
        ax.barh(y, sh, 0.6, xerr=err(sh, [s.shapley_ci for s in items]), label="Shapley effect", color="C0", capsize=2)
        kind, how = "Shapley effects", "random permutations; inputs are dependent, so no Sobol indices"
    ax.set_yticks(y, [s.input for s in items], fontsize=8)
    ax.invert_yaxis()
    what = f"log({sens.output})" if sens.log else sens.output
    ax.set_xlabel(f"Share of Var[{what}] (bars: bootstrap 95% CI)")
    top = float(np.max([c[1] for s in items for c in ([s.s1_ci, s.st_ci] if sobol else [s.shapley_ci])]))
    ax.set_xlim(0, min(max(top * 1.1, 0.05), 1.05))  # the bars and their intervals fill the width
    titles(ax, f"Which inputs drive {sens.output}: {kind}", f"{sens.scenario}; {how}; seed {sens.seed}", fit=True)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _pm(value: float | None, ci) -> str:
    """``0.475 ± 0.012``: an index and half its bootstrap 95% interval; ``-`` when not computed."""
    if value is None:
        return "-"
    return f"{value:.3f}" if ci is None else f"{value:.3f} ± {(ci[1] - ci[0]) / 2:.3f}"


def table(sens) -> tuple[list[str], list[list[str]], str]:
    """(header, rows, alignment) of the sensitivity table, within 100 columns: the tornado's input and
    output ranges, then the variance shares that were computed (Sobol S1 and ST, or Shapley effects and
    PAWN for dependent inputs), then the rank correlation."""

    items = list(sens.inputs.values())
    sobol = any(s.s1 is not None for s in items)
    shap = not sobol and any(s.shapley is not None for s in items)
    header = ["input", "input p05-p95", "output range", "swing"]
    header += ["S1 ± CI/2", "ST ± CI/2"] if sobol else ["Shapley ± CI/2", "PAWN"] if shap else []
    header.append("Spearman")
    rows = []
    for s in items:
        row = [s.input, f"{eng(s.input_p05)}-{eng(s.input_p95)}", f"{eng(s.low)}-{eng(s.high)}", eng(s.swing)]
        if sobol:
            row += [_pm(s.s1, s.s1_ci), _pm(s.st, s.st_ci)]
        elif shap:
            row += [_pm(s.shapley, s.shapley_ci), "-" if s.pawn is None else f"{s.pawn:.3f}"]
        row.append("-" if s.spearman is None else f"{s.spearman:.3f}")
        rows.append(row)
    return header, rows, "l" + "r" * (len(header) - 1)


# The wide table of earlier versions (report/notebook.py renders it); text, Markdown and HTML use ``table``.
HEADER = [
    "input",
    "input p05 / p95",
    "output at p05",
    "output at p95",
    "swing",
    "S1",
    "S1 95% CI",
    "ST",
    "ST 95% CI",
    "Spearman",
]


def table_rows(sens) -> list[list[str]]:

    def f(v):
        return "-" if v is None else f"{v:.3f}"

    def ci(c):
        return "-" if c is None else f"[{c[0]:.3f}, {c[1]:.3f}]"

    return [
        [
            s.input,
            f"{num(s.input_p05)} / {num(s.input_p95)}",
            num(s.low),
            num(s.high),
            num(s.swing),
            f(s.s1),
            ci(s.s1_ci),
            f(s.st),
            ci(s.st_ci),
            f(s.spearman),
        ]
        for s in sens.inputs.values()
    ]


def table_legend(sens) -> str:
    items = list(sens.inputs.values())
    what = f"log({sens.output})" if sens.log else sens.output
    return (
        "output range: the output with the input at its p05 and at its p95, the others at their medians "
        "(swing: the difference); " + _shares_legend(sens, items, what)
    )


def _shares_legend(sens, items, what: str) -> str:
    if any(s.s1 is not None for s in items):
        return (
            f"S1, ST: first-order and total Sobol indices of {what} (share of its variance), ± half the "
            f"bootstrap 95% CI; Spearman: rank correlation of input and output"
        )
    if any(s.shapley is not None for s in items):
        return (
            f"Shapley: share of Var[{what}] (valid under dependence), ± half the bootstrap 95% CI; PAWN: "
            "distribution-based index (0 = no effect); Spearman: rank correlation of input and output"
        )
    return "Spearman: rank correlation of input and output"


@styled
def exceedance_figure(st, extra: dict[str, float] | None = None):

    y = np.sort(st.values)
    n = y.size
    fig = new_figure(7.0, 4.2, layout="constrained")
    ax = fig.add_subplot()
    idx = np.unique(np.geomspace(1, n, 2000).astype(int)) - 1
    ax.plot(y[idx], 1.0 - idx / n, color="C0", label="P(output >= x)")
    tail = getattr(st, "tail", None)
    if tail is not None:  # a deep tail: its probability on a log axis, the importance-sampling estimate on it
        _deep_tail(ax, st, tail, y, idx)
    else:
        ax.axvline(st.headline, color="C3", ls="--", label=f"headline {eng(st.headline)}: P = {st.p_exceed:.3g}")
    for text, x in (extra or {}).items():
        ax.axvline(x, color="0.4", ls=":", label=label(text))
    log = y[0] > 0 and wants_log(min(y[int(0.001 * n)], st.headline), max(y[-1], st.headline))
    if log:
        ax.set_xscale("log")
    if tail is None:
        ax.set_ylim(0, 1.02)
    eng_axis(ax.xaxis)
    ax.set_xlabel(label(f"{st.output} [{st.unit}]" + (" (log scale)" if log else "")))
    below = tail is not None and tail.direction == "<="
    ax.set_ylabel("probability of falling below (CDF)" if below else "probability of exceeding (1 - CDF)")
    titles(
        ax,
        f"How likely {st.output} is to reach each value",
        f"{st.scenario}; {st.draws:,} draws, seed {st.seed}",
        fit=True,
    )
    _legend_below(fig, ax)
    return fig


def _deep_tail(ax, st, tail, y, idx) -> None:
    """Log probability axis: the plain draws' curve in the tail's direction, and at the headline the
    importance-sampling estimate with +/- 2 MCSE (or the 95% upper bound when no draw reached it)."""
    n = y.size
    if tail.direction == "<=":
        ax.lines[-1].set_data(y[idx], (idx + 1) / n)
        ax.lines[-1].set_label("P(output <= x), plain draws")

    ax.axvline(st.headline, color="C3", ls="--", lw=1, label=f"headline {eng(st.headline)}")
    if tail.reached and tail.p > 0:
        err = 2 * tail.mcse if tail.mcse == tail.mcse else 0.0
        ax.errorbar(
            [st.headline],
            [tail.p],
            yerr=[[min(err, 0.9 * tail.p)], [err]],
            fmt="o",
            color="C3",
            label=f"importance sampling: P = {tail.p:.2g} +/- {tail.mcse:.1g} (bars: 2 MCSE)",
        )
        low = tail.p / 10
    else:
        ax.plot(
            [st.headline],
            [st.p_upper_95],
            marker="v",
            color="C3",
            ls="none",
            label=f"no draw reached it: P < {st.p_upper_95:.2g} (95%)",
        )
        low = st.p_upper_95 / 10
    ax.set_yscale("log")
    ax.set_ylim(min(low, 0.5 / n), 1.5)


@styled
def conditional_figure(st):

    items = [(n, c) for n, c in st.conditional.items() if c is not None]
    if not items:
        return message_figure("too few draws in the tail")

    fig = new_figure(7.0, 0.45 * len(items) + 2.0, layout="constrained")
    ax = fig.add_subplot()
    ys = np.arange(len(items))
    pct = np.array([c.prior_percentile_of_conditional_median for _, c in items])
    up, down = pct > 50, pct <= 50
    for mask, color, text in ((up, "C3", "above its prior median"), (down, "C2", "below its prior median")):
        if mask.any():
            ax.barh(ys[mask], pct[mask] - 50.0, left=50.0, color=color, alpha=0.75, label=text)
    ax.axvline(50, color="k", lw=1)
    ax.set_xlim(0, 100)
    ax.set_yticks(ys, [n for n, _ in items], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("where the input's median sits in its prior [percentile]")
    titles(
        ax,
        f"What one must believe for {st.output} {st.direction} {eng(st.headline)}",
        f"{st.scenario}; each input's median among the draws that reach the headline",
        fit=True,
    )
    _legend_below(fig, ax)
    return fig


@styled
def waterfall_figure(output: str, unit: str, bars):
    """Log-scale waterfall: each step a bar from the previous value to the new one."""
    import numpy as np

    fig = new_figure(8.0, 0.42 * len(bars) + 2.2, layout="constrained")
    ax = fig.add_subplot()
    prev = bars[0].value
    seen = set()
    for i, bar in enumerate(bars):
        lo, hi = (bar.value, bar.value) if i == 0 else sorted((prev, bar.value))
        kind = "start" if i == 0 else ("raises it" if bar.value > prev else "lowers it")
        color = {"start": "0.5", "raises it": "C3", "lowers it": "C2"}[kind]
        text = {
            "start": "start: the source's own figure",
            "raises it": "a step that raises it",
            "lowers it": "a step that lowers it",
        }[kind]
        if i == 0:
            ax.plot([bar.value], [i], "s", color=color, label=text)
        else:
            ax.barh(i, hi - lo, left=lo, color=color, alpha=0.75, label=None if kind in seen else text)
        seen.add(kind)
        value = f"{eng(bar.value)}" if i == 0 else f"{bar.factor_text(2)} -> {eng(bar.value)}"
        ax.text(max(bar.value, prev), i, "  " + value, va="center", fontsize=8)
        prev = bar.value
    ax.set_yticks(np.arange(len(bars)), [label(b.label) for b in bars], fontsize=8)
    ax.invert_yaxis()
    log = all(b.value > 0 for b in bars)  # a bar at 0 has no log
    ax.set_xscale("log" if log else "linear")
    values = [b.value for b in bars]
    if log:
        ax.set_xlim(min(values) / 1.5, max(values) * 6.0)  # room for the labels right of the bars
    eng_axis(ax.xaxis)
    ax.set_xlabel(label(f"{output} [{unit}] at point values" + (" (log scale)" if log else "")))
    titles(
        ax,
        f"What each step of the estimate does to {output}",
        "one factor at a time, from the source's own assumptions",
        fit=True,
    )
    _legend_below(fig, ax, ncols=3)
    return fig


@styled
def compare_outputs_figure(title: str, unit: str, entries):

    fig = new_figure(8.5, 0.6 * len(entries) + 2.0, layout="constrained")
    ax = fig.add_subplot()
    for i, e in enumerate(entries):
        s = e.summary
        ax.plot(
            [s.p05, s.p95],
            [i, i],
            color="C0",
            lw=6,
            alpha=0.45,
            solid_capstyle="butt",
            label="90% interval" if i == 0 else None,
        )
        ax.plot([s.median], [i], "o", color="C3", label="median" if i == 0 else None)
        ax.plot([e.point], [i], "kx", label="point value (the scenario's points)" if i == 0 else None)
    ax.set_xscale("log")
    ax.set_yticks(np.arange(len(entries)), [label(e.label) for e in entries], fontsize=8)
    ax.invert_yaxis()

    eng_axis(ax.xaxis)
    ax.set_xlabel(f"{label(unit)} [FLOP] (log scale)")
    titles(ax, label(title), fit=True)
    _legend_below(fig, ax, ncols=3)
    return fig
