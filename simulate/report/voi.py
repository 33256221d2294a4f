"""Value-of-information report: ranked table, figure, terminal lines and the folder ``flopcast voi`` writes.
Renders a ``ValueOfInformation``; computes nothing."""

from __future__ import annotations

import html

from flopcast.fmt import markdown, strict_json, table


def header(v) -> list[str]:
    h = ["rank", "input or group", "inputs", "Var[log] removed", "share of Var[log]"]
    return h + (["EVPPI (0-1 loss)", "P(flip)"] if v.decision is not None else [])


def rows(v) -> list[list[str]]:
    out = []
    for i, r in enumerate(v.rows, 1):
        row = [str(i), r.name, ", ".join(r.inputs) if len(r.inputs) > 1 else "-", f"{r.variance_reduction:.4f}",
               f"{100 * r.share:.1f}%"]
        if v.decision is not None:
            row += [f"{r.evppi:.4f}", f"{r.p_flip:.4f}"]
        out.append(row)
    return out


def caption(v) -> str:
    s = (f"{v.scenario}: value of information for {v.output} [{v.unit}]; Var[log({v.output})] = {v.variance:.4f} "
         f"({v.draws:,} draws, seed {v.seed})")
    if v.decision is not None:
        s += f"; decision '{v.decision.text(v.output)}': P(yes) = {v.p_yes:.4f}, answer now {v.choice}"
    return s


def lines(v) -> list[str]:
    from flopcast.report.text import safe

    return [safe(caption(v)), table(header(v), rows(v), "rll" + "r" * (len(header(v)) - 3)), safe(v.headline())]


def render_html(v) -> str:
    from flopcast.report.run import _html_table

    return (f"<div><div><b>{html.escape(caption(v))}</b></div>"
            + _html_table(header(v), rows(v), "rll" + "r" * (len(header(v)) - 3))
            + f"<p>{html.escape(v.headline())}</p></div>")


def figure(v):
    """Bars: share of Var[log output] each input (group) removes; beside them, with a decision, EVPPI."""
    import numpy as np

    from flopcast.report.figures import new_figure

    items = v.rows
    fig = new_figure(9.0 if v.decision is not None else 7.0, 0.4 * len(items) + 1.6)
    axes = fig.subplots(1, 2 if v.decision is not None else 1, sharey=True, squeeze=False)[0]
    y = np.arange(len(items))
    names = [r.name + (" (group)" if len(r.inputs) > 1 else "") for r in items]
    axes[0].barh(y, [100 * r.share for r in items], color="C0")
    axes[0].set_yticks(y, names, fontsize=8)
    axes[0].invert_yaxis()
    axes[0].set_xlabel(f"Var[log({v.output})] removed by learning it [% of total]")
    axes[0].set_title("Expected variance reduction", fontsize=9)
    if v.decision is not None:
        axes[1].barh(y, [r.evppi for r in items], color="C1")
        axes[1].set_xlabel("EVPPI [probability of a right answer gained]")
        axes[1].set_title(f"Decision: {v.decision.text(v.output)} (P = {v.p_yes:.3f})", fontsize=9)
    fig.suptitle(f"Value of information: {v.scenario}", fontsize=10)
    return fig


def write_voi(v, stage) -> None:
    """voi.json, voi.md, voi.png and report.html into the staged folder."""
    from flopcast.report import figures
    from flopcast.report.run import html_page, img_tag

    png = figures.png_bytes(figure(v))
    (stage / "voi.png").write_bytes(png)
    (stage / "voi.json").write_text(strict_json(v.to_json(), indent=2) + "\n")
    align = "rll" + "r" * (len(header(v)) - 3)
    warn = "".join(f"**warning:** {w}\n\n" for w in v.warnings)
    (stage / "voi.md").write_text(f"# flopcast voi: {v.scenario}\n\n{caption(v)}.\n\n{v.headline()}\n\n{warn}"
                                  + markdown(header(v), rows(v), align) + "\n\n![value of information](voi.png)\n")
    (stage / "report.html").write_text(html_page(f"flopcast voi: {v.scenario}", [
        f"<h1>Value of information: {html.escape(v.scenario)}</h1>", render_html(v),
        "".join(f"<p><b>warning:</b> {html.escape(w)}</p>" for w in v.warnings),
        img_tag(png, "value of information"),
        "<p>Variance removed: Var(E[log Y | X]) by nonparametric regression on the draws (Strong, Oakley &amp; "
        "Brennan 2014); EVPPI under 0-1 loss: E[max(p(X), 1 - p(X))] - max(p, 1 - p).</p>"]))
