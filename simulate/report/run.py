"""What lands in a run folder: samples.nc, summary.csv/.json/.md, figures, report.html."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from flopcast.fmt import command, markdown, md_text, num, strict_json
from flopcast.report import figures, lead, plots
from flopcast.report.html import html_page, html_table, img_tag
from flopcast.report.lead import override_args, scenario_ref
from flopcast.report.parallel import render_all
from flopcast.report.text import point_rows
from flopcast.results import SUMMARY_COLUMNS
from flopcast.samples import SAVE_AT_MOST, save_samples, to_dataset
from flopcast.summary import summarize_output

SUMMARY_FIELDS = ["output", *SUMMARY_COLUMNS]  # summary.csv: one row per output


def summary_rows(result, human: bool = True) -> list[list]:
    f = num if human else (lambda x: x)
    rows = []
    for name, s in result.summary.items():
        rows.append(
            [
                name,
                s.unit,
                f(s.mean),
                f(s.median),
                f(s.p05),
                f(s.p95),
                f(s.hdi90[0]),
                f(s.hdi90[1]),
                f(s.mcse_p05),
                f(s.mcse_p50),
                f(s.mcse_p95),
                s.draws,
            ]
        )
    return rows


def priors_rows(plan) -> list[list[str]]:
    rows = []
    for name, spec in plan.model.inputs.items():
        prior = plan.scenario.priors.get(name)
        if prior is None:
            rows.append(
                [
                    name,
                    f"default {num(spec.default)}",
                    num(spec.default),
                    num(spec.default),
                    num(spec.default),
                    spec.unit,
                    f"model default: {spec.source}",
                ]
            )
            continue
        q05, q50, q95 = (prior.dist.quantile(p) for p in (0.05, 0.5, 0.95))
        rows.append([name, prior.dist.describe(), num(q05), num(q50), num(q95), spec.unit, prior.source])
    return rows


PRIOR_HEADER = ["input", "distribution", "p05", "median", "p95", "unit", "source"]


def regenerate_command(result) -> str:
    ref, sets = scenario_ref(result), override_args(result.plan.scenario)
    return command(
        "flopcast", "run", ref, "--draws", result.draws, "--seed", result.seed, "--sampler", result.sampler, *sets
    )


def write_point(pt, folder: Path, report: bool = True) -> None:
    """A point evaluation's folder: point.json (and point.md)."""

    (folder / "point.json").write_text(strict_json(pt.to_json(), indent=2) + "\n")
    if report:
        (folder / "point.md").write_text(
            f"# {pt.plan.scenario.name}: point values\n\n"
            + markdown(["output", "unit", "value"], point_rows(pt), "llr")
            + "\n"
        )


SAMPLES_CHOICES = ("all", "outputs", "none")


def write_run(
    result,
    folder: Path,
    report: bool = True,
    waterfall=None,
    headlines=None,
    samples: str = "all",
    figure_format: str = "svg",
) -> list[str]:
    """Write a run's files into ``folder`` (a staging folder); returns the names written.

    Renders what it is given: the run, the published figures placed in its band (``headlines``,
    from ``flopcast.analyze.headlines``) and, when the caller computed it, the scenario's waterfall
    (``flopcast.analyze.waterfall.waterfall``). Variance shares are not recomputed here; the report
    says which command gives them. ``samples``: which draws samples.nc keeps (all, outputs, none).
    ``figure_format``: each output's figure file, rendered once and embedded in report.html as is:
    ``svg`` (vector) or ``png`` (1200 px wide for key outputs and published figures, 600 px for others)."""
    written = []
    if samples != "none":
        write_samples(result, folder / "samples.nc", inputs=samples == "all")
        written.append("samples.nc")
    with open(folder / "summary.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SUMMARY_FIELDS)
        w.writerows(summary_rows(result, human=False))
    written.append("summary.csv")
    obj = result.to_json()
    if headlines is not None:
        obj["headlines"] = [h.to_json() for h in headlines.items]
        obj["log_hdi90"] = {k: list(v) for k, v in headlines.log_hdi90.items()}
    (folder / "summary.json").write_text(strict_json(obj, indent=2) + "\n")
    written.append("summary.json")
    if not report:
        return written
    figs = {}
    featured = featured_outputs(result, headlines)
    names = list(result.plan.model.outputs)

    def render(name: str):  # under --figures png every figure is full size (1200 px wide)
        small = name not in featured and figure_format != "png"
        return figures.render_once(distribution_figure(result, name, headlines, small=small), figure_format)

    figures.load()  # imported once, before the worker is forked: it inherits matplotlib
    for name, (suffix, data, figs[name]) in zip(names, render_all(names, render)):
        (folder / f"{name}.{suffix}").write_bytes(data)
        written.append(f"{name}.{suffix}")
    sens_html, sens_md = sensitivity_pointer(result)
    wf_html, wf_md = waterfall_section(waterfall, folder)
    corr_html, corr_md = correlation_section(result)
    sens_html = corr_html + wf_html + sens_html
    (folder / "summary.md").write_text(markdown_report(result, headlines, samples) + corr_md + wf_md + sens_md)
    written.append("summary.md")
    (folder / "report.html").write_text(html_report(result, figs, sens_html, headlines, samples))
    written.append("report.html")
    return written


def featured_outputs(result, headlines) -> list[str]:
    """Outputs drawn at full quality: the model's key outputs and every output with a published figure."""
    with_headline = {h.output for h in headlines.items} if headlines is not None else set()
    return [n for n in result.plan.model.outputs if n in result.plan.model.key_outputs or n in with_headline]


def distribution_figure(result, name: str, headlines=None, small: bool = False):
    s = result.summary[name]
    spec = result.plan.model.outputs[name]
    mine = headlines.for_output(name) if headlines is not None else []
    log_hdi = headlines.log_hdi90.get(name) if headlines is not None else None
    n = len(result.outputs[name])
    drawn = f"{result.draws:,} draws" if n == result.draws else f"first {n:,} of {result.draws:,} draws"
    return figures.distribution(
        result.outputs[name],
        s,
        name,
        s.unit,
        title=spec.description,
        subtitle=f"{result.plan.scenario.name}: {name}, {drawn}, seed {result.seed}",
        headlines=mine,
        log_hdi=log_hdi,
        small=small,
    )


def write_samples(result, path: Path, inputs: bool = True) -> None:
    """samples.nc: float32 for every variable whose reported figures (4 significant digits) and
    range survive it, float64 otherwise; ``inputs=False`` keeps the outputs only."""
    import numpy as np

    draws = to_dataset(result, SAVE_AT_MOST)  # a Draws: no xarray on the run path
    if not inputs:
        draws.variables = {k: v for k, v in draws.variables.items() if k not in result.inputs}
    for name, (dims, values, attrs) in list(draws.variables.items()):
        if "draw" not in dims:
            continue
        values = np.asarray(values)
        rounded = result.float32_summary.get(name)
        if rounded is not None and values.size == result.draws:  # summarized in the run, same draws
            safe = in_float32_range(values) and _printed(result.summary[name]) == _printed(rounded)
        else:
            safe = float32_safe(values, result.summary.get(name))
        if safe:
            draws.variables[name] = (dims, values.astype(np.float32), attrs)
    save_samples(draws, path)


def float32_safe(values, summary=None) -> bool:
    """Whether storing ``values`` as float32 changes no reported digit: finite, inside float32's
    normal range, and (for an output) every figure of its summary, as the tables print it, the same
    when summarized from the float32 values (``summary.summarize_output``: both from one partition)."""

    if not in_float32_range(values):
        return False
    if summary is None:
        return True
    both = summarize_output(values, summary.unit)
    return _printed(both.summary) == _printed(both.float32)


def in_float32_range(values) -> bool:
    """Finite and inside float32's normal range (zeros allowed)."""
    import numpy as np

    values = np.asarray(values)
    if values.size and values.ndim:
        lo, hi = values.min(), values.max()  # NaN propagates into both
        if lo > 0:  # all positive (the usual case): two reductions, no copy
            return bool(hi <= 1e38 and lo >= 1e-37)
    a = np.abs(values[values != 0])
    return not a.size or bool(np.all(np.isfinite(a)) and a.max() <= 1e38 and a.min() >= 1e-37)


def _printed(s) -> list[str]:
    return [
        *(num(x) for x in (s.mean, s.median, s.p05, s.p95, *s.hdi90, s.mcse_p05, s.mcse_p50, s.mcse_p95)),
        f"{100 * s.max_relative_mcse:.2f}%",
    ]


def correlation_section(result) -> tuple[list[str], str]:
    rows = [
        [" & ".join(c["inputs"]), f"{c['rank']:.3f}", f"{c['achieved']:.3f}"] for c in result.achieved_correlations()
    ]
    if not rows:
        return [], ""
    header = ["inputs", "requested rank correlation", "achieved Spearman"]
    return (
        [f"<h2>Correlated inputs (Gaussian copula)</h2>{html_table(header, rows, 'lrr')}"],
        "\n## Correlated inputs (Gaussian copula)\n\n" + markdown(header, rows, "lrr") + "\n",
    )


def waterfall_section(wf, folder: Path) -> tuple[list[str], str]:
    """The scenario's [waterfall] (computed by the caller): what each shortcut is worth."""
    if wf is None:
        return [], ""
    output, unit, bars = wf.output, wf.unit, wf.bars
    png = figures.png_bytes(plots.waterfall_figure(output, unit, bars))
    (folder / "waterfall.png").write_bytes(png)
    header = ["step", f"{output} [{unit}]", "factor"]
    rows = [[b.label, num(b.value), b.factor_text(3)] for b in bars]
    return (
        [
            f"<h2>What each shortcut is worth</h2><p>From the start assumptions to this scenario's point "
            f"values, one factor at a time (cumulative; the factors depend on the order).</p>"
            f"{img_tag(png, 'waterfall')}{html_table(header, rows, 'lrr')}"
        ],
        "\n## What each shortcut is worth\n\n" + markdown(header, rows, "lrr") + "\n",
    )


def sensitivity_commands(result) -> list[str]:
    """The commands that give the variance shares of each key output (a run computes none)."""
    ref, sets = scenario_ref(result), override_args(result.plan.scenario)
    return [
        command("flopcast", "sensitivity", ref, "--output", n, "--log", "--seed", result.seed, *sets)
        for n in result.plan.model.key_outputs
    ]


def sensitivity_pointer(result) -> tuple[list[str], str]:
    if not result.plan.uncertain:
        return [], ""
    cmds = sensitivity_commands(result)
    text = (
        "Which assumption drives the band (tornado, Sobol variance shares with bootstrap CIs, rank "
        "correlations) is a separate analysis, not recomputed by a run:"
    )
    return (
        [
            f"<h2 id='sensitivity'>Sensitivity</h2><p>{html.escape(text)}</p><pre>"
            + html.escape("\n".join(cmds))
            + "</pre>"
        ],
        "\n<a id='sensitivity'></a>\n\n## Sensitivity\n\n" + text + "\n\n```\n" + "\n".join(cmds) + "\n```\n",
    )


def _provenance_rows(result, samples: str = "all") -> list[list[str]]:
    prov = result.provenance()
    return [
        ["scenario", f"{prov['scenario']} ({prov['scenario_file']})"],
        ["model", prov["model"]],
        ["seed", str(prov["seed"])],
        ["draws", f"{prov['draws']:,}"],
        ["sampler", prov["sampler"]],
        ["stored draws", _stored(result, samples)],
        ["overrides", "; ".join(prov["overrides"]) or "none"],
        ["flopcast version", prov["version"]],
        ["created (UTC)", prov["created"]],
        ["regenerate with", f"`{regenerate_command(result)}`"],
    ]


def _stored(result, samples: str = "all") -> str:

    if samples == "none":
        return "none (--samples none)"
    what = "inputs and outputs" if samples == "all" else "outputs only"

    n = min(result.draws, SAVE_AT_MOST, result.kept or result.draws)
    if n == result.draws:
        return f"all, {what}, in samples.nc (float32 where it changes no reported digit)"
    streamed = (
        (
            " (summaries streamed: exact quantiles, MCSE, log-scale HDI and published-figure percentiles; "
            "histogram HDI on the linear scale)"
        )
        if result.kept
        else ""
    )
    return f"the first {n:,} ({what}) in samples.nc; figures from them; summaries use all {result.draws:,}{streamed}"


INTERVAL_HEADER = [
    "output",
    "unit",
    "median",
    "p05",
    "p95",
    "90% HDI",
    "90% HDI of log values",
    "mean",
    "MCSE p05 / p50 / p95",
]


def interval_rows(result, headlines=None) -> list[list[str]]:
    logs = headlines.log_hdi90 if headlines is not None else {}
    return [
        [
            n,
            s.unit,
            num(s.median),
            num(s.p05),
            num(s.p95),
            f"{num(s.hdi90[0])} - {num(s.hdi90[1])}",
            f"{num(logs[n][0])} - {num(logs[n][1])}" if n in logs else "",
            num(s.mean),
            f"{num(s.mcse_p05)} / {num(s.mcse_p50)} / {num(s.mcse_p95)}",
        ]
        for n, s in result.summary.items()
    ]


INTERVALS_TEXT = (
    "Equal-tailed 90% interval (p05-p95); 90% highest-density interval (HDI), and for outputs "
    "whose band spans more than a decade the 90% HDI of log(values), the one to read for them "
    "(on the linear scale the HDI hugs zero); Monte Carlo standard errors (MCSE) of p05/p50/p95."
)


def markdown_report(result, headlines=None, samples: str = "all") -> str:
    sc = result.plan.scenario
    rows = interval_rows(result, headlines)
    for r in rows:
        r[0] = f"<a id='out-{r[0]}'></a>`{r[0]}`"
    parts = [f"# flopcast run: {md_text(sc.name)}", "", md_text(sc.description), "", "## Summary", ""]
    parts += [f"- {t}" for t in lead.summary_sentences(result, headlines, sensitivity_commands(result), md=True)]
    parts += [""]
    if headlines is not None and headlines.items:
        hrows = lead.headline_rows(headlines)
        for i, r in enumerate(hrows):
            r[0] = f"<a id='headline-{i}'></a>{md_text(r[0])}"
        parts += [
            "<a id='headlines'></a>",
            "## Published figures in the band",
            "",
            markdown(lead.HEADLINE_HEADER, hrows, "lllrrrrrl"),
            "",
        ]
    parts += [
        markdown(["", ""], [[k, md_text(v)] for k, v in _provenance_rows(result, samples)], "ll"),
        "",
        "## Credible intervals",
        "",
        INTERVALS_TEXT,
        "",
        markdown(INTERVAL_HEADER, rows, "llrrrrrrr"),
        "",
        "## Priors",
        "",
        markdown(PRIOR_HEADER, [[*r[:-1], md_text(r[-1])] for r in priors_rows(result.plan)], "llrrrll"),
        "",
    ]
    rationale = [(n, p.rationale) for n, p in sc.priors.items() if p.rationale]
    if rationale:
        parts += ["## Why these widths", ""] + [f"- **{n}**: {md_text(r)}" for n, r in rationale] + [""]
    if samples != "none":
        parts += ["## Opening samples.nc", "", lead.SAMPLES_HOWTO, "", "```python", lead.SAMPLES_CODE, "```", ""]
    return "\n".join(parts)


def html_report(
    result, figs: dict[str, bytes | str], extra_sections: list[str] = (), headlines=None, samples: str = "all"
) -> str:
    sc = result.plan.scenario
    key = [n for n in result.plan.model.key_outputs if n in figs]
    first = lead.lead_headline(headlines, result.plan.model.key_outputs)
    if first is not None and first.output in figs:  # the lead figure is the output the summary is about
        key = [first.output] + [n for n in key if n != first.output]
    shown = featured_outputs(result, headlines)
    more = [n for n in figs if n in shown and n not in key]
    rest = [n for n in figs if n not in shown]
    sentences = lead.summary_sentences(result, headlines, sensitivity_commands(result))
    sections = [
        f"<h1>flopcast run: {html.escape(sc.name)}</h1><p>{html.escape(sc.description)}</p>",
        "<div class='summary'><h2>Summary</h2><ul>" + "".join(f"<li>{t}</li>" for t in sentences) + "</ul></div>",
    ]
    if key:
        sections.append(f"<div class='lead'>{_fig(figs[key[0]], key[0])}</div>")
    if headlines is not None and headlines.items:
        sections.append(
            "<h2 id='headlines'>Published figures in the band</h2><p>Each figure the source published, "
            "the value the source's own stated assumptions give (the model at every prior's point "
            "value), and the percentile of each among this run's draws.</p>"
            + html_table(
                lead.HEADLINE_HEADER,
                lead.headline_rows(headlines),
                "lllrrrrrl",
                [f"headline-{i}" for i in range(len(headlines.items))],
            )
        )
    sections += [
        "<h2>Credible intervals</h2><p>" + html.escape(INTERVALS_TEXT) + "</p>",
        html_table(
            INTERVAL_HEADER, interval_rows(result, headlines), "llrrrrrrr", [f"out-{n}" for n in result.summary]
        ),
        "<h2>Key outputs</h2><div class='figs'>" + "".join(_fig(figs[n], n) for n in key[1:]) + "</div>",
        *(
            [
                "<h2>Outputs with published figures</h2><div class='figs'>"
                + "".join(_fig(figs[n], n) for n in more)
                + "</div>"
            ]
            if more
            else []
        ),
        *extra_sections,
        *(
            ["<h2>Other outputs</h2><div class='figs small'>" + "".join(_fig(figs[n], n) for n in rest) + "</div>"]
            if rest
            else []
        ),
        "<h2>Priors</h2>",
        html_table(PRIOR_HEADER, priors_rows(result.plan), "llrrrll"),
    ]
    rationale = [(n, p.rationale) for n, p in sc.priors.items() if p.rationale]
    if rationale:
        sections.append(
            "<h2>Why these widths</h2><ul>"
            + "".join(f"<li><b>{html.escape(n)}</b>: {html.escape(r)}</li>" for n, r in rationale)
            + "</ul>"
        )
    sections.append(
        "<h2>Provenance</h2>"
        + html_table(["", ""], [[a, b.strip("`")] for a, b in _provenance_rows(result, samples)], "ll")
    )
    if samples != "none":
        sections.append(
            f"<h2>Opening samples.nc</h2><p>{html.escape(lead.SAMPLES_HOWTO)}</p>"
            f"<pre>{html.escape(lead.SAMPLES_CODE)}</pre>"
        )
    return html_page(f"flopcast: {sc.name}", sections)


def _fig(fig: bytes | str, alt: str) -> str:
    """An inline SVG or an embedded PNG."""
    return f"<figure>{fig}</figure>" if isinstance(fig, str) else img_tag(fig, alt)
