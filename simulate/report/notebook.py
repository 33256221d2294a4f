"""Notebook rendering of results: a compact HTML table (``_repr_html_``), a Figure (``plot``) and
the folder the CLI writes (``save``), chosen by the result's type. Renders only: what a run's report
needs beyond the result (the published figures in its band) is computed by the result and passed in."""

from __future__ import annotations

import html

from flopcast.fmt import num, percent


def _table(header: list[str], rows: list[list], caption: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    cap = f"<div>{caption}</div>" if caption else ""
    return f"<div>{cap}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _band(s) -> str:
    return f"{num(s.median)} [{num(s.p05)}, {num(s.p95)}]"


def render_html(result) -> str:
    kind = type(result).__name__
    e = html.escape
    if kind == "RunResult":
        sc = result.plan.scenario
        rows = [[n, s.unit, num(s.median), num(s.p05), num(s.p95), f"{num(s.hdi90[0])} - {num(s.hdi90[1])}",
                 percent(s.max_relative_mcse)] for n, s in result.summary.items()]
        return _table(["output", "unit", "median", "p05", "p95", "90% HDI", "max rel. MCSE"], rows,
                      f"<b>{e(sc.name)}</b> [{e(result.plan.model.name)}]: {result.draws:,} draws, seed {result.seed}, "
                      f"sampler {e(result.sampler)}")
    if kind == "PointResult":
        rows = [[n, result.plan.unit(n), num(v)] for n, v in result.values.items()]
        return _table(["output", "unit", "value"], rows, f"<b>{e(result.plan.scenario.name)}</b> at point values")
    if kind == "Sensitivity":
        from flopcast.report import plots

        return _table(plots.HEADER, plots.table_rows(result),
                      f"<b>{e(result.scenario)}</b>: sensitivity of {e(result.output)} [{e(result.unit)}], "
                      f"Sobol N = {result.n}, seed {result.seed}")
    if kind == "Stress":
        return _table(["finding"], [[s] for s in result.sentences],
                      f"<b>{e(result.scenario)}</b>: {e(result.output)} vs {num(result.headline)} {e(result.unit)} "
                      f"({result.draws:,} draws, seed {result.seed})")
    if kind == "Audit":
        rows = [[ln.label, num(ln.published), num(ln.rederived), f"{ln.ratio:.3f}", "yes" if ln.consistent else "NO",
                 f"{ln.percentile:.0f}"] for ln in result.lines]
        premises = "".join(f"<p>{e(s)}</p>" for s in result.premises)
        return _table(["headline", "published", "re-derived", "ratio", "consistent", "band percentile"], rows,
                      f"<b>{e(result.scenario)}</b>: audit ({result.draws:,} draws, seed {result.seed})") + premises
    if kind == "Comparison":
        rows = [[n, c.unit, _band(c.a), _band(c.b), _band(c.ratio), f"{c.p_b_greater:.3f}"]
                for n, c in result.outputs.items()]
        return _table(["output", "unit", "A", "B", "B/A", "P(B>A)"], rows,
                      f"<b>{e(result.a)}</b> (A) vs <b>{e(result.b)}</b> (B): {result.draws:,} draws, seed {result.seed}")
    if kind == "Waterfall":
        rows = [[b.label, num(b.value), b.factor_text(3)] for b in result.bars]
        return _table(["step", f"{result.output} [{result.unit}]", "factor"], rows, f"<b>{e(result.scenario)}</b>")
    if kind == "ValueOfInformation":
        from flopcast.report.voi import render_html as voi_html

        return voi_html(result)
    return f"<pre>{e(repr(result))}</pre>"


def figure(result, *args, headlines=None, **kwargs):
    """The result's main figure as a matplotlib Figure."""
    from flopcast.report import figures, plots

    kind = type(result).__name__
    if kind == "RunResult":
        name = args[0] if args else kwargs.get("output") or result.plan.model.key_outputs[0]
        if name not in result.outputs:
            from flopcast.priors.errors import InputError

            raise InputError("output", f"unknown output {name!r}; outputs: {', '.join(result.outputs)}")
        from flopcast.report.run import distribution_figure

        return distribution_figure(result, name, headlines)
    if kind == "Sensitivity":
        return plots.tornado_figure(result)
    if kind == "Stress":
        return plots.exceedance_figure(result)
    if kind == "Waterfall":
        return plots.waterfall_figure(result.output, result.unit, result.bars)
    if kind == "Comparison":
        from flopcast.report.analyses import compare_figure

        return compare_figure(result)
    if kind == "ValueOfInformation":
        from flopcast.report.voi import figure as voi_figure

        return voi_figure(result)
    return figures.message_figure(f"no figure for a {kind}")


def write(result, stage, report: bool = True, headlines=None, figure_format: str = "svg") -> None:
    """Write the folder the matching CLI command writes (``figure_format``: a run's figure files,
    svg or png)."""
    from flopcast.priors.errors import InputError
    from flopcast.report import analyses, figures, run

    if figure_format not in figures.FORMATS:
        raise InputError("figure_format", f"unknown format {figure_format!r}; one of {', '.join(figures.FORMATS)}")

    kind = type(result).__name__
    writers = {"Sensitivity": analyses.write_sensitivity, "Stress": analyses.write_stress,
               "Audit": analyses.write_audit, "Comparison": analyses.write_compare,
               "Waterfall": analyses.write_waterfall}
    if kind == "RunResult":  # the published figures are placed by the result (results.py), as the CLI does
        run.write_run(result, stage, report=report, headlines=headlines, figure_format=figure_format)
    elif kind == "PointResult":
        run.write_point(result, stage, report=report)
    elif kind == "ValueOfInformation":
        from flopcast.report.voi import write_voi

        write_voi(result, stage)
    elif kind in writers:
        writers[kind](result, stage)
    else:
        raise TypeError(f"no writer for a {kind}")
