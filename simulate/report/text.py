"""Terminal text of each result: tables that fit a terminal, one verdict per line."""

from __future__ import annotations

import math
import textwrap
import unicodedata

from flopcast.fmt import num, ordinal, safe, table  # noqa: F401  (safe: control and bidi characters as ?)
from flopcast.report import plots
from flopcast.report.calibration import _band_text, figure_outputs
from flopcast.report.lead import headline_sentences
from flopcast.report.style import eng


def run_lines(result, rounds=None, tol: float | None = None, headlines=None) -> list[str]:

    sc, plan = result.plan.scenario, result.plan
    lines = [
        f"{safe(sc.name)} [{plan.model.name}]  draws={result.draws:,}  seed={result.seed}  sampler={result.sampler}"
    ]
    if rounds is not None:
        lines.append("draws auto: " + ", ".join(f"{n:,} draws -> max rel. MCSE {100 * w:.2f}%" for n, w in rounds))
    if sc.overrides:
        lines.append("overrides: " + "; ".join(safe(o) for o in sc.overrides))
    if plan.converted:
        lines += wrap(
            "convention: corrected ("
            + ", ".join(f"{m.input} x{m.factor:g}: {m.published} -> {m.expects}" for m in plan.converted)
            + ")",
            "",
        )
    sentences = headline_sentences(
        headlines, plan.model.key_outputs
    )  # the answer first: one sentence per published figure
    if sentences:
        lines += sentences + [""]
    lines.append(summary_text(result, headlines.log_hdi90 if headlines is not None else None))
    if headlines is not None and headlines.premises:
        lines += wrap(
            "premises: FLOP figures counted otherwise than the equations expect (flopcast audit; "
            "--flop-convention corrected converts them):",
            "",
        )
        lines += [clip(safe("  " + f.short())) for f in headlines.premises]
    if result.draws < 2:
        lines.append(
            "note: one draw gives no Monte Carlo error (MCSE undefined, null in --json); "
            "use --draws 2 or more for a band"
        )
        return lines
    worst = max(result.summary.items(), key=lambda kv: kv[1].max_relative_mcse)
    if worst[1].max_relative_mcse > 0.01:
        lines.append(
            f"note: Monte Carlo error of {worst[0]}'s quantiles is {100 * worst[1].max_relative_mcse:.1f}% "
            f"of their value;\n      use more --draws for tighter figures"
        )
    return lines


def point_lines(point) -> list[str]:
    plan = point.plan
    lines = [f"{safe(plan.scenario.name)} [{plan.model.name}] at the priors' point values (no sampling)"]
    if plan.scenario.overrides:
        lines.append("overrides: " + "; ".join(safe(o) for o in plan.scenario.overrides))
    lines.append(table(["output", "unit", "value"], point_rows(point), "llr"))
    return lines


def point_rows(point) -> list[list[str]]:
    return [[n, point.plan.unit(n), num(v)] for n, v in point.values.items()]


def sensitivity_lines(sens) -> list[str]:

    header, rows, align = plots.table(sens)
    what = f"log({sens.output})" if sens.log else sens.output
    items = list(sens.inputs.values())
    kind = (
        "Sobol indices"
        if any(s.s1 is not None for s in items)
        else "Shapley effects"
        if any(s.shapley is not None for s in items)
        else "no variance shares"
    )
    return [
        *wrap(
            f"{sens.scenario}: sensitivity of {sens.output} [{sens.unit}]; baseline {num(sens.baseline)} "
            f"(inputs at medians); {kind} of {what}, N={sens.n}, seed={sens.seed}",
            "",
        ),
        table(header, rows, align),
        *wrap(plots.table_legend(sens), ""),
    ]


WIDTH = 100  # terminal text fits this many columns


def wrap(text: str, indent: str = "  ", width: int = WIDTH) -> list[str]:

    return textwrap.wrap(safe(text), width, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def columns(text: str) -> int:
    """Terminal columns ``text`` takes (East Asian wide characters take two)."""

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, width: int = WIDTH) -> str:
    """``text`` cut to ``width`` terminal columns, with ... when cut."""
    if columns(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        used += columns(c)
        if used > width - 3:
            break
        out.append(c)
    return "".join(out) + "..."


def stress_lines(st) -> list[str]:
    """The headline's place in the band, then one small table: each input's median among the draws
    that reach the headline (and its percentile in the prior), and the goal-seek value that alone
    moves the median to the headline."""

    lines = [
        f"{safe(st.scenario)}: stress test of {st.output} against {num(st.headline)} {st.unit} "
        f"({st.draws:,} draws, seed {st.seed})",
        *wrap(st.sentences[0]),
    ]
    if st.tail_draws < 30:
        lines += wrap(st.sentences[1])
    rows = []
    for name in dict.fromkeys([*st.conditional, *st.goal_seek]):
        c = st.conditional.get(name)
        g = st.goal_seek.get(name)
        rows.append(
            [
                name,
                eng(c.prior_median) if c else "",
                eng(c.conditional_median) if c else "",
                f"{c.prior_percentile_of_conditional_median:.0f}" if c else "",
                eng(g) if g is not None else "unreachable",
                c.unit if c else "",
            ]
        )
    lines += [
        *wrap(
            f"inputs: median in the prior; median among the draws {st.direction} the headline (pct: its "
            "percentile in the prior); goal seek: the value that alone moves the median to the headline "
            "(unreachable: not within the prior's 0.1-99.9% range)",
            "",
        ),
        table(["input", "prior median", f"median if {st.direction}", "pct", "goal seek", "unit"], rows, "lrrrrl"),
    ]
    return lines


def audit_lines(au) -> list[str]:
    """One verdict line per published figure; quotes, notes and single-input fixes are in the report."""

    lines = [
        f"{safe(au.scenario)}: audit of {len(au.lines)} published figures ({au.draws:,} draws, seed {au.seed})",
        "verdict output: published vs re-derived from the source's assumptions (ratio), percentile in band",
    ]
    for ln in au.lines:
        verdict = "ok " if ln.consistent else "OFF"
        cond = " [" + ",".join(f"{k}={v:g}" for k, v in ln.set.items()) + "]" if ln.set else ""
        line = (
            f"{verdict} {ln.output}: {eng(ln.published)} vs {eng(ln.rederived)} (x{ln.ratio:.2f}), "
            f"{ordinal(ln.percentile)} pct{cond}"
        )
        lines.append(clip(safe(line)))
    off = sum(not ln.consistent for ln in au.lines)
    if off:
        lines.append(f"{off} figure(s) OFF: what single change would make each follow is in audit.md / report.html")
    if au.convention:
        lines += wrap(
            "convention: corrected ("
            + ", ".join(f"{c['input']} x{c['factor']:g}" for c in au.convention["converted"])
            + ")",
            "",
        )
    return lines + convention_lines(au.conventions)


def convention_lines(check) -> list[str]:
    """The FLOP-convention premises of an audit: one line per input, then how each moved output's
    median changes when they are converted (the full sentences are in audit.md / report.html)."""

    if check is None:
        return []
    lines = ["premises: FLOP figures counted otherwise than the equations expect"]
    lines += [clip(safe("  " + f.short())) for f in check.findings]
    where = f"{check.draws:,} draws, seed {check.seed}" if check.draws else "point values"
    lines.append(f"converted (--flop-convention corrected; {where}): median as published -> corrected")
    for mv in check.moved:
        a, b = (mv.median, mv.median_corrected) if mv.median is not None else (mv.point, mv.point_corrected)
        band = f", 90% band {eng(mv.p05_corrected)} to {eng(mv.p95_corrected)}" if mv.p05_corrected is not None else ""
        lines += wrap(f"{mv.output}: {eng(a)} -> {eng(b)} {mv.unit} (x{mv.ratio:.3g}{band})")  # wrapped, not cut
    if check.unmoved:
        lines += wrap(f"unchanged: {', '.join(check.unmoved)}")
    return lines


def _wrap(text: str, width: int = 100) -> str:

    return textwrap.fill(safe(text), width, break_on_hyphens=False)


def compare_lines(cmp) -> list[str]:

    header = ["output", "unit", "A median", "B median", "B/A median", "B/A p05", "B/A p95", "P(B>A)"]
    rows = [
        [
            n,
            c.unit,
            eng(c.a.median, 4),
            eng(c.b.median, 4),
            num(c.ratio.median),
            num(c.ratio.p05),
            num(c.ratio.p95),
            f"{c.p_b_greater:.3f}",
        ]
        for n, c in cmp.outputs.items()
    ]
    text = table(header, rows, "llrrrrrr")
    units = []
    if max(columns(line) for line in text.splitlines()) > WIDTH:  # long units: listed under the table
        text = table(
            [h for i, h in enumerate(header) if i != 1],
            [[v for i, v in enumerate(r) if i != 1] for r in rows],
            "lrrrrrr",
        )
        units = wrap("units: " + "; ".join(f"{r[0]} [{r[1]}]" for r in rows), "")
    return (
        [_wrap(f"{cmp.a} (A) vs {cmp.b} (B): {cmp.draws:,} draws, seed {cmp.seed}, common random numbers"), text]
        + units
        + ([_wrap(cmp.unmatched_note())] if cmp.unmatched_note() else [])
    )


def compare_outputs_lines(title: str, entries, draws: int, seed: int) -> list[str]:
    return [
        f"{safe(title)} ({draws:,} draws per entry, seed {seed})",
        table(
            ["entry", "unit", "point", "median", "p05", "p95"],
            [
                [safe(e.label), e.unit, num(e.point), num(e.summary.median), num(e.summary.p05), num(e.summary.p95)]
                for e in entries
            ],
            "llrrrr",
        ),
    ]


def waterfall_lines(wf) -> list[str]:
    return [
        table(
            ["step", f"{wf.output} [{wf.unit}]", "factor"],
            [[safe(b.label), num(b.value), b.factor_text(3)] for b in wf.bars],
            "lrr",
        )
    ]


def calibration_lines(cal) -> list[str]:

    d = cal.diagnostics
    lines = [
        f"{safe(cal.scenario.name)} calibrated on {safe(cal.evidence.file)} ({len(cal.evidence)} observations): NUTS "
        f"{cal.chains} chains x {cal.draws} draws ({cal.tune} tuning), seed {cal.seed}, {cal.seconds:.1f} s",
        f"convergence: max r_hat {d.max_r_hat:.3f} (<= {d.rhat_limit}), min ESS bulk {d.min_ess_bulk:.0f} / tail "
        f"{d.min_ess_tail:.0f} (>= {d.ess_limit:.0f}), {d.divergences} divergences",
        *([_discrepancy_text(cal)] if cal.discrepancy is not None else []),
        "",
        "inputs, median [p05 - p95]:",
        table(
            ["input", "unit", "prior", "posterior", "90% width"],
            [
                [n, s.unit, _band_text(s.prior), _band_text(s.posterior), f"x{s.width_ratio:.2f}"]
                for n, s in cal.inputs.items()
            ],
            "llllr",
        ),
        "",
        "measurements vs the model under each observation's set:",
        table(
            ["observation", "output", "measured", "prior", "posterior"],
            [
                [
                    safe(f.observation.name),
                    f.observation.output,
                    f"{f.observation.value:.4g}",
                    _band_text(f.prior),
                    _band_text(f.posterior),
                ]
                for f in cal.fits
            ],
            "llrll",
        ),
        "",
        f"outputs ({cal.posterior_run.draws:,} draws each), median [p05 - p95]:",
        table(
            ["output", "unit", "prior", "posterior"],
            [
                [n, cal.outputs[n].unit, _band_text(cal.outputs[n].prior), _band_text(cal.outputs[n].posterior)]
                for n in figure_outputs(cal)
            ],
            "llll",
        ),
    ]
    return lines


def _discrepancy_text(cal) -> str:
    b = cal.discrepancy_band
    return (
        f"model discrepancy (log-scale sd, prior HalfNormal({cal.discrepancy:g})): median {b.median:.3g} "
        f"[{b.p05:.3g} - {b.p95:.3g}]"
    )


def stress_sentences(st) -> list[str]:
    """What a stress test found, in words: P(>= headline) with its MCSE and the headline's percentile
    (or the importance-sampling estimate, or an upper bound), what one had to believe (each input's
    median among the draws that reach the headline) and the goal-seek values. ``Stress.sentences``
    and its JSON ``summary``; the analysis itself holds only the numbers."""

    unit, h = st.unit, num(st.headline)
    est, n, tail = st.tail, st.draws, st.tail_draws
    if est is None:
        mcse_text = (
            f"MCSE {st.p_exceed_mcse:.2g}" if math.isfinite(st.p_exceed_mcse) else "MCSE undefined with one draw"
        )
        failed = f"; importance sampling toward the tail was not possible ({st.tail_failed})" if st.tail_failed else ""
        out = [
            f"{st.output} >= {h} {unit}: P = {st.p_exceed:.3g} ({mcse_text}); the headline sits at the "
            f"{ordinal(st.percentile)} percentile of the band (median {num(st.median)})" + failed + "."
        ]
    else:
        upper = st.p_upper_95
        one_in = "" if upper is not None or est.p <= 0 else f"{float(f'{1.0 / est.p:.2g}'):,.0f}"
        out = [
            tail_sentence(est, unit, tail, n, upper)
            + (f"; about 1 draw in {one_in} reaches it (median of the band {num(st.median)})." if one_in else "")
        ]
    if tail < 30:
        out.append(
            f"only {tail} of {n} draws reach {st.direction} {h}; "
            + (
                "what one must believe is read from the importance-sampling draws that reach it, weighted"
                if est is not None and est.conditional_medians
                else "too few to say what one must believe (use more --draws)"
            )
        )
    for name, c in st.conditional.items():
        if c is None:
            continue
        out.append(
            f"for {st.direction} {h}, {name} had to be at its prior's "
            f"{ordinal(c.prior_percentile_of_conditional_median)} "
            f"percentile (median {num(c.conditional_median)} vs {num(c.prior_median)} {c.unit})"
        )
    for name, v in st.goal_seek.items():
        if v is None:
            out.append(
                f"goal seek: {name} alone cannot move the median to {h}: "
                f"not reachable within the prior's 0.1-99.9% range"
            )
        else:
            e = st.goal_seek_mcse.get(name)
            err = (
                f" (MCSE {num(e, 2)}, {st.goal_seek_draws:,} draws)"
                if e is not None
                else f" (MCSE unknown: no slope, {st.goal_seek_draws:,} draws)"
            )
            out.append(
                f"goal seek: {name} = {num(v)} {st.input_units.get(name, '')}{err} alone moves the median to {h}"
            )
    return out


def tail_sentence(est, unit: str, mc_tail: int, mc_draws: int, upper: float | None) -> str:
    """ "P(>= X) = 3.1e-06 ± 4e-07 (importance sampling, 20,000 draws, ESS 6,100)", or the honest
    upper bound when even importance sampling saw no draw there."""
    what = f"{est.output} {est.direction} {num(est.headline)} {unit}"
    if upper is not None:
        return (
            f"{what}: no draw reached it, neither {mc_draws:,} plain Monte Carlo draws nor {est.draws:,} "
            f"importance-sampling draws shifted toward it over {len(est.levels)} cross-entropy levels (the most "
            f"extreme value reached: {num(est.extreme)}); P({est.direction} {num(est.headline)}) < {upper:.2g} "
            f"(95% upper bound from the plain draws), and it may be unreachable"
        )
    ess = float(f"{est.ess:.2g}")
    return (
        f"{what}: P({est.direction} {num(est.headline)}) = {est.p:.2g} ± {est.mcse:.1g} (importance sampling, "
        f"{est.draws:,} draws, ESS {ess:,.0f}; plain Monte Carlo saw {mc_tail} of {mc_draws:,} draws there)"
    )


def finding_sentence(f) -> str:
    """One FLOP-convention premise (``analyze.conventions.Finding``) in words."""
    m = f.mismatch
    alone = ", ".join(f"{k} x{r:.3g}" for k, r in f.moves.items())
    return (
        f"premise: {m.input} = {num(f.value)} {m.unit} is counted as {m.published} ({m.source}); "
        f"the equations expect {m.expects}: x{m.factor:g} ({'; '.join(s.why for s in m.steps)}) gives "
        f"{num(f.corrected)} {m.unit}" + (f"; alone it moves {alone}" if alone else "")
    )


def convention_sentences(check) -> list[str]:
    """A FLOP-convention check (``analyze.conventions.ConventionCheck``) in words: each premise, what
    converting every figure moves, and what it leaves."""
    out = [finding_sentence(f) for f in check.findings]
    if check.moved:
        where = f"{check.draws:,} draws, seed {check.seed}" if check.draws else "point values"
        parts = []
        for mv in check.moved:
            if mv.median is None:
                parts.append(f"{mv.output} {num(mv.point)} -> {num(mv.point_corrected)} {mv.unit} (x{mv.ratio:.3g})")
            else:
                parts.append(
                    f"{mv.output} median {num(mv.median)} -> {num(mv.median_corrected)} {mv.unit} "
                    f"(x{mv.ratio:.3g}; 90% band {num(mv.p05_corrected)} to {num(mv.p95_corrected)}; "
                    f"at the source's points {num(mv.point)} -> {num(mv.point_corrected)})"
                )
        out.append(f"with every figure converted (flop_convention = corrected; {where}): " + "; ".join(parts))
    if check.unmoved:
        out.append(f"unchanged by the conversion: {', '.join(check.unmoved)}")
    return out


def audit_sentences(lines) -> list[str]:
    """Each audited headline (``analyze.audit.AuditLine``) in words: published vs re-derived, where it
    sits in the band and, when it does not follow, what single change would make it follow."""

    out = []
    for ln in lines:
        verdict = "consistent" if ln.consistent else "NOT CONSISTENT"
        where = (
            f"in the band: {ordinal(ln.percentile)} percentile, P(>= published) = {ln.p_exceed:.3g}"
            if not ln.band_fixed
            else "no uncertain input moves it here, so it has no band to sit in"
        )
        given = f" (with {', '.join(f'{k} = {num(v)}' for k, v in ln.set.items())})" if ln.set else ""
        out.append(
            f"{ln.label}: published {num(ln.published)} vs re-derived {num(ln.rederived)} {ln.unit}{given} "
            f"(ratio {ln.ratio:.3f}, {verdict}); {where}"
        )
        if ln.consistent:
            continue
        if ln.inherited_from:
            out.append(f"  inherited: upstream {ln.inherited_from} is off by the same ratio; the slip happened there")
        if ln.note:
            out.append(f"  note: {ln.note}")
        if ln.fixes and all(f.breaks for f in ln.fixes):
            out.append(
                "  every single-input change that gives this figure breaks another published figure: "
                "the published figures contradict each other"
            )
        for f in ln.fixes:
            then = ", ".join(f"{k} {num(a)} -> {num(b)}" for k, (a, b) in f.side_effects.items())
            alt = f" (or {', '.join(f.alternatives)} by the same factor)" if f.alternatives else ""
            broken = f"; breaks {', '.join(f.breaks)}" if f.breaks else ""
            out.append(
                f"  for {num(ln.published)} to follow: {f.input} {num(f.point)} -> {num(f.needed)} {f.unit}{alt}"
                f"{'; then ' + then if then else ''}{broken}"
            )
    return out


def audit_wording(au) -> dict:
    """``Audit.wording``: its sentences, its premises and each premise finding's sentence."""
    check = au.conventions
    return {
        "summary": audit_sentences(au.lines),
        "premises": convention_sentences(check) if check is not None else [],
        "findings": [finding_sentence(f) for f in check.findings] if check is not None else [],
    }


def headlines_wording(hl) -> dict:
    """``Headlines.wording``: the sentence of each FLOP-convention premise finding."""
    return {"findings": [finding_sentence(f) for f in hl.premises]}


def summary_text(result, log_hdi90: dict | None = None) -> str:
    """The terminal table (fits 100 columns): numbers in k/M/B, the 90% HDI of log values for
    outputs spanning more than a decade (marked *); means and MCSE are in summary.md/json."""

    logs = log_hdi90 or {}
    rows = []
    for name, s in result.summary.items():
        lo, hi = logs.get(name, s.hdi90)
        rows.append(
            [
                name,
                eng(s.median),
                f"{eng(s.p05)}–{eng(s.p95)}",
                f"{eng(lo)}–{eng(hi)}{'*' if name in logs else ''}",
                s.unit,
            ]
        )
    text = table(["output", "median", "p05–p95", "90% HDI", "unit"], rows, "lrrrl")
    if logs:
        text += "\n* HDI of log(values): the band spans more than a decade"
    return text
