"""Notebook rendering of results: one compact HTML table per result type (``_repr_html_``) and the
figures no other report module draws. Which function serves which type is registered in
``flopcast.report.registry``; nothing here picks by class name. Renders only: what a run's report
needs beyond the result (the published figures in its band) is computed by the result and passed in."""

from __future__ import annotations

import html

from flopcast.fmt import num, percent
from flopcast.priors.errors import InputError
from flopcast.report import plots
from flopcast.report.calibration import input_rows
from flopcast.report.figures import label, new_figure
from flopcast.report.lead import HEADLINE_HEADER, headline_rows, headline_sentences
from flopcast.report.run import distribution_figure
from flopcast.report.validate import CASE_HEADER, case_rows

e = html.escape


def _table(header: list[str], rows: list[list], caption: str = "") -> str:
    head = "".join(f"<th>{e(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    cap = f"<div>{caption}</div>" if caption else ""
    return f"<div>{cap}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _band(s) -> str:
    return f"{num(s.median)} [{num(s.p05)}, {num(s.p95)}]"


def run_html(result) -> str:
    sc = result.plan.scenario
    rows = [
        [
            n,
            s.unit,
            num(s.median),
            num(s.p05),
            num(s.p95),
            f"{num(s.hdi90[0])} - {num(s.hdi90[1])}",
            percent(s.max_relative_mcse),
        ]
        for n, s in result.summary.items()
    ]
    return _table(
        ["output", "unit", "median", "p05", "p95", "90% HDI", "max rel. MCSE"],
        rows,
        f"<b>{e(sc.name)}</b> [{e(result.plan.model.name)}]: {result.draws:,} draws, seed {result.seed}, "
        f"sampler {e(result.sampler)}",
    )


def run_figure(result, *args, headlines=None, output=None, **_):
    """The distribution of one output (``output``, or the first positional argument; default: the
    model's first key output), with the scenario's published figures marked."""
    name = args[0] if args else output or result.plan.model.key_outputs[0]
    if name not in result.outputs:
        raise InputError("output", f"unknown output {name!r}; outputs: {', '.join(result.outputs)}")

    return distribution_figure(result, name, headlines)


def point_html(result) -> str:
    rows = [[n, result.plan.unit(n), num(v)] for n, v in result.values.items()]
    return _table(["output", "unit", "value"], rows, f"<b>{e(result.plan.scenario.name)}</b> at point values")


def sensitivity_html(result) -> str:

    header, rows, _ = plots.table(result)  # Sobol indices, or Shapley effects and PAWN under dependence
    shares = "Sobol" if any(s.s1 is not None for s in result.inputs.values()) else "Shapley"
    return (
        _table(
            header,
            rows,
            f"<b>{e(result.scenario)}</b>: sensitivity of {e(result.output)} [{e(result.unit)}], "
            f"{shares}, N = {result.n}, seed {result.seed}",
        )
        + f"<div><small>{e(plots.table_legend(result))}</small></div>"
    )


def stress_html(result) -> str:
    return _table(
        ["finding"],
        [[s] for s in result.sentences],
        f"<b>{e(result.scenario)}</b>: {e(result.output)} vs {num(result.headline)} {e(result.unit)} "
        f"({result.draws:,} draws, seed {result.seed})",
    )


def audit_html(result) -> str:
    rows = [
        [
            ln.label,
            num(ln.published),
            num(ln.rederived),
            f"{ln.ratio:.3f}",
            "yes" if ln.consistent else "NO",
            f"{ln.percentile:.0f}",
        ]
        for ln in result.lines
    ]
    premises = "".join(f"<p>{e(s)}</p>" for s in result.premises)
    return (
        _table(
            ["headline", "published", "re-derived", "ratio", "consistent", "band percentile"],
            rows,
            f"<b>{e(result.scenario)}</b>: audit ({result.draws:,} draws, seed {result.seed})",
        )
        + premises
    )


def compare_html(result) -> str:
    rows = [
        [n, c.unit, _band(c.a), _band(c.b), _band(c.ratio), f"{c.p_b_greater:.3f}"] for n, c in result.outputs.items()
    ]
    return _table(
        ["output", "unit", "A", "B", "B/A", "P(B>A)"],
        rows,
        f"<b>{e(result.a)}</b> (A) vs <b>{e(result.b)}</b> (B): {result.draws:,} draws, seed {result.seed}",
    )


def waterfall_html(result) -> str:
    rows = [[b.label, num(b.value), b.factor_text(3)] for b in result.bars]
    return _table(["step", f"{result.output} [{result.unit}]", "factor"], rows, f"<b>{e(result.scenario)}</b>")


def compare_outputs_html(result) -> str:
    rows = [[x.label, f"{x.scenario}: {x.output}", x.unit, num(x.point), _band(x.summary)] for x in result.entries]
    return _table(
        ["entry", "scenario: output", "unit", "point", "median [p05, p95]"],
        rows,
        f"<b>{e(result.title)}</b>: {result.draws:,} draws per entry, seed {result.seed}",
    )


def calibration_html(result) -> str:

    d = result.diagnostics
    return _table(
        ["input", "unit", "prior median [p05 - p95]", "posterior median [p05 - p95]", "shift", "width ratio", "moved"],
        input_rows(result),
        f"<b>{e(result.scenario.name)}</b> calibrated on {len(result.evidence)} observations: "
        f"{result.chains} chains x {result.draws:,} draws, seed {result.seed}, max R-hat "
        f"{d.max_r_hat:.3f}, min bulk ESS {d.min_ess_bulk:,.0f}",
    )


def validation_html(result) -> str:

    return _table(
        CASE_HEADER,
        case_rows(result),
        f"<b>{e(result.scenario)}</b> on {len(result.cases)} cases (bands from the {e(result.mode)}): "
        f"coverage 50% band {result.coverage50:.2f}, 90% band {result.coverage90:.2f}, median "
        f"|log(median/measured)| {result.median_abs_log_error:.3f}",
    )


def headlines_html(result) -> str:

    return _table(
        HEADLINE_HEADER,
        headline_rows(result),
        f"<b>{e(result.scenario)}</b>: published figures in a band of {result.draws:,} draws",
    )


def headlines_lines(result) -> list[str]:

    return headline_sentences(result) or [f"{result.scenario}: no published figures"]


def headlines_figure(result):
    """Each published figure (and what the source's own assumptions give) at its percentile of the band."""

    items = result.items
    fig = new_figure(7.0, 0.45 * max(len(items), 1) + 1.4)
    ax = fig.add_subplot()
    for i, h in enumerate(items):
        for pct, marker, color in ((h.published_percentile, "o", "C3"), (h.rederived_percentile, "s", "C0")):
            if pct is not None:
                ax.plot([pct], [i], marker, color=color)
    ax.plot([], [], "o", color="C3", label="published")
    ax.plot([], [], "s", color="C0", label="the source's assumptions give")
    ax.set_yticks(range(len(items)), [label(h.label) for h in items], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("percentile of the run's band [%]")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(label(f"{result.scenario}: published figures in the band"), fontsize=10)
    return fig


def hardware_html(result) -> str:
    rows = [
        [
            a.name,
            a.vendor,
            num(a.dense_bf16_flops / 1e12) if a.dense_bf16_flops else "-",
            num(a.memory_gb) if a.memory_gb else "-",
            num(a.power_w) if a.power_w else "-",
        ]
        for a in result.accelerators
    ]
    return _table(
        ["accelerator", "vendor", "dense BF16 [TFLOP/s]", "memory [GB]", "power [W]"],
        rows,
        f"accelerator library: {len(rows)} accelerators (dense peaks)",
    )


def hardware_figure(result):
    """Dense BF16 peak of every accelerator that publishes one."""

    known = [a for a in result.accelerators if a.dense_bf16_flops]
    fig = new_figure(7.0, 0.35 * max(len(known), 1) + 1.2)
    ax = fig.add_subplot()
    ax.barh(range(len(known)), [a.dense_bf16_flops / 1e12 for a in known], color="C0")
    ax.set_yticks(range(len(known)), [label(a.name) for a in known], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("dense BF16 peak [TFLOP/s]")
    ax.set_title("Accelerator library", fontsize=10)
    return fig
