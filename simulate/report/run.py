"""What lands in a run folder: samples.nc, summary.csv/.json/.md, figures, report.html."""

from __future__ import annotations

import base64
import csv
import html
import json
from pathlib import Path

from flopcast.report import figures, plots
from flopcast.fmt import markdown, num, percent, table

SUMMARY_FIELDS = ["output", "unit", "mean", "median", "p05", "p95", "hdi90_low", "hdi90_high",
                  "mcse_p05", "mcse_p50", "mcse_p95", "draws"]


def summary_rows(result, human: bool = True) -> list[list]:
    f = num if human else (lambda x: x)
    rows = []
    for name, s in result.summary.items():
        rows.append([name, s.unit, f(s.mean), f(s.median), f(s.p05), f(s.p95), f(s.hdi90[0]), f(s.hdi90[1]),
                     f(s.mcse_p05), f(s.mcse_p50), f(s.mcse_p95), s.draws])
    return rows


def summary_text(result) -> str:
    header = ["output", "unit", "median", "p05", "p95", "90% HDI", "mean", "max rel. MCSE"]
    rows = [
        [name, s.unit, num(s.median), num(s.p05), num(s.p95), f"{num(s.hdi90[0])} - {num(s.hdi90[1])}",
         num(s.mean), percent(s.max_relative_mcse)]
        for name, s in result.summary.items()
    ]
    return table(header, rows, "llrrrrrr")


def priors_rows(plan) -> list[list[str]]:
    rows = []
    for name, spec in plan.model.inputs.items():
        prior = plan.scenario.priors.get(name)
        if prior is None:
            rows.append([name, f"default {num(spec.default)}", num(spec.default), num(spec.default),
                         num(spec.default), spec.unit, f"model default: {spec.source}"])
            continue
        q05, q50, q95 = (prior.dist.quantile(p) for p in (0.05, 0.5, 0.95))
        rows.append([name, prior.dist.describe(), num(q05), num(q50), num(q95), spec.unit, prior.source])
    return rows


PRIOR_HEADER = ["input", "distribution", "p05", "median", "p95", "unit", "source"]


def scenario_ref(result) -> str:
    from flopcast.priors.scenario import SCENARIO_DIR

    sc = result.plan.scenario
    return sc.name if sc.path is None or sc.path.resolve().parent == SCENARIO_DIR else str(sc.path)


def regenerate_command(result) -> str:
    sc = result.plan.scenario
    ref = scenario_ref(result)
    sets = "".join(f" --set '{s}'" for s in sc.overrides)
    return f"flopcast run {ref} --draws {result.draws} --seed {result.seed} --sampler {result.sampler}{sets}"


def write_point(pt, folder: Path, report: bool = True) -> None:
    """A point evaluation's folder: point.json (and point.md)."""
    from flopcast.report.text import point_rows

    (folder / "point.json").write_text(json.dumps(pt.to_json(), indent=2) + "\n")
    if report:
        (folder / "point.md").write_text(f"# {pt.plan.scenario.name}: point values\n\n"
                                         + markdown(["output", "unit", "value"], point_rows(pt), "llr") + "\n")


def write_run(result, folder: Path, report: bool = True, waterfall=None) -> list[str]:
    """Write a run's files into ``folder`` (a staging folder); returns the names written.

    Renders what it is given: the run and, when the caller computed it, the scenario's waterfall
    (``flopcast.analyze.waterfall.waterfall``). Variance shares are not recomputed here; the report
    says which command gives them."""
    from flopcast.samples import SAVE_AT_MOST, save_samples, to_dataset

    written = []
    save_samples(to_dataset(result, SAVE_AT_MOST), folder / "samples.nc")
    written.append("samples.nc")
    with open(folder / "summary.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SUMMARY_FIELDS)
        w.writerows(summary_rows(result, human=False))
    written.append("summary.csv")
    (folder / "summary.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    written.append("summary.json")
    if not report:
        return written
    figs = {}
    for name in result.plan.model.outputs:
        s = result.summary[name]
        fig = figures.distribution(result.outputs[name], s, name, s.unit)
        png = figures.png_bytes(fig)
        (folder / f"{name}.png").write_bytes(png)
        figs[name] = png
        written.append(f"{name}.png")
    sens_html, sens_md = sensitivity_pointer(result)
    wf_html, wf_md = waterfall_section(waterfall, folder)
    corr_html, corr_md = correlation_section(result)
    sens_html = corr_html + wf_html + sens_html
    (folder / "summary.md").write_text(markdown_report(result) + corr_md + wf_md + sens_md)
    written.append("summary.md")
    (folder / "report.html").write_text(html_report(result, figs, sens_html))
    written.append("report.html")
    return written


def correlation_section(result) -> tuple[list[str], str]:
    rows = [[" & ".join(c["inputs"]), f"{c['rank']:.3f}", f"{c['achieved']:.3f}"] for c in result.achieved_correlations()]
    if not rows:
        return [], ""
    header = ["inputs", "requested rank correlation", "achieved Spearman"]
    return ([f"<h2>Correlated inputs (Gaussian copula)</h2>{_html_table(header, rows, 'lrr')}"],
            "\n## Correlated inputs (Gaussian copula)\n\n" + markdown(header, rows, "lrr") + "\n")


def waterfall_section(wf, folder: Path) -> tuple[list[str], str]:
    """The scenario's [waterfall] (computed by the caller): what each shortcut is worth."""
    if wf is None:
        return [], ""
    output, unit, bars = wf.output, wf.unit, wf.bars
    png = figures.png_bytes(plots.waterfall_figure(output, unit, bars))
    (folder / "waterfall.png").write_bytes(png)
    header = ["step", f"{output} [{unit}]", "factor"]
    rows = [[b.label, num(b.value), b.factor_text(3)] for b in bars]
    return ([f"<h2>What each shortcut is worth</h2><p>From the start assumptions to this scenario's point "
             f"values, one factor at a time (cumulative; the factors depend on the order).</p>"
             f"{img_tag(png, 'waterfall')}{_html_table(header, rows, 'lrr')}"],
            "\n## What each shortcut is worth\n\n" + markdown(header, rows, "lrr") + "\n")


def sensitivity_commands(result) -> list[str]:
    """The commands that give the variance shares of each key output (a run computes none)."""
    ref = scenario_ref(result)
    sets = "".join(f" --set '{s}'" for s in result.plan.scenario.overrides)
    return [f"flopcast sensitivity {ref} --output {n} --log --seed {result.seed}{sets}"
            for n in result.plan.model.key_outputs]


def sensitivity_pointer(result) -> tuple[list[str], str]:
    if not result.plan.uncertain:
        return [], ""
    cmds = sensitivity_commands(result)
    text = ("Which assumption drives the band (tornado, Sobol variance shares with bootstrap CIs, rank "
            "correlations) is a separate analysis, not recomputed by a run:")
    return ([f"<h2>Sensitivity</h2><p>{html.escape(text)}</p><pre>" + html.escape("\n".join(cmds)) + "</pre>"],
            "\n## Sensitivity\n\n" + text + "\n\n```\n" + "\n".join(cmds) + "\n```\n")


def _provenance_rows(result) -> list[list[str]]:
    prov = result.provenance()
    return [
        ["scenario", f"{prov['scenario']} ({prov['scenario_file']})"],
        ["model", prov["model"]],
        ["seed", str(prov["seed"])],
        ["draws", f"{prov['draws']:,}"],
        ["sampler", prov["sampler"]],
        ["stored draws", _stored(result)],
        ["overrides", "; ".join(prov["overrides"]) or "none"],
        ["flopcast version", prov["version"]],
        ["created (UTC)", prov["created"]],
        ["regenerate with", f"`{regenerate_command(result)}`"],
    ]


def _stored(result) -> str:
    from flopcast.samples import SAVE_AT_MOST

    n = min(result.draws, SAVE_AT_MOST, result.kept or result.draws)
    if n == result.draws:
        return "all, in samples.nc (float64)"
    streamed = " (summaries streamed: exact quantiles and MCSE, histogram HDI)" if result.kept else ""
    return f"the first {n:,} in samples.nc; figures from them; summaries use all {result.draws:,}{streamed}"


def markdown_report(result) -> str:
    sc = result.plan.scenario
    header = ["output", "unit", "median", "p05", "p95", "90% HDI", "mean", "MCSE p05 / p50 / p95"]
    rows = [
        [f"`{n}`", s.unit, num(s.median), num(s.p05), num(s.p95), f"{num(s.hdi90[0])} - {num(s.hdi90[1])}",
         num(s.mean), f"{num(s.mcse_p05)} / {num(s.mcse_p50)} / {num(s.mcse_p95)}"]
        for n, s in result.summary.items()
    ]
    parts = [
        f"# flopcast run: {sc.name}",
        "",
        sc.description,
        "",
        markdown(["", ""], _provenance_rows(result), "ll"),
        "",
        "## Credible intervals (equal-tailed 90%: p05-p95; 90% highest-density interval)",
        "",
        markdown(header, rows, "llrrrrrr"),
        "",
        "## Priors",
        "",
        markdown(PRIOR_HEADER, priors_rows(result.plan), "llrrrll"),
        "",
    ]
    rationale = [(n, p.rationale) for n, p in sc.priors.items() if p.rationale]
    if rationale:
        parts += ["## Why these widths", ""] + [f"- **{n}**: {r}" for n, r in rationale] + [""]
    return "\n".join(parts)


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px}
td.r{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}img{max-width:100%}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:1em}code{background:#f5f5f5}"""


def _html_table(header, rows, align) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(
            f"<td class='{'r' if a == 'r' else 'l'}'>{html.escape(str(c))}</td>" for c, a in zip(r, align)
        ) + "</tr>")
    return "".join(out) + "</table>"


def html_page(title: str, sections: list[str]) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(sections)}</body></html>\n")


def img_tag(png: bytes, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def html_report(result, figs: dict[str, bytes], extra_sections: list[str] = ()) -> str:
    sc = result.plan.scenario
    header = ["output", "unit", "median", "p05", "p95", "90% HDI", "mean", "max rel. MCSE"]
    rows = [
        [n, s.unit, num(s.median), num(s.p05), num(s.p95), f"{num(s.hdi90[0])} - {num(s.hdi90[1])}",
         num(s.mean), percent(s.max_relative_mcse)]
        for n, s in result.summary.items()
    ]
    key = [n for n in result.plan.model.key_outputs if n in figs]
    rest = [n for n in figs if n not in key]
    sections = [
        f"<h1>flopcast run: {html.escape(sc.name)}</h1><p>{html.escape(sc.description)}</p>",
        _html_table(["", ""], [[a, b.strip("`")] for a, b in _provenance_rows(result)], "ll"),
        "<h2>Credible intervals</h2><p>Equal-tailed 90% interval (p05-p95), 90% highest-density interval, "
        "and the largest Monte Carlo standard error of p05/p50/p95 relative to its value.</p>",
        _html_table(header, rows, "llrrrrrr"),
        "<h2>Headline outputs</h2><div class='figs'>" + "".join(img_tag(figs[n], n) for n in key) + "</div>",
        *extra_sections,
        "<h2>Other outputs</h2><div class='figs'>" + "".join(img_tag(figs[n], n) for n in rest) + "</div>",
        "<h2>Priors</h2>",
        _html_table(PRIOR_HEADER, priors_rows(result.plan), "llrrrll"),
    ]
    rationale = [(n, p.rationale) for n, p in sc.priors.items() if p.rationale]
    if rationale:
        sections.append("<h2>Why these widths</h2><ul>" + "".join(
            f"<li><b>{html.escape(n)}</b>: {html.escape(r)}</li>" for n, r in rationale) + "</ul>")
    return html_page(f"flopcast: {sc.name}", sections)
