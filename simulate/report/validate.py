"""Render a ``Validation`` (``flopcast.analyze.validate``): tables, a PIT histogram, predicted vs measured on
log axes, JSON, Markdown and HTML. Renders only what it is given; matplotlib is imported inside functions."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from flopcast.fmt import markdown, num, safe, strict_json, table
from flopcast.report import figures
from flopcast.report.html import html_page, html_table, img_tag
from flopcast.report.style import styled

CASE_HEADER = [
    "case",
    "output",
    "unit",
    "measured",
    "p05",
    "median",
    "p95",
    "PIT",
    "in 50%",
    "in 90%",
    "median/measured",
]
CASE_ALIGN = "lllrrrrrllr"
METHOD = [
    "Each case runs the scenario with the case's `set` (its architecture and settings) and reads the band of the "
    "measured quantity from the same draws; PIT is the share of draws at or below the measurement.",
    "Bands are predictive (unless --no-measurement-error): each draw is multiplied by exp(sigma_log z) (or, for an "
    "`sd` observation, has sd z added), z ~ Normal(0, 1), the case's own measurement error, so that a perfect model "
    "holds 90% of measurements in its 90% bands.",
    "Honest bands put about 50% of the measurements in the 50% band and 90% in the 90% band, with PITs spread "
    "evenly over [0, 1]; PITs piled at 0 or 1 mean bands that are too narrow or biased.",
    "With --loo each case is predicted from the posterior calibrated on all the other cases (PyMC NUTS).",
    "With --discrepancy S every prediction is multiplied by exp(sigma z), z ~ Normal(0, 1), sigma ~ HalfNormal(S) "
    "(or sigma's posterior draws when the calibration estimates it).",
    "An evidence file that declares its cases exchangeable but not identical runs (between_run_sigma_log) gives "
    "the default S of --loo: each calibration learns sigma with the shared inputs, and the left-out case gets "
    "its own exp(sigma z); --discrepancy 0 switches it off.",
]


def case_rows(v) -> list[list[str]]:
    return [
        [
            c.label,
            c.output,
            c.unit,
            num(c.measured),
            num(c.p05),
            num(c.median),
            num(c.p95),
            f"{c.pit:.2f}",
            "yes" if c.in50 else "no",
            "yes" if c.in90 else "no",
            f"{c.ratio:.2f}",
        ]
        for c in v.cases
    ]


def summary_rows(v) -> list[list[str]]:
    disc = "none" if v.discrepancy is None else f"HalfNormal({v.discrepancy:g}), {v.discrepancy_source}"
    if getattr(v, "between_run", None) is not None:
        disc += f" (the between-run term the evidence file declares: {v.between_run.source})"
    measured = (
        "widened by each case's measurement error"
        if getattr(v, "measurement_error", False)
        else "the model alone (--no-measurement-error)"
    )
    return [
        ["scenario", v.scenario],
        ["evidence", v.evidence],
        ["bands from", v.mode],
        ["bands", measured],
        ["model discrepancy", disc],
        ["cases", str(len(v.cases))],
        ["coverage of the 50% band", f"{v.coverage50:.2f} (honest: 0.50)"],
        ["coverage of the 90% band", f"{v.coverage90:.2f} (honest: 0.90)"],
        ["median |log(median/measured)|", f"{v.median_abs_log_error:.3f}"],
        ["draws", f"{v.draws:,}{' NUTS per chain' if v.loo else ' per case'}"],
        ["seed", str(v.seed)],
    ]


@styled
def pit_figure(v):
    fig = figures.new_figure(6.0, 3.2)
    ax = fig.add_subplot()
    pits = np.array([c.pit for c in v.cases])
    bins = max(2, min(10, len(pits) // 2))
    ax.hist(pits, bins=bins, range=(0, 1), color="#4c72b0", edgecolor="white")
    ax.axhline(len(pits) / bins, color="black", lw=1, ls="--", label="uniform (honest bands)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("PIT: share of predictive draws <= measured (1)")
    ax.set_ylabel("cases (count)")
    ax.set_title(f"{v.scenario} on {Path(v.evidence).name}: PIT ({v.mode})")
    ax.legend(fontsize=8)
    return fig


@styled
def predicted_figure(v):
    fig = figures.new_figure(6.0, 5.0)
    ax = fig.add_subplot()
    m = np.array([c.measured for c in v.cases])
    med = np.array([c.median for c in v.cases])
    lo = np.array([c.p05 for c in v.cases])
    hi = np.array([c.p95 for c in v.cases])
    colors = ["#4c72b0" if c.in90 else "#c44e52" for c in v.cases]
    ax.errorbar(m, med, yerr=[med - lo, hi - med], fmt="none", ecolor="grey", lw=1, capsize=2)
    ax.scatter(m, med, c=colors, zorder=3, s=25)
    span = [min(m.min(), lo.min()) / 1.5, max(m.max(), hi.max()) * 1.5]
    ax.plot(span, span, color="black", lw=1, ls="--", label="predicted = measured")
    ax.set_xscale("log")
    ax.set_yscale("log")
    unit = v.cases[0].unit if len({c.unit for c in v.cases}) == 1 else "output unit"
    ax.set_xlabel(f"measured ({unit})")
    ax.set_ylabel(f"predicted median, 90% band ({unit})")
    ax.set_title("predicted vs measured (red: outside the 90% band)")
    for c in v.cases:
        ax.annotate(c.label, (c.measured, c.median), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.legend(fontsize=8)
    return fig


def write_figures(v, folder: Path) -> dict[str, bytes]:
    figs = {}
    if not v.cases:
        figs["pit.png"] = figures.png_bytes(figures.message_figure("no cases"))
    else:
        figs["pit.png"] = figures.png_bytes(pit_figure(v))
        figs["predicted_vs_measured.png"] = figures.png_bytes(predicted_figure(v))
    for name, png in figs.items():
        (folder / name).write_bytes(png)
    return figs


def markdown_report(v, figs: dict[str, bytes]) -> str:
    lines = [
        f"# flopcast validate: {v.scenario} on {Path(v.evidence).name}",
        "",
        markdown(["", ""], summary_rows(v), "ll"),
        "",
        "## Cases",
        "",
        markdown(CASE_HEADER, case_rows(v), CASE_ALIGN),
        "",
    ]
    if v.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in v.warnings] + [""]
    lines += ["## Figures", ""] + [f"![{n}]({n})" for n in figs] + ["", "## Method", ""]
    lines += [f"- {m}" for m in METHOD]
    return "\n".join(lines) + "\n"


def html_report(v, figs: dict[str, bytes]) -> str:
    esc = html.escape
    sections = [
        f"<h1>flopcast validate: {esc(v.scenario)} on {esc(Path(v.evidence).name)}</h1>",
        html_table(["", ""], summary_rows(v), "ll"),
        "<h2>Cases</h2>",
        html_table(CASE_HEADER, case_rows(v), CASE_ALIGN),
        "<div class='figs'>" + "".join(img_tag(p, n) for n, p in figs.items()) + "</div>",
    ]
    if v.warnings:
        sections.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{esc(w)}</li>" for w in v.warnings) + "</ul>")
    sections.append("<h2>Method</h2><ul>" + "".join(f"<li>{esc(m)}</li>" for m in METHOD) + "</ul>")
    return html_page(f"flopcast validate: {v.scenario}", sections)


def write_validation(v, folder: Path) -> list[str]:
    """Write validate.json, validate.md, the figures and report.html into ``folder``; returns the names."""
    (folder / "validate.json").write_text(strict_json(v.to_json(), indent=2) + "\n")
    figs = write_figures(v, folder)
    (folder / "validate.md").write_text(markdown_report(v, figs))
    (folder / "report.html").write_text(html_report(v, figs))
    return ["validate.json", *figs, "validate.md", "report.html"]


def summary_text(v) -> str:

    return safe(
        "\n".join(
            [
                f"{v.scenario} validated on {Path(v.evidence).name} ({len(v.cases)} cases, bands from the {v.mode}"
                + (
                    ", widened by each case's measurement error"
                    if getattr(v, "measurement_error", False)
                    else ", model alone"
                )
                + (
                    f", {'between-run term' if getattr(v, 'between_run', None) is not None else 'discrepancy'} "
                    f"HalfNormal({v.discrepancy:g}) {v.discrepancy_source}"
                    if v.discrepancy
                    else ""
                )
                + "):",
                table(CASE_HEADER, case_rows(v), CASE_ALIGN),
                "",
                f"coverage: 50% band {v.coverage50:.2f} (honest 0.50), 90% band {v.coverage90:.2f} (honest 0.90); "
                f"median |log(median/measured)| {v.median_abs_log_error:.3f}",
            ]
        )
    )  # labels and names from files: no escape sequence reaches the terminal
