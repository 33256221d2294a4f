"""Report folders for sensitivity, stress, audit, compare and waterfall: JSON, Markdown, PNG, HTML."""

from __future__ import annotations

import html
from pathlib import Path

from flopcast.fmt import command, markdown, num, strict_json
from flopcast.report import figures, plots
from flopcast.report.html import html_page, html_table, img_tag
from flopcast.report.style import styled, titles


def _write_common(folder: Path, name: str, obj: dict, md: str, title: str, sections: list[str]) -> None:
    (folder / f"{name}.json").write_text(strict_json(obj, indent=2) + "\n")
    (folder / f"{name}.md").write_text(md)
    (folder / "report.html").write_text(html_page(title, sections))


def _png(folder: Path, fname: str, fig) -> bytes:
    png = figures.png_bytes(fig)
    (folder / fname).write_bytes(png)
    return png


def _shares_text(sens, what: str) -> str:
    """Which variance shares the analysis computed, in one sentence."""
    items = list(sens.inputs.values())
    if any(s.s1 is not None for s in items):
        return f"Sobol indices of {what}, N = {sens.n} (SALib, bootstrap 95% CI)."
    if any(s.shapley is not None for s in items):
        meta = sens.shapley or {}
        return (
            f"Shapley effects of {what} ({meta.get('permutations', '?')} random permutations, bootstrap 95% CI) "
            "and PAWN: the inputs are dependent, so Sobol indices (which assume independence) are not computed."
        )
    return f"No variance shares of {what} were computed."


def sensitivity_section(sens, folder: Path | None = None, prefix: str = "") -> tuple[str, str]:
    """(HTML section, Markdown section) with the tornado and variance-share figures."""
    t = figures.png_bytes(plots.tornado_figure(sens))
    v = figures.png_bytes(plots.variance_figure(sens))
    if folder is not None:
        (folder / f"{prefix}tornado-{sens.output}.png").write_bytes(t)
        (folder / f"{prefix}variance-{sens.output}.png").write_bytes(v)
    header, rows, align = plots.table(sens)
    what = f"log({sens.output})" if sens.log else sens.output
    shares = _shares_text(sens, what)
    legend = plots.table_legend(sens)
    warn = "".join(f"<p><b>warning:</b> {html.escape(w)}</p>" for w in sens.warnings)
    sec = (
        f"<h3>Sensitivity of {html.escape(sens.output)} [{html.escape(sens.unit)}]</h3>"
        f"<p>Baseline (every uncertain input at its median): {num(sens.baseline)} {html.escape(sens.unit)}. "
        f"{html.escape(shares)}</p>{warn}"
        f"<div class='figs'>{img_tag(t, 'tornado')}{img_tag(v, 'variance shares')}</div>"
        + html_table(header, rows, align)
        + f"<p>{html.escape(legend)}</p>"
    )
    md = (
        f"### Sensitivity of `{sens.output}` [{sens.unit}]\n\nBaseline (inputs at medians): {num(sens.baseline)}. "
        f"{shares}\n\n"
        + "".join(f"**warning:** {w}\n\n" for w in sens.warnings)
        + markdown(header, rows, align)
        + f"\n\n{legend}\n"
    )
    return sec, md


def write_sensitivity(sens, folder: Path) -> None:
    sec, md = sensitivity_section(sens, folder)
    _write_common(
        folder,
        "sensitivity",
        sens.to_json(),
        f"# flopcast sensitivity: {sens.scenario}\n\n{md}",
        f"flopcast sensitivity: {sens.scenario}",
        [
            f"<h1>Sensitivity: {html.escape(sens.scenario)}</h1>",
            sec,
            f"<p>seed {sens.seed}; regenerate with <code>"
            + html.escape(
                command(
                    "flopcast",
                    "sensitivity",
                    sens.scenario,
                    "--output",
                    sens.output,
                    "--n",
                    sens.n,
                    "--seed",
                    sens.seed,
                    *(["--log"] if sens.log else []),
                )
            )
            + "</code></p>",
        ],
    )


def write_stress(st, folder: Path) -> None:
    ex = _png(folder, "exceedance.png", plots.exceedance_figure(st))
    cond = _png(folder, "conditional.png", plots.conditional_figure(st))
    rows = [
        [n, num(c.prior_median), num(c.conditional_median), f"{c.prior_percentile_of_conditional_median:.0f}", c.unit]
        for n, c in st.conditional.items()
        if c is not None
    ]
    header = ["input", "prior median", f"median given {st.direction} headline", "prior percentile", "unit"]
    seek = [
        [
            n,
            "not reachable within the prior's 0.1-99.9% range" if v is None else num(v),
            "" if st.goal_seek_mcse.get(n) is None else num(st.goal_seek_mcse[n], 2),
        ]
        for n, v in st.goal_seek.items()
    ]
    md = "\n".join(
        [
            f"# flopcast stress: {st.scenario}, {st.output} vs {num(st.headline)} {st.unit}",
            "",
            *[f"- {s}" for s in st.sentences],
            "",
            markdown(header, rows, "lrrrl"),
            "",
            "## Goal seek (one input alone moves the median to the headline)",
            "",
            markdown(["input", "value", f"MCSE ({st.goal_seek_draws:,} draws)"], seek, "lrr"),
            "",
        ]
    )
    sections = [
        f"<h1>Stress test: {html.escape(st.output)} &ge; {num(st.headline)} {html.escape(st.unit)}</h1>",
        f"<p>scenario {html.escape(st.scenario)}, {st.draws:,} draws, seed {st.seed}</p>",
        "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in st.sentences) + "</ul>",
        f"<div class='figs'>{img_tag(ex, 'exceedance')}{img_tag(cond, 'conditional')}</div>",
        "<h2>What you must believe</h2>",
        html_table(header, rows, "lrrrl"),
        "<h2>Goal seek</h2>",
        html_table(["input", "value", f"MCSE ({st.goal_seek_draws:,} draws)"], seek, "lrr"),
    ]
    _write_common(folder, "stress", st.to_json(), md, f"flopcast stress: {st.scenario}", sections)


PREMISES_TEXT = (
    "Inputs whose published figure is counted otherwise than the model's equations expect (MACs "
    "for FLOPs, a sparse for a dense peak, a forward pass for forward + backward), and the band with "
    'every such figure converted (flop_convention = "corrected", the same draws and seed).'
)


def write_audit(au, folder: Path) -> None:
    scenario, lines, sentences, draws, seed = au.scenario, au.lines, au.summary, au.draws, au.seed
    header = [
        "headline",
        "output",
        "published",
        "re-derived",
        "ratio",
        "consistent",
        "band percentile",
        "P(>= published)",
    ]
    rows = [
        [
            ln.label,
            ln.output,
            num(ln.published),
            num(ln.rederived),
            f"{ln.ratio:.3f}",
            "yes" if ln.consistent else "NO",
            "fixed" if ln.band_fixed else f"{ln.percentile:.0f}",
            "-" if ln.band_fixed else f"{ln.p_exceed:.3g}",
        ]
        for ln in lines
    ]
    premises = au.premises
    conv = (
        [
            f"FLOP convention: corrected ({', '.join(c['input'] + ' x' + format(c['factor'], 'g') for c in au.convention['converted'])})."
        ]
        if au.convention
        else []
    )
    md = "\n".join(
        [
            f"# flopcast audit: {scenario}",
            "",
            *conv,
            markdown(header, rows, "llrrrlrr"),
            "",
            *[f"- {s}" for s in sentences],
            "",
            *(
                ["## Premises: FLOP conventions", "", PREMISES_TEXT, "", *[f"- {s}" for s in premises], ""]
                if premises
                else []
            ),
        ]
    )
    sections = [
        f"<h1>Headline audit: {html.escape(scenario)}</h1>",
        f"<p>Re-derived from the scenario's point values; band: {draws:,} draws, seed {seed}.</p>",
        *[f"<p>{html.escape(c)}</p>" for c in conv],
        html_table(header, rows, "llrrrlrr"),
        "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>",
        *(
            [
                f"<h2>Premises: FLOP conventions</h2><p>{html.escape(PREMISES_TEXT)}</p><ul>"
                + "".join(f"<li>{html.escape(s)}</li>" for s in premises)
                + "</ul>"
            ]
            if premises
            else []
        ),
        "<h2>Quotes</h2><ul>"
        + "".join(f"<li><b>{html.escape(ln.label)}</b>: {html.escape(ln.quote)}</li>" for ln in lines)
        + "</ul>",
    ]
    _write_common(folder, "audit", au.to_json(), md, f"flopcast audit: {scenario}", sections)


def write_compare(cmp, folder: Path) -> None:
    header = [
        "output",
        "unit",
        f"{cmp.a} median [p05, p95]",
        f"{cmp.b} median [p05, p95]",
        "ratio B/A median [p05, p95]",
        "P(B > A)",
    ]
    rows = [
        [
            n,
            c.unit,
            f"{num(c.a.median)} [{num(c.a.p05)}, {num(c.a.p95)}]",
            f"{num(c.b.median)} [{num(c.b.p05)}, {num(c.b.p95)}]",
            f"{num(c.ratio.median)} [{num(c.ratio.p05)}, {num(c.ratio.p95)}]",
            f"{c.p_b_greater:.3f}",
        ]
        for n, c in cmp.outputs.items()
    ]
    fig = compare_figure(cmp)
    png = _png(folder, "compare.png", fig)
    md = "\n".join(
        [
            f"# flopcast compare: {cmp.a} vs {cmp.b}",
            "",
            f"{cmp.draws:,} draws, seed {cmp.seed}; common random numbers for: {', '.join(cmp.shared_inputs) or 'none'}",
            "",
            markdown(header, rows, "llrrrr"),
            "",
        ]
    )
    sections = [
        f"<h1>{html.escape(cmp.a)} vs {html.escape(cmp.b)}</h1>",
        f"<p>{cmp.draws:,} draws, seed {cmp.seed}; common random numbers for shared inputs: "
        f"{html.escape(', '.join(cmp.shared_inputs) or 'none')}</p>",
        html_table(header, rows, "llrrrr"),
        img_tag(png, "compare"),
    ]
    _write_common(folder, "compare", cmp.to_json(), md, f"flopcast compare: {cmp.a} vs {cmp.b}", sections)


@styled
def compare_figure(cmp):
    import numpy as np

    fig = figures.new_figure(8.0, 0.5 * len(cmp.outputs) + 2.2, layout="constrained")
    ax = fig.add_subplot()
    names = list(cmp.outputs)
    for i, n in enumerate(names):
        r = cmp.outputs[n].ratio
        ax.plot(
            [r.p05, r.p95],
            [i, i],
            color="C0",
            lw=4,
            alpha=0.6,
            solid_capstyle="butt",
            label="90% interval of B/A" if i == 0 else None,
        )
        ax.plot([r.median], [i], "o", color="C3", label="median of B/A" if i == 0 else None)
    ax.axvline(1.0, color="k", lw=1, label="B = A")
    ax.set_yticks(np.arange(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    lo = min(cmp.outputs[n].ratio.p05 for n in names)
    hi = max(cmp.outputs[n].ratio.p95 for n in names)
    if lo > 0 and hi / lo > 10:
        ax.set_xscale("log")
    ax.set_xlabel("B / A, draw by draw (the same random numbers in both)")
    titles(
        ax,
        "How much B differs from A, output by output",
        f"A: {cmp.a}; B: {cmp.b}; {cmp.draws:,} draws, seed {cmp.seed}",
        fit=True,
    )
    plots._legend_below(fig, ax, ncols=3)
    return fig


def write_waterfall(wf, folder: Path) -> None:
    scenario, output, unit, bars = wf.scenario, wf.output, wf.unit, wf.bars
    png = _png(folder, "waterfall.png", plots.waterfall_figure(output, unit, bars))
    header = ["step", f"{output} [{unit}]", "factor"]
    rows = [[b.label, num(b.value), b.factor_text(3)] for b in bars]
    md = "\n".join([f"# flopcast waterfall: {scenario}, {output}", "", markdown(header, rows, "lrr"), ""])
    sections = [
        f"<h1>What each shortcut is worth: {html.escape(scenario)}</h1>",
        html_table(header, rows, "lrr"),
        img_tag(png, "waterfall"),
    ]
    _write_common(folder, "waterfall", wf.to_json(), md, f"flopcast waterfall: {scenario}", sections)


def write_compare_outputs(head: dict, entries, draws: int, seed: int, folder: Path) -> None:
    title = head.get("title", "comparison")
    png = _png(folder, "compare-outputs.png", plots.compare_outputs_figure(title, head.get("unit", ""), entries))
    header = ["entry", "scenario: output", "unit", "point", "median", "p05", "p95"]
    rows = [
        [
            e.label,
            f"{e.scenario}: {e.output}",
            e.unit,
            num(e.point),
            num(e.summary.median),
            num(e.summary.p05),
            num(e.summary.p95),
        ]
        for e in entries
    ]
    notes = [f"{e.label}: {e.note}" for e in entries if e.note]
    md = "\n".join(
        [
            f"# {title}",
            "",
            head.get("source", ""),
            "",
            markdown(header, rows, "lllrrrr"),
            "",
            *[f"- {n}" for n in notes],
            "",
        ]
    )
    sections = [
        f"<h1>{html.escape(title)}</h1><p>{html.escape(head.get('source', ''))}</p>",
        f"<p>{draws:,} draws per entry, seed {seed}</p>",
        img_tag(png, "comparison"),
        html_table(header, rows, "lllrrrr"),
        "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>",
    ]
    obj = {
        "comparison": head.get("name", ""),
        "draws": draws,
        "seed": seed,
        "entries": [
            {
                "label": e.label,
                "scenario": e.scenario,
                "output": e.output,
                "unit": e.unit,
                "point": e.point,
                **e.summary.as_dict(),
            }
            for e in entries
        ],
    }
    _write_common(folder, "compare-outputs", obj, md, title, sections)
