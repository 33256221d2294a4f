"""Terminal text of each result: tables that fit a terminal, one verdict per line."""

from __future__ import annotations

from flopcast.fmt import num, safe, table  # noqa: F401  (safe: control and bidi characters as ?)


def run_lines(result, rounds=None, tol: float | None = None, headlines=None) -> list[str]:
    from flopcast.report.lead import headline_lines
    from flopcast.report.run import summary_text

    sc, plan = result.plan.scenario, result.plan
    lines = [f"{safe(sc.name)} [{plan.model.name}]  draws={result.draws:,}  seed={result.seed}  sampler={result.sampler}"]
    if rounds is not None:
        lines.append("draws auto: " + ", ".join(f"{n:,} draws -> max rel. MCSE {100 * w:.2f}%" for n, w in rounds))
    if sc.overrides:
        lines.append("overrides: " + "; ".join(safe(o) for o in sc.overrides))
    if plan.converted:
        lines += wrap("convention: corrected (" + ", ".join(f"{m.input} x{m.factor:g}: {m.published} -> {m.expects}"
                                                            for m in plan.converted) + ")", "")
    lines.append(summary_text(result, headlines.log_hdi90 if headlines is not None else None))
    lines += headline_lines(headlines)
    if headlines is not None and headlines.premises:
        lines += wrap("premises: FLOP figures counted otherwise than the equations expect (flopcast audit; "
                      "--flop-convention corrected converts them):", "")
        lines += [clip(safe("  " + f.short())) for f in headlines.premises]
    if result.draws < 2:
        lines.append("note: one draw gives no Monte Carlo error (MCSE undefined, null in --json); "
                     "use --draws 2 or more for a band")
        return lines
    worst = max(result.summary.items(), key=lambda kv: kv[1].max_relative_mcse)
    if worst[1].max_relative_mcse > 0.01:
        lines.append(f"note: Monte Carlo error of {worst[0]}'s quantiles is {100 * worst[1].max_relative_mcse:.1f}% "
                     f"of their value;\n      use more --draws for tighter figures")
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
    from flopcast.report import plots

    what = f"log({sens.output})" if sens.log else sens.output
    return [f"{safe(sens.scenario)}: sensitivity of {sens.output} [{sens.unit}]; baseline {num(sens.baseline)} "
            f"(inputs at medians); Sobol indices of {what}, N={sens.n}, seed={sens.seed}",
            table(plots.HEADER, plots.table_rows(sens), "lrrrrrrrrr")]


WIDTH = 100  # terminal text fits this many columns


def wrap(text: str, indent: str = "  ", width: int = WIDTH) -> list[str]:
    import textwrap

    return textwrap.wrap(safe(text), width, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


def columns(text: str) -> int:
    """Terminal columns ``text`` takes (East Asian wide characters take two)."""
    import unicodedata

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
    from flopcast.report.style import eng

    lines = [f"{safe(st.scenario)}: stress test of {st.output} against {num(st.headline)} {st.unit} "
             f"({st.draws:,} draws, seed {st.seed})", *wrap(st.sentences[0])]
    if st.tail_draws < 30:
        lines += wrap(st.sentences[1])
    rows = []
    for name in dict.fromkeys([*st.conditional, *st.goal_seek]):
        c = st.conditional.get(name)
        g = st.goal_seek.get(name)
        rows.append([name, eng(c.prior_median) if c else "", eng(c.conditional_median) if c else "",
                     f"{c.prior_percentile_of_conditional_median:.0f}" if c else "",
                     eng(g) if g is not None else "unreachable", c.unit if c else ""])
    lines += [*wrap(f"inputs: median in the prior; median among the draws {st.direction} the headline (pct: its "
                    "percentile in the prior); goal seek: the value that alone moves the median to the headline "
                    "(unreachable: not within the prior's 0.1-99.9% range)", ""),
              table(["input", "prior median", f"median if {st.direction}", "pct", "goal seek", "unit"], rows,
                    "lrrrrl")]
    return lines


def audit_lines(au) -> list[str]:
    """One verdict line per published figure; quotes, notes and single-input fixes are in the report."""
    from flopcast.report.style import eng

    lines = [f"{safe(au.scenario)}: audit of {len(au.lines)} published figures ({au.draws:,} draws, seed {au.seed})",
             "verdict output: published vs re-derived from the source's assumptions (ratio), percentile in band"]
    for ln in au.lines:
        verdict = "ok " if ln.consistent else "OFF"
        cond = " [" + ",".join(f"{k}={v:g}" for k, v in ln.set.items()) + "]" if ln.set else ""
        line = (f"{verdict} {ln.output}: {eng(ln.published)} vs {eng(ln.rederived)} (x{ln.ratio:.2f}), "
                f"{_ordinal(ln.percentile)} pct{cond}")
        lines.append(clip(safe(line)))
    off = sum(not ln.consistent for ln in au.lines)
    if off:
        lines.append(f"{off} figure(s) OFF: what single change would make each follow is in audit.md / report.html")
    if au.convention:
        lines += wrap("convention: corrected (" + ", ".join(f"{c['input']} x{c['factor']:g}"
                                                            for c in au.convention["converted"]) + ")", "")
    return lines + convention_lines(au.conventions)


def convention_lines(check) -> list[str]:
    """The FLOP-convention premises of an audit: one line per input, then how each moved output's
    median changes when they are converted (the full sentences are in audit.md / report.html)."""
    from flopcast.report.style import eng

    if check is None:
        return []
    lines = ["premises: FLOP figures counted otherwise than the equations expect"]
    lines += [clip(safe("  " + f.short())) for f in check.findings]
    where = f"{check.draws:,} draws, seed {check.seed}" if check.draws else "point values"
    lines.append(f"converted (--flop-convention corrected; {where}): median as published -> corrected")
    for mv in check.moved:
        a, b = (mv.median, mv.median_corrected) if mv.median is not None else (mv.point, mv.point_corrected)
        band = f", 90% band {eng(mv.p05_corrected)} to {eng(mv.p95_corrected)}" if mv.p05_corrected is not None else ""
        lines.append(clip(safe(f"  {mv.output}: {eng(a)} -> {eng(b)} {mv.unit} (x{mv.ratio:.3g}{band})")))
    if check.unmoved:
        lines += wrap(f"unchanged: {', '.join(check.unmoved)}")
    return lines


def _ordinal(q: float) -> str:
    from flopcast.report.figures import ordinal

    return ordinal(q)


def compare_lines(cmp) -> list[str]:
    rows = [[n, c.unit, num(c.a.median), num(c.b.median), num(c.ratio.median), num(c.ratio.p05), num(c.ratio.p95),
             f"{c.p_b_greater:.3f}"] for n, c in cmp.outputs.items()]
    return [f"{safe(cmp.a)} (A) vs {safe(cmp.b)} (B): {cmp.draws:,} draws, seed {cmp.seed}, common random numbers",
            table(["output", "unit", "A median", "B median", "B/A median", "B/A p05", "B/A p95", "P(B>A)"], rows,
                  "llrrrrrr")]


def compare_outputs_lines(title: str, entries, draws: int, seed: int) -> list[str]:
    return [f"{safe(title)} ({draws:,} draws per entry, seed {seed})",
            table(["entry", "unit", "point", "median", "p05", "p95"],
                  [[safe(e.label), e.unit, num(e.point), num(e.summary.median), num(e.summary.p05), num(e.summary.p95)]
                   for e in entries], "llrrrr")]


def waterfall_lines(wf) -> list[str]:
    return [table(["step", f"{wf.output} [{wf.unit}]", "factor"],
                  [[safe(b.label), num(b.value), b.factor_text(3)] for b in wf.bars], "lrr")]


def calibration_lines(cal) -> list[str]:
    from flopcast.report.calibration import _band_text, figure_outputs
    d = cal.diagnostics
    lines = [
        f"{safe(cal.scenario.name)} calibrated on {safe(cal.evidence.file)} ({len(cal.evidence)} observations): NUTS "
        f"{cal.chains} chains x {cal.draws} draws ({cal.tune} tuning), seed {cal.seed}, {cal.seconds:.1f} s",
        f"convergence: max r_hat {d.max_r_hat:.3f} (<= {d.rhat_limit}), min ESS bulk {d.min_ess_bulk:.0f} / tail "
        f"{d.min_ess_tail:.0f} (>= {d.ess_limit:.0f}), {d.divergences} divergences",
        *([_discrepancy_text(cal)] if cal.discrepancy is not None else []),
        "",
        "inputs, median [p05 - p95]:",
        table(["input", "unit", "prior", "posterior", "90% width"],
              [[n, s.unit, _band_text(s.prior), _band_text(s.posterior), f"x{s.width_ratio:.2f}"]
               for n, s in cal.inputs.items()], "llllr"),
        "",
        "measurements vs the model under each observation's set:",
        table(["observation", "output", "measured", "prior", "posterior"],
              [[safe(f.observation.name), f.observation.output, f"{f.observation.value:.4g}", _band_text(f.prior),
                _band_text(f.posterior)] for f in cal.fits], "llrll"),
        "",
        f"outputs ({cal.posterior_run.draws:,} draws each), median [p05 - p95]:",
        table(["output", "unit", "prior", "posterior"],
              [[n, cal.outputs[n].unit, _band_text(cal.outputs[n].prior), _band_text(cal.outputs[n].posterior)]
               for n in figure_outputs(cal)], "llll"),
    ]
    return lines


def _discrepancy_text(cal) -> str:
    b = cal.discrepancy_band
    return (f"model discrepancy (log-scale sd, prior HalfNormal({cal.discrepancy:g})): median {b.median:.3g} "
            f"[{b.p05:.3g} - {b.p95:.3g}]")
