"""What lands in a calibration folder: posterior.nc, ``<name>-calibrated.toml``, calibration.json,
calibration.md, figures and a self-contained report.html.

``<name>-calibrated.toml`` is the original scenario plus a ``[posterior]`` table that points at
``posterior.nc`` beside it, so ``flopcast run``, ``sensitivity``, ``stress`` and ``compare`` take it
like any scenario file (the folder can be moved as a whole).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from flopcast.engine import plan_for
from flopcast.fmt import markdown, num, strict_json
from flopcast.priors.scenario import load_scenario
from flopcast.report import figures
from flopcast.report.html import html_page, html_table, img_tag
from flopcast.report.style import styled

MAX_TRACE_INPUTS = 8


def _band_text(b) -> str:
    return f"{num(b.median)} [{num(b.p05)} - {num(b.p95)}]"


def _set_text(obs) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in obs.set.items()) or "-"


def _discrepancy_text(cal) -> str:
    b = cal.discrepancy_band
    return (
        f"discrepancy_sigma ~ HalfNormal({cal.discrepancy:g}) widens each log-scale likelihood to "
        f"sqrt(s^2 + discrepancy_sigma^2) (Kennedy & O'Hagan 2001); posterior {_band_text(b)} (log-scale sd)"
        + (
            f"; the between-run term the evidence file declares ({cal.between_run.source})"
            if getattr(cal, "between_run", None) is not None
            else ""
        )
    )


def provenance_rows(cal, folder_name: str = "") -> list[list[str]]:
    sc = cal.scenario
    toml = f"{folder_name}/{cal.toml_name}" if folder_name else cal.toml_name
    return [
        ["scenario", f"{sc.name} ({sc.path})"],
        ["overrides", "; ".join(sc.overrides) or "none"],
        ["evidence", f"{cal.evidence.path or cal.evidence.file} ({len(cal.evidence)} observations)"],
        [
            "sampler",
            f"PyMC NUTS, {cal.chains} chains x {cal.draws} draws after {cal.tune} tuning steps, "
            f"target_accept {cal.target_accept}",
        ],
        ["seed", str(cal.seed)],
        ["informed inputs (sampled)", ", ".join(cal.informed)],
        *([["model discrepancy", _discrepancy_text(cal)]] if cal.discrepancy is not None else []),
        [
            "propagation",
            f"{cal.posterior_run.draws:,} draws of the prior and of the calibrated scenario, "
            "same seed and unit-cube columns (common random numbers)",
        ],
        ["runtime", f"{cal.seconds:.1f} s (sampling {cal.diagnostics.seconds:.1f} s)"],
        ["created (UTC)", cal.created],
        ["run the calibrated scenario", f"flopcast run {toml}"],
    ]


def diagnostics_rows(cal) -> list[list[str]]:
    d = cal.diagnostics
    return d.rows()


def diagnostics_summary(cal) -> str:
    d = cal.diagnostics
    bfmi = ", ".join(f"{b:.2f}" for b in d.bfmi) or "n/a"
    return (
        f"max r_hat {d.max_r_hat:.4f} (limit {d.rhat_limit}); min bulk ESS {d.min_ess_bulk:.0f}, "
        f"min tail ESS {d.min_ess_tail:.0f} (limit {d.ess_limit:.0f} = 100 per chain); "
        f"{d.divergences} divergent transitions of {d.samples} (none allowed); "
        f"{d.treedepth_hits} at maximum tree depth; E-BFMI per chain {bfmi}"
    )


EVIDENCE_HEADER = ["observation", "output", "value", "unit", "uncertainty", "set", "source", "note"]


def evidence_rows(cal) -> list[list[str]]:
    return [
        [o.name, o.output, num(o.value), cal.plan.unit(o.output), o.spread_text(), _set_text(o), o.source, o.note]
        for o in cal.evidence
    ]


FIT_HEADER = [
    "observation",
    "output",
    "unit",
    "measured",
    "prior median [p05 - p95]",
    "posterior median [p05 - p95]",
    "z (log, posterior)",
]


def fit_rows(cal) -> list[list[str]]:
    return [
        [
            f.observation.name,
            f.observation.output,
            f.unit,
            num(f.observation.value),
            _band_text(f.prior),
            _band_text(f.posterior),
            "-" if f.z is None else f"{f.z:+.2f}",
        ]
        for f in cal.fits
    ]


INPUT_HEADER = [
    "input",
    "unit",
    "prior median [p05 - p95]",
    "posterior median [p05 - p95]",
    "shift",
    "90% width",
    "moved",
]


def input_rows(cal) -> list[list[str]]:
    return [
        [
            n,
            s.unit,
            _band_text(s.prior),
            _band_text(s.posterior),
            f"{s.shift:+.2f}",
            f"x{s.width_ratio:.2f}",
            "yes" if s.moved else "no",
        ]
        for n, s in cal.inputs.items()
    ]


OUTPUT_HEADER = ["output", "unit", "prior median [p05 - p95]", "posterior median [p05 - p95]", "posterior/prior median"]


def output_rows(cal) -> list[list[str]]:
    rows = []
    for n, s in cal.outputs.items():
        ratio = s.posterior.median / s.prior.median if s.prior.median else float("nan")
        rows.append([n, s.unit, _band_text(s.prior), _band_text(s.posterior), f"x{ratio:.3f}"])
    return rows


def figure_outputs(cal) -> list[str]:
    """Key outputs plus every observed output, if they vary."""
    observed = [o.output for o in cal.evidence if o.output in cal.plan.model.outputs]
    names = list(dict.fromkeys([*cal.plan.model.key_outputs, *observed]))
    return [n for n in names if np.ptp(cal.prior_run.outputs[n]) > 0 or np.ptp(cal.posterior_run.outputs[n]) > 0]


@styled
def density_figure(
    prior: np.ndarray, posterior: np.ndarray, name: str, unit: str, markers: dict[str, float] | None = None
):
    """Prior and posterior densities of one quantity on shared bins (log axis over a decade)."""
    fig = figures.new_figure(6.4, 3.3)
    ax = fig.add_subplot()
    prior = np.asarray(prior, dtype=float)
    posterior = np.asarray(posterior, dtype=float)
    both = np.concatenate([prior, posterior])
    lo, hi = np.quantile(both, [0.002, 0.998])
    log = figures.wants_log(lo, hi)
    if hi <= lo:
        ax.axvline(lo, color="C0", lw=2, label=f"fixed at {lo:.4g}")
    else:
        nb = int(np.clip(np.sqrt(min(prior.size, posterior.size)), 25, 90))
        bins = np.geomspace(lo, hi, nb) if log else np.linspace(lo, hi, nb)
        widths = np.diff(np.log10(bins)) if log else np.diff(bins)
        for values, label, color, fill in ((prior, "prior", "0.45", False), (posterior, "posterior", "C0", True)):
            counts, _ = np.histogram(values, bins=bins)
            q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
            ax.stairs(
                counts / (values.size * widths),
                bins,
                fill=fill,
                color=color,
                alpha=0.5 if fill else 1.0,
                lw=1.5,
                label=f"{label}: {q50:.3g} [{q05:.3g}, {q95:.3g}]",
            )
            ax.axvline(q50, color=color, lw=1.2, ls="--")
    for label, x in (markers or {}).items():
        ax.axvline(x, color="C3", lw=1.5, label=label)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(f"{name} [{unit}]")
    ax.set_ylabel("probability per decade" if log else f"density [1/({unit})]")
    ax.set_yticks([])
    ax.set_title(f"{name}: prior vs posterior (median [p05, p95])", fontsize=9)
    ax.legend(fontsize=7, loc="upper right", frameon=False)
    return fig


@styled
def trace_figure(cal):
    names = list(cal.informed)[:MAX_TRACE_INPUTS]
    fig = figures.new_figure(7.0, 1.3 + 1.25 * len(names))
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    for ax, n in zip(axes, names):
        values = np.asarray(cal.idata.posterior[n].values, dtype=float)
        for c in range(values.shape[0]):
            ax.plot(values[c], lw=0.4, alpha=0.8, label=f"chain {c}")
        ax.set_ylabel(f"{n}\n[{cal.plan.unit(n)}]", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("draw (after tuning)")
    axes[0].set_title("NUTS traces: chains should overlap and look like noise", fontsize=9)
    return fig


def _markers(cal, name: str) -> dict[str, float]:
    """Measured values of observations made under the scenario's own configuration (no ``set``)."""
    return {f"measured ({o.name}): {o.value:.3g}": o.value for o in cal.evidence if o.output == name and not o.set}


def write_figures(cal, folder: Path) -> dict[str, bytes]:
    figs: dict[str, bytes] = {}
    shown = cal.moved or list(cal.informed)
    for n in shown:
        prior = cal.prior_run.inputs[n]
        fig = density_figure(prior, cal.posterior_draws(n), n, cal.plan.unit(n), _markers(cal, n))
        figs[f"input_{n}.png"] = figures.png_bytes(fig)
    for n in figure_outputs(cal):
        fig = density_figure(
            cal.prior_run.outputs[n], cal.posterior_run.outputs[n], n, cal.plan.unit(n), _markers(cal, n)
        )
        figs[f"output_{n}.png"] = figures.png_bytes(fig)
    if cal.informed:
        figs["trace.png"] = figures.png_bytes(trace_figure(cal))
    for name, png in figs.items():
        (folder / name).write_bytes(png)
    return figs


METHOD = [
    "Every uncertain input some observation depends on is a random variable with its scenario prior "
    "(rank correlations among them as a Gaussian copula); the rest keep their priors exactly, since "
    "the evidence cannot move them.",
    "Likelihood of each observation: log(measured) ~ Normal(log(model output under the observation's set), "
    "sigma_log) (interval90: sigma_log = ln(hi/lo)/3.29 centred on sqrt(lo hi)); sd: measured ~ Normal(output, sd).",
    "Convergence is required before anything is reported: rank-normalized split R-hat <= 1.01 "
    "(<= 1.05 under 1000 draws per chain), bulk and tail ESS >= 100 per chain, no divergent transitions.",
    "Propagation: the calibrated scenario draws the informed inputs jointly from posterior.nc (one draw index "
    "for all of them) and every other input from its prior, exactly as `flopcast run` does; the prior run uses "
    "the same seed and unit-cube columns.",
    "shift: posterior median minus prior median in prior 90% widths; 90% width: posterior over prior "
    "(both on the log scale for positive inputs). An input moved when |shift| >= 0.05 or the width fell to <= x0.90.",
]


def markdown_report(cal, figs: dict[str, bytes]) -> str:
    sc = cal.scenario
    parts = [
        f"# flopcast calibrate: {sc.name} on {cal.evidence.file}",
        "",
        cal.evidence.description or sc.description,
        "",
        markdown(["", ""], [[a, f"`{b}`" if a.startswith("run the") else b] for a, b in provenance_rows(cal)], "ll"),
        "",
        "## Convergence",
        "",
        "Passed: " + diagnostics_summary(cal) + ".",
        "",
        markdown(["variable", "r_hat", "ESS bulk", "ESS tail"], diagnostics_rows(cal), "lrrr"),
        "",
    ]
    if cal.warnings:
        parts += ["Warnings:", ""] + [f"- {w}" for w in cal.warnings] + [""]
    parts += [
        "## Evidence",
        "",
        markdown(EVIDENCE_HEADER, evidence_rows(cal), "llrlllll"),
        "",
        "## Fit: each measurement against the model",
        "",
        "The model's band for the measured quantity under the observation's `set`, before and after calibration; "
        "z is (log measured - log posterior median) / sigma_log.",
        "",
        markdown(FIT_HEADER, fit_rows(cal), "lllrllr"),
        "",
        "## Inputs: prior vs posterior",
        "",
        markdown(INPUT_HEADER, input_rows(cal), "lllllrl"),
        "",
    ]
    parts += [f"![{n}]({n})" for n in figs if n.startswith("input_")] + [""]
    parts += ["## Outputs: prior vs posterior", "", markdown(OUTPUT_HEADER, output_rows(cal), "lllll"), ""]
    parts += [f"![{n}]({n})" for n in figs if n.startswith("output_")] + [""]
    if "trace.png" in figs:
        parts += ["## Traces", "", "![trace](trace.png)", ""]
    parts += ["## Method", ""] + [f"- {m}" for m in METHOD] + [""]
    return "\n".join(parts)


def html_report(cal, figs: dict[str, bytes]) -> str:
    sc = cal.scenario
    esc = html.escape
    sections = [
        f"<h1>flopcast calibrate: {esc(sc.name)} on {esc(cal.evidence.file)}</h1>"
        f"<p>{esc(cal.evidence.description or sc.description)}</p>",
        html_table(["", ""], provenance_rows(cal), "ll"),
        "<h2>Convergence</h2><p>Passed: " + esc(diagnostics_summary(cal)) + ".</p>",
        html_table(["variable", "r_hat", "ESS bulk", "ESS tail"], diagnostics_rows(cal), "lrrr"),
    ]
    if cal.warnings:
        sections.append("<p><b>Warnings</b></p><ul>" + "".join(f"<li>{esc(w)}</li>" for w in cal.warnings) + "</ul>")
    sections += [
        "<h2>Evidence</h2>",
        html_table(EVIDENCE_HEADER, evidence_rows(cal), "llrlllll"),
        "<h2>Fit: each measurement against the model</h2><p>The model's band for the measured quantity under the "
        "observation's <code>set</code>, before and after calibration; z is (log measured - log posterior median) / "
        "sigma_log.</p>",
        html_table(FIT_HEADER, fit_rows(cal), "lllrllr"),
        "<h2>Inputs: prior vs posterior</h2>",
        html_table(INPUT_HEADER, input_rows(cal), "lllllrl"),
        "<div class='figs'>" + "".join(img_tag(p, n) for n, p in figs.items() if n.startswith("input_")) + "</div>",
        "<h2>Outputs: prior vs posterior</h2>",
        html_table(OUTPUT_HEADER, output_rows(cal), "lllll"),
        "<div class='figs'>" + "".join(img_tag(p, n) for n, p in figs.items() if n.startswith("output_")) + "</div>",
    ]
    if "trace.png" in figs:
        sections.append("<h2>Traces</h2>" + img_tag(figs["trace.png"], "trace"))
    sections.append("<h2>Method</h2><ul>" + "".join(f"<li>{esc(m)}</li>" for m in METHOD) + "</ul>")
    return html_page(f"flopcast calibrate: {sc.name}", sections)


def write_calibration(cal, folder: Path) -> list[str]:
    """Write every file of a calibration into ``folder`` (a staging folder); returns the names.
    The calibrated scenario is re-loaded from there to prove it runs."""

    cal.write_posterior(folder / cal.NC_NAME)  # folder: a Stage, which checks every name
    scenario = [cal.toml_name] if cal.posterior_text else []  # a notebook function has no file to copy
    if scenario:
        (folder / cal.toml_name).write_text(cal.posterior_text, encoding="utf-8")
        plan_for(load_scenario(folder / cal.toml_name))  # raises if the copy does not load and bind
    obj = cal.to_json()
    obj["posterior_scenario"] = cal.toml_name if scenario else None
    obj["files"] = {"posterior": cal.NC_NAME, "scenario": cal.toml_name if scenario else None}
    (folder / "calibration.json").write_text(strict_json(obj, indent=2) + "\n")
    figs = write_figures(cal, folder)
    (folder / "calibration.md").write_text(markdown_report(cal, figs))
    (folder / "report.html").write_text(html_report(cal, figs))
    return [cal.NC_NAME, *scenario, "calibration.json", *figs, "calibration.md", "report.html"]
