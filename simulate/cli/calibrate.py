"""``flopcast calibrate``: the subcommand, registered on the CLI's subparsers by ``register(sub)``.

Kept apart from ``flopcast.analyze.calibration`` so that building the parser imports nothing heavy:
PyMC, PyTensor and ArviZ are imported inside the handler.
"""

from __future__ import annotations

import math
import sys

from flopcast import engine
from flopcast.analyze.calibration import calibrate, load_evidence
from flopcast.cli.options import command, number_in
from flopcast.cli.skeleton import Outcome
from flopcast.fmt import command as shell_command
from flopcast.report import registry, text

DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 1000
DEFAULT_CHAINS = 2
DEFAULT_TARGET_ACCEPT = 0.9


def register(sub) -> None:
    """Add ``calibrate`` to the CLI's subparsers; it runs through the one command skeleton."""

    p = command(
        sub,
        "calibrate",
        cmd_calibrate,
        "update a scenario's priors on measurements (PyMC NUTS) and propagate the posterior",
        "scenario",
        "sets",
        "seed",
        "json",
        "out",
        "quiet",
        description="Condition the scenario's priors on an evidence file ([[observation]] tables), check "
        "convergence, and write posterior.nc plus <name>-calibrated.toml (a scenario that "
        "`flopcast run` takes) with prior-vs-posterior bands and a report.",
    )
    p.add_argument(
        "--evidence",
        required=True,
        metavar="FILE.toml",
        help="evidence file (or the name of one in priors/evidence/, e.g. video-timings)",
    )
    p.add_argument("--draws", default=None, help=f"posterior draws per chain (default {DEFAULT_DRAWS})")
    p.add_argument("--tune", default=None, help=f"tuning steps per chain (default {DEFAULT_TUNE})")
    p.add_argument("--chains", default=None, help=f"chains, run one after another (default {DEFAULT_CHAINS})")
    p.add_argument(
        "--target-accept",
        default=None,
        help=f"NUTS target acceptance; raise it (0.95, 0.99) against divergences (default {DEFAULT_TARGET_ACCEPT})",
    )
    p.add_argument(
        "--propagate-draws",
        default=None,
        help="draws of the prior and calibrated scenarios for the bands (default: the scenario's)",
    )
    p.add_argument(
        "--discrepancy",
        default=None,
        metavar="S",
        help="add a model discrepancy term: discrepancy_sigma ~ HalfNormal(S) widens every sigma_log / "
        "interval90 likelihood on the log scale (e.g. 0.5); for equations that may be off by a factor. "
        "Default: the between-run term the evidence file declares (between_run_sigma_log), if any; 0: none",
    )


def cmd_calibrate(args, opts):

    def given(text, flag, default, *bounds, **kw):
        return default if text is None else number_in(text, flag, *bounds, **kw)

    draws = given(args.draws, "--draws", DEFAULT_DRAWS, 1, 2**31, integer=True)
    tune = given(args.tune, "--tune", DEFAULT_TUNE, 0, 2**31, integer=True)
    chains = given(args.chains, "--chains", DEFAULT_CHAINS, 1, 64, integer=True)
    target_accept = given(
        args.target_accept, "--target-accept", DEFAULT_TARGET_ACCEPT, 0, 1, open_low=True, open_high=True
    )
    propagate = given(args.propagate_draws, "--propagate-draws", None, 1, 2**40, integer=True)
    discrepancy = given(args.discrepancy, "--discrepancy", None, 0, math.inf)  # 0: none
    plan = engine.plan_for(args.scenario, args.sets)
    evidence = load_evidence(args.evidence, plan)  # all input checks before any sampling
    cal = calibrate(
        plan,
        evidence,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=opts.seed,
        target_accept=target_accept,
        propagate_draws=propagate,
        discrepancy=discrepancy,
        progress=not (opts.quiet or opts.json) and sys.stderr.isatty(),
    )
    obj = cal.to_json()
    obj["posterior_scenario"] = "{folder}/" + cal.toml_name  # the skeleton fills in the folder
    return Outcome(
        "calibrate",
        plan.scenario.name,
        cal.seed,
        lambda stage: registry.write(cal, stage),
        obj,
        text.calibration_lines(cal),
        warnings=list(cal.warnings),
        after=[
            lambda folder: (
                "run the calibrated scenario: " + shell_command("flopcast", "run", f"{folder}/{cal.toml_name}")
            )
        ],
    )
