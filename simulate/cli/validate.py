"""``flopcast validate``: how often a scenario's bands contain measured values (one skeleton command).

Building the parser imports nothing heavy; the handler imports the analysis and PyMC (with --loo).
"""

from __future__ import annotations

from flopcast.analyze.validate import validate
from flopcast.cli.options import command, number_in
from flopcast.cli.skeleton import Outcome
from flopcast.report import registry
from flopcast.report.validate import summary_text


def register(sub) -> None:
    """Add ``validate`` to the CLI's subparsers."""

    p = command(
        sub,
        "validate",
        cmd_validate,
        "check how often the scenario's bands contain the measurements of an evidence file",
        "scenario",
        "sets",
        "seed",
        "draws",
        "json",
        "out",
        description="Run the scenario under every evidence case's settings and report the measured value's PIT, "
        "whether it lies in the 50% and 90% bands, median/measured, the coverage of both bands and "
        "the median log error. Bands are predictive: the model's draws widened by each observation's own "
        "measurement error (sigma_log, interval90 or sd). --loo predicts each case from a calibration on "
        "all the others.",
    )
    p.add_argument(
        "--evidence",
        required=True,
        metavar="FILE.toml",
        help="evidence file (or the name of one in priors/evidence/, e.g. video-timings)",
    )
    p.add_argument("--loo", action="store_true", help="leave-one-out: calibrate on all cases but one, predict it")
    p.add_argument(
        "--discrepancy",
        default=None,
        metavar="S",
        help="multiplicative model error exp(sigma z), sigma ~ HalfNormal(S), on every prediction. With --loo "
        "the default is the between-run term the evidence file declares (between_run_sigma_log), if any, "
        "calibrated with the other cases; 0: none",
    )
    p.add_argument(
        "--no-measurement-error",
        action="store_true",
        help="bands of the model alone, not widened by each observation's own sigma_log / sd",
    )
    p.add_argument(
        "--target-accept",
        default="0.9",
        help="NUTS target acceptance of the --loo calibrations; raise it (0.99) against divergences",
    )


def cmd_validate(args, opts):

    discrepancy = (
        None if args.discrepancy is None else number_in(args.discrepancy, "--discrepancy", 0, 10, open_high=True)
    )
    target_accept = number_in(args.target_accept, "--target-accept", 0, 1, open_low=True, open_high=True)
    v = validate(
        args.scenario,
        args.evidence,
        loo=args.loo,
        discrepancy=discrepancy,
        draws=opts.draws,
        seed=opts.seed,
        sets=args.sets,
        target_accept=target_accept,
        measurement_error=not args.no_measurement_error,
    )
    return Outcome(
        "validate",
        v.scenario,
        v.seed,
        lambda stage: registry.write(v, stage),
        v.to_json(),
        summary_text(v).splitlines(),
        warnings=list(v.warnings),
    )
