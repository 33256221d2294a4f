"""What a run report leads with: the executive summary, the published figures against the band,
and how to open the samples. Renders a ``RunResult`` and the ``Headlines`` computed for it
(``flopcast.analyze.headlines``); computes nothing but text.

Every number in the summary links to the table row it comes from (``#out-<output>`` in the credible
intervals, ``#headline-<i>`` in the published figures) and carries its full value in
``data-value`` so a test can check it against summary.json.
"""

from __future__ import annotations

import html
import textwrap

from flopcast.fmt import command, num, ordinal
from flopcast.priors.scenario import SCENARIO_DIR
from flopcast.report.style import eng

TOLERANCE = 0.05  # a re-derived value within 5% of the published one "follows"


def lead_headline(headlines, key_outputs):
    """The published figure the summary leads with: the source's last unconditional figure about
    a key output (a source states its conclusion last), else its last figure."""
    if headlines is None or not headlines.items:
        return None
    keyed = [h for h in headlines.items if h.output in key_outputs and not h.set]
    return (keyed or list(headlines.items))[-1]


def _link(value: float, anchor: str, md: bool, text: str | None = None) -> str:
    text = text or eng(value)
    if md:
        return f"[{text}](#{anchor})"
    return f"<a href='#{anchor}' data-value='{value!r}'>{html.escape(text)}</a>"


def _num_pct(value: float | None, digits: int) -> str:
    """A percentile; for an output no uncertain input moves, "fixed" (the terminal table: "-")."""
    if value is None:
        return "fixed" if digits else "-"
    return f"{value:.{digits}f}"


def _pct(value: float, anchor: str, md: bool) -> str:
    return _link(value, anchor, md, f"{ordinal(value)} percentile")


def scenario_ref(result) -> str:
    """How a command names the run's scenario: a bundled one by name, any other by its path."""
    sc = result.plan.scenario
    return sc.name if sc.path is None or sc.path.resolve().parent == SCENARIO_DIR else str(sc.path)


def override_args(scenario) -> list[str]:
    """``--set NAME=VALUE`` for every override the scenario ran under (an accelerator's included)."""
    return [w for s in scenario.overrides for w in ("--set", s)]


def summary_sentences(result, headlines, commands: list[str], md: bool = False) -> list[str]:
    """A few plain sentences built from the results, each number linked to its table row."""
    plan = result.plan
    e = (lambda t: t) if md else html.escape
    code = (lambda t: f"`{t}`") if md else (lambda t: f"<code>{html.escape(t)}</code>")
    lead = lead_headline(headlines, plan.model.key_outputs)
    outputs = [lead.output] if lead else [n for n in plan.model.key_outputs if n in result.summary][:2]
    out = []
    for name in outputs:
        s = result.summary[name]
        spec = plan.model.outputs[name]
        a = f"out-{name}"
        out.append(
            f"{e(spec.description[:1].upper() + spec.description[1:])} ({code(name)}, {e(s.unit)}): "
            f"median {_link(s.median, a, md)}, 90% band {_link(s.p05, a, md)} to {_link(s.p95, a, md)} "
            f"over {result.draws:,} draws."
        )
    if lead is not None:
        i = headlines.items.index(lead)
        a = f"headline-{i}"
        out.append(
            f"The source's published {e(lead.label)}, {_link(lead.published, a, md)}, is about the "
            f"{_pct(lead.published_percentile, a, md)} of that band; the source's own stated assumptions "
            f"give {_link(lead.rederived, a, md)} ({_pct(lead.rederived_percentile, a, md)})."
        )
        off = [h for h in headlines.items if abs(h.ratio - 1) > TOLERANCE]
        n = len(headlines.items)
        if off:
            names = ", ".join(e(h.label) for h in off)
            out.append(
                f"{n - len(off)} of {n} published figures follow from the source's assumptions within "
                f"{TOLERANCE:.0%}; these do not: {names} (see {_anchor_text('published figures', 'headlines', md)})."
            )
        else:
            out.append(f"All {n} published figures follow from the source's assumptions within {TOLERANCE:.0%}.")
        if any(h.set for h in headlines.items):
            out.append(
                "Figures the source states under other assumptions (a set, such as "
                f"{e(next(h.set_text for h in headlines.items if h.set))}) are placed in the band with "
                "those inputs fixed as stated (the same draws), as flopcast audit places them."
            )
        sets = override_args(plan.scenario)  # --gpu and every --set of the run
        stress = command(
            "flopcast",
            "stress",
            scenario_ref(result),
            "--output",
            lead.output,
            "--headline",
            f"{lead.published:g}",
            *sets,
        )
        out.append(f"What one would have to believe for {eng(lead.published)} to hold: {code(stress)}.")
    out += premise_sentences(headlines, lead.output if lead else (outputs[0] if outputs else None), e, code)
    if commands:
        mine = [c for c in commands if lead is not None and f" --output {lead.output} " in c]
        out.append(
            f"Which assumption drives most of the variance is not computed by a run: "
            f"{code((mine or commands)[0])} (one command per key output under "
            f"{_anchor_text('Sensitivity', 'sensitivity', md)})."
        )
    return out


def premise_sentences(headlines, output: str | None, e=html.escape, code=html.escape) -> list[str]:
    """The FLOP-convention premise (an input counted as MACs where the equations expect FLOPs, ...)
    and what converting it does to ``output`` at the source's points; or the conversion this run made."""
    if headlines is None:
        return []
    if headlines.converted:
        done = ", ".join(f"{m.input} x{m.factor:g} ({m.published} -> {m.expects})" for m in headlines.converted)
        return [e(f"FLOP convention: corrected. Converted to the equations' convention: {done}.")]
    out = []
    for f in headlines.premises:
        m = f.mismatch
        moved = f" (alone it moves {output} x{f.moves[output]:.3g})" if output in f.moves else ""
        out.append(
            e(
                f"Premise: {m.input} = {eng(f.value)} {m.unit} is counted as {m.published} ({m.source}); "
                f"the model's equations expect {m.expects}, in which it is {eng(f.corrected)} "
                f"(x{m.factor:g}){moved}."
            )
        )
    if out:
        ref = headlines.scenario
        out.append(
            f"The band with every such figure converted: {code(command('flopcast', 'audit', ref))} (premises) "
            f"or {code(command('flopcast', 'run', ref, '--flop-convention', 'corrected'))}."
        )
    return out


def _anchor_text(text: str, anchor: str, md: bool) -> str:
    return f"[{text}](#{anchor})" if md else f"<a href='#{anchor}'>{html.escape(text)}</a>"


HEADLINE_HEADER = [
    "published figure",
    "output",
    "unit",
    "published",
    "percentile in band",
    "source's assumptions give",
    "percentile in band",
    "published / re-derived",
    "assumed",
]


def headline_rows(headlines) -> list[list[str]]:
    rows = []
    for h in headlines.items:
        assumed = h.set_text if h.set else "the scenario's points"
        rows.append(
            [
                h.label,
                h.output,
                h.unit,
                num(h.published),
                _num_pct(h.published_percentile, 1),
                num(h.rederived),
                _num_pct(h.rederived_percentile, 1),
                f"{h.ratio:.3f}",
                assumed,
            ]
        )
    return rows


def headline_sentence(h) -> str:
    """One sentence: where a published figure sits and what the source's own assumptions give, e.g.
    "peak fleet: 720k H100s is the 14th percentile of a 90% band 392k-13.9M; the source's own
    assumptions give 990k (22nd), not 720k"."""
    unit = f" {h.unit}" if h.unit else ""
    under = " with " + ", ".join(f"{k}={eng(v)}" for k, v in h.set.items()) if h.set else ""
    off = abs(h.ratio - 1) > TOLERANCE
    if h.published_percentile is None or h.band is None:
        gives = f"the source's own assumptions give {eng(h.rederived)}" + (f", not {eng(h.published)}" if off else "")
        return f"{h.label}: {eng(h.published)}{unit}; the output is fixed{under} (no band): {gives}."
    lo, hi = h.band
    pct = _pct_text(h.published_percentile)
    gives = f"the source's own assumptions give {eng(h.rederived)}"
    if off:
        gives += f" ({_pct_text(h.rederived_percentile)}), not {eng(h.published)}"
    return f"{h.label}: {eng(h.published)}{unit} is the {pct} of a 90% band {eng(lo)}-{eng(hi)}{under}; {gives}."


def _pct_text(q: float | None) -> str:
    """``14th percentile``; at the ends, ``below the 1st`` / ``above the 99th percentile``."""
    if q is None:
        return "fixed"
    if q < 0.5:
        return "bottom (below every draw)" if q == 0 else "below the 1st percentile"
    if q > 99.5:
        return "top (above every draw)" if q == 100 else "above the 99th percentile"
    return f"{ordinal(q)} percentile"


def headline_sentences(headlines, key_outputs=(), width: int = 100, max_lines: int = 23) -> list[str]:
    """Terminal lines: one sentence per published figure, wrapped to ``width`` columns, within
    ``max_lines`` (a first screen of 24 lines holds them with the run's first line): the lead headline
    (``lead_headline``: the source's conclusion, the one the report's summary leads with) first, then the
    figures the source's own assumptions do not give, then the rest; what does not fit is counted and
    pointed to."""

    if headlines is None or not headlines.items:
        return []
    lead = lead_headline(headlines, key_outputs)
    rest = [h for h in headlines.items if h is not lead]
    order = (
        [lead] + [h for h in rest if abs(h.ratio - 1) > TOLERANCE] + [h for h in rest if abs(h.ratio - 1) <= TOLERANCE]
    )
    out = ["Published figures in this run's bands:"]
    for i, h in enumerate(order):
        lines = textwrap.wrap(
            headline_sentence(h), width, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False
        )
        left = len(order) - i
        if len(out) + len(lines) + (1 if left > 1 else 0) > max_lines:
            out.append(
                f"- and {left} more: summary.md and report.html list every published figure "
                f"(or flopcast audit {headlines.scenario})"
            )
            break
        out += lines
    return out


SAMPLES_HOWTO = (
    'samples.nc is an ArviZ InferenceData file: the draws are in its group "prior" (plain '
    'xarray.open_dataset(path) shows only the empty root group) and fixed inputs in "constant_data".'
)
SAMPLES_CODE = (
    'import xarray as xr\nds = xr.open_dataset("samples.nc", group="prior")  # dims chain, draw\n'
    'import arviz as az\nidata = az.from_netcdf("samples.nc")  # idata.prior, idata.constant_data\n'
    'import flopcast as fc\nds = fc.load_samples("samples.nc")  # flat Dataset, dim draw'
)
