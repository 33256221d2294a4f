"""Value-of-information report: ranked table, figure, terminal lines and the folder ``flopcast voi`` writes.
Renders a ``ValueOfInformation``; computes nothing."""

from __future__ import annotations

import html
import textwrap

from flopcast.fmt import markdown, strict_json, table
from flopcast.report import figures
from flopcast.report.figures import new_figure
from flopcast.report.html import html_page, html_table, img_tag
from flopcast.report.style import eng, styled
from flopcast.report.text import safe


def _groups(v) -> bool:
    return any(len(r.inputs) > 1 for r in v.rows)


def header(v) -> list[str]:
    h = ["rank", "input or group"] + (["inputs"] if _groups(v) else []) + ["Var[log] removed", "share ± MCSE"]
    return h + (["EVPPI ± MCSE", "P(flip) ± MCSE"] if v.decision is not None else [])


def _pm(value: float, mcse: float | None, digits: int, scale: float = 1.0, unit: str = "") -> str:
    """``0.0088 ± 0.0007``: a figure with its Monte Carlo standard error (when computed)."""
    text = f"{scale * value:.{digits}f}"
    return text + unit if mcse is None else f"{text} ± {scale * mcse:.{digits}f}{unit}"


def rows(v) -> list[list[str]]:
    out = []
    for i, r in enumerate(v.rows, 1):
        row = (
            [str(i), r.name]
            + ([", ".join(r.inputs) if len(r.inputs) > 1 else "-"] if _groups(v) else [])
            + [f"{r.variance_reduction:.4f}", _pm(r.share, r.share_mcse, 1, 100.0, "%")]
        )
        if v.decision is not None:
            row += [_pm(r.evppi, r.evppi_mcse, 4), _pm(r.p_flip, r.p_flip_mcse, 4)]
        out.append(row)
    return out


def _align(v) -> str:
    return "rl" + ("l" if _groups(v) else "") + "r" * (len(header(v)) - 2 - int(_groups(v)))


def caption(v) -> str:
    s = (
        f"{v.scenario}: value of information for {v.output} [{v.unit}]; Var[log({v.output})] = {v.variance:.4f} "
        f"({v.draws:,} draws, seed {v.seed})"
    )
    if v.decision is not None:
        s += f"; decision '{v.decision.text(v.output)}': P(yes) = {v.p_yes:.4f}, answer now {v.choice}"
    return s


def lines(v) -> list[str]:

    wrap = lambda text: textwrap.fill(safe(text), 100)
    legend = "share: of Var[log]; EVPPI: probability of a right answer gained (0-1 loss); MCSE: Poisson bootstrap"
    return [
        wrap(caption(v)),
        table(header(v), rows(v), _align(v)),
        wrap(legend if v.decision is not None else "share: of Var[log]; MCSE: Poisson bootstrap"),
        wrap(v.headline()),
    ]


def render_html(v) -> str:

    return (
        f"<div><div><b>{html.escape(caption(v))}</b></div>"
        + html_table(header(v), rows(v), _align(v))
        + f"<p>{html.escape(v.headline())}</p></div>"
    )


def figure(v):

    return styled(_figure)(v)


def _figure(v):
    """Bars: share of Var[log output] each input (group) removes; beside them, with a decision, EVPPI; each
    with its Monte Carlo error (bars: 1.96 MCSE)."""
    import numpy as np

    items = v.rows
    fig = new_figure(9.0 if v.decision is not None else 7.0, 0.4 * len(items) + 2.2, layout="constrained")
    axes = fig.subplots(1, 2 if v.decision is not None else 1, sharey=True, squeeze=False)[0]
    y = np.arange(len(items))
    names = [r.name + (" (group)" if len(r.inputs) > 1 else "") for r in items]
    err = lambda vals: None if any(e is None for e in vals) else [1.96 * e for e in vals]
    share_err = err([r.share_mcse for r in items])
    axes[0].barh(
        y,
        [100 * r.share for r in items],
        color="C0",
        xerr=None if share_err is None else [100 * e for e in share_err],
        error_kw={"lw": 0.8, "capsize": 2},
    )
    axes[0].set_yticks(y, names, fontsize=8)
    axes[0].invert_yaxis()
    axes[0].set_xlim(left=0)
    axes[0].set_xlabel(f"Var[log({v.output})] removed [% of total]")
    axes[0].set_title("Expected variance reduction", fontsize=9, loc="left")
    if v.decision is not None:
        axes[1].barh(
            y,
            [r.evppi for r in items],
            color="C1",
            xerr=err([r.evppi_mcse for r in items]),
            error_kw={"lw": 0.8, "capsize": 2},
        )
        axes[1].set_xlim(left=0)
        axes[1].xaxis.set_major_locator(__import__("matplotlib.ticker", fromlist=["MaxNLocator"]).MaxNLocator(4))
        axes[1].set_xlabel("EVPPI [probability of a right answer gained]")
        axes[1].set_title(
            f"Deciding {v.output} {v.decision.op} {eng_text(v.decision.threshold)} (now P = {v.p_yes:.3f})",
            fontsize=9,
            loc="left",
        )
    fig.suptitle(
        f"Which assumption is worth researching: {v.scenario}, {v.output}",
        fontsize=11,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    fig.supxlabel(
        f"{v.draws:,} draws, seed {v.seed}; error bars: 1.96 x Monte Carlo standard error (Poisson bootstrap)",
        fontsize=7.5,
        color="#555555",
        x=0.01,
        ha="left",
    )
    return fig


def eng_text(x: float) -> str:

    return eng(x)


def write_voi(v, stage) -> None:
    """voi.json, voi.md, voi.png and report.html into the staged folder."""

    png = figures.png_bytes(figure(v))
    (stage / "voi.png").write_bytes(png)
    (stage / "voi.json").write_text(strict_json(v.to_json(), indent=2) + "\n")
    align = _align(v)
    warn = "".join(f"**warning:** {w}\n\n" for w in v.warnings)
    (stage / "voi.md").write_text(
        f"# flopcast voi: {v.scenario}\n\n{caption(v)}.\n\n{v.headline()}\n\n{warn}"
        + markdown(header(v), rows(v), align)
        + "\n\n![value of information](voi.png)\n"
    )
    (stage / "report.html").write_text(
        html_page(
            f"flopcast voi: {v.scenario}",
            [
                f"<h1>Value of information: {html.escape(v.scenario)}</h1>",
                render_html(v),
                "".join(f"<p><b>warning:</b> {html.escape(w)}</p>" for w in v.warnings),
                img_tag(png, "value of information"),
                "<p>Variance removed: Var(E[log Y | X]) by nonparametric regression on the draws (Strong, Oakley &amp; "
                "Brennan 2014); EVPPI under 0-1 loss: E[max(p(X), 1 - p(X))] - max(p, 1 - p).</p>",
            ],
        )
    )
