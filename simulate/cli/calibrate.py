"""``flopcast calibrate``: the subcommand, registered on the CLI's subparsers by ``register(sub)``.

Kept apart from ``flopcast.analyze.calibration`` so that building the parser imports nothing heavy:
PyMC, PyTensor and ArviZ are imported inside the handler.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flopcast.priors.errors import InputError

DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 1000
DEFAULT_CHAINS = 2
DEFAULT_TARGET_ACCEPT = 0.9


def register(sub) -> None:
    """Add ``calibrate`` to an argparse subparsers object (``cli.build_parser``'s ``sub``)."""
    p = sub.add_parser(
        "calibrate",
        help="update a scenario's priors on measurements (PyMC NUTS) and propagate the posterior",
        description="Condition the scenario's priors on an evidence file ([[observation]] tables), check "
                    "convergence, and write posterior.nc plus <name>-calibrated.toml (a scenario that "
                    "`flopcast run` takes) with prior-vs-posterior bands and a report.",
    )
    p.add_argument("scenario", help="bundled scenario name or path to a .toml")
    p.add_argument("--evidence", required=True, metavar="FILE.toml",
                   help="evidence file (or the name of one in priors/evidence/, e.g. video-timings)")
    p.add_argument("--draws", default=None, help=f"posterior draws per chain (default {DEFAULT_DRAWS})")
    p.add_argument("--tune", default=None, help=f"tuning steps per chain (default {DEFAULT_TUNE})")
    p.add_argument("--chains", default=None, help=f"chains, run one after another (default {DEFAULT_CHAINS})")
    p.add_argument("--target-accept", default=None,
                   help=f"NUTS target acceptance; raise it (0.95, 0.99) against divergences (default {DEFAULT_TARGET_ACCEPT})")
    p.add_argument("--seed", default=None, help="random seed (default: fresh, printed and recorded)")
    p.add_argument("--propagate-draws", default=None,
                   help="draws of the prior and calibrated scenarios for the bands (default: the scenario's)")
    p.add_argument("--discrepancy", default=None, metavar="S",
                   help="add a model discrepancy term: discrepancy_sigma ~ HalfNormal(S) widens every sigma_log / "
                        "interval90 likelihood on the log scale (e.g. 0.5); for equations that may be off by a factor")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                   help="fix an input (NAME=VALUE) or give it a lognormal 90%% interval (NAME='A to B') "
                        "before calibrating; the calibrated scenario keeps it")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", default=None, help="write here (must not exist or be empty) instead of outputs/")
    p.set_defaults(handler=cmd_calibrate)


def _int(text: str | None, flag: str, default: int, minimum: int = 1) -> int:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value.is_integer() or value < minimum or value > 2**31:
        kind = "a positive" if minimum > 0 else "a non-negative"
        raise InputError(flag, f"must be {kind} integer, got {text!r}")
    return int(value)


def _fraction(text: str | None, flag: str, default: float) -> float:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise InputError(flag, f"must be a number in (0, 1), got {text!r}")
    return value


def _positive(text: str | None, flag: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        raise InputError(flag, f"must be a positive number, got {text!r}")
    return value


def cmd_calibrate(args) -> int:
    from flopcast import engine
    from flopcast import outdir
    from flopcast.analyze.calibration import calibrate, load_evidence
    from flopcast.report.calibration import write_calibration

    draws = _int(args.draws, "--draws", DEFAULT_DRAWS)
    tune = _int(args.tune, "--tune", DEFAULT_TUNE, minimum=0)
    chains = _int(args.chains, "--chains", DEFAULT_CHAINS)
    seed = _int(args.seed, "--seed", -1, minimum=0) if args.seed is not None else None
    target_accept = _fraction(args.target_accept, "--target-accept", DEFAULT_TARGET_ACCEPT)
    propagate = _int(args.propagate_draws, "--propagate-draws", 0) if args.propagate_draws is not None else None
    discrepancy = _positive(args.discrepancy, "--discrepancy")
    outdir.check_out(args.out)
    plan = engine.plan_for(args.scenario, args.sets)
    evidence = load_evidence(args.evidence, plan)  # all input checks before any sampling
    cal = calibrate(plan, evidence, draws=draws, tune=tune, chains=chains, seed=seed,
                    target_accept=target_accept, propagate_draws=propagate, discrepancy=discrepancy)
    target = Path(args.out) if args.out else outdir.default_folder("calibrate", plan.scenario.name, cal.seed)
    with outdir.staged(target) as stage:
        write_calibration(cal, stage)
    for w in cal.warnings:
        print(f"flopcast: warning: {w}", file=sys.stderr)
    toml = target / cal.toml_name
    if args.json:
        import json

        obj = cal.to_json()
        obj["posterior_scenario"] = str(toml)
        obj["folder"] = str(target)
        sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")
        return 0
    print(summary_text(cal))
    print(f"wrote {target}/")
    print(f"run the calibrated scenario: flopcast run {toml}")
    return 0


def summary_text(cal) -> str:
    from flopcast.report.calibration import _band_text, figure_outputs
    from flopcast.fmt import table

    d = cal.diagnostics
    lines = [
        f"{cal.scenario.name} calibrated on {cal.evidence.file} ({len(cal.evidence)} observations): NUTS "
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
              [[f.observation.name, f.observation.output, f"{f.observation.value:.4g}", _band_text(f.prior),
                _band_text(f.posterior)] for f in cal.fits], "llrll"),
        "",
        f"outputs ({cal.posterior_run.draws:,} draws each), median [p05 - p95]:",
        table(["output", "unit", "prior", "posterior"],
              [[n, cal.outputs[n].unit, _band_text(cal.outputs[n].prior), _band_text(cal.outputs[n].posterior)]
               for n in figure_outputs(cal)], "llll"),
    ]
    return "\n".join(lines)


def _discrepancy_text(cal) -> str:
    b = cal.discrepancy_band
    return (f"model discrepancy (log-scale sd, prior HalfNormal({cal.discrepancy:g})): median {b.median:.3g} "
            f"[{b.p05:.3g} - {b.p95:.3g}]")
