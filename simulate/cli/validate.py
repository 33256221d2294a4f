"""``flopcast validate``: the subcommand, registered on the CLI's subparsers by ``register(sub)``.

Building the parser imports nothing heavy; the handler imports the analysis and PyMC (with --loo).
"""

from __future__ import annotations

import sys
from pathlib import Path

from flopcast.priors.errors import InputError


def register(sub) -> None:
    """Add ``validate`` to an argparse subparsers object (``cli.build_parser``'s ``sub``)."""
    p = sub.add_parser(
        "validate",
        help="check how often the scenario's bands contain the measurements of an evidence file",
        description="Run the scenario under every evidence case's settings and report the measured value's PIT, "
                    "whether it lies in the 50%% and 90%% bands, median/measured, the coverage of both bands and "
                    "the median log error. --loo predicts each case from a calibration on all the others.",
    )
    p.add_argument("scenario", help="bundled scenario name or path to a .toml")
    p.add_argument("--evidence", required=True, metavar="FILE.toml",
                   help="evidence file (or the name of one in priors/evidence/, e.g. video-timings)")
    p.add_argument("--loo", action="store_true", help="leave-one-out: calibrate on all cases but one, predict it")
    p.add_argument("--discrepancy", default=None, metavar="S",
                   help="multiplicative model error exp(sigma z), sigma ~ HalfNormal(S), on every prediction")
    p.add_argument("--draws", default=None,
                   help="predictive draws per case (default 4000); with --loo NUTS draws per chain (default 500)")
    p.add_argument("--seed", default=None, help="random seed (default: fresh, printed and recorded)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                   help="fix an input (NAME=VALUE) or give it a lognormal 90%% interval (NAME='A to B')")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", default=None, help="write here (must not exist or be empty) instead of outputs/")
    p.set_defaults(handler=cmd_validate)


def _number(text: str | None, flag: str, integer: bool):
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(flag, f"must be a number, got {text!r}") from None
    if integer:
        if not value.is_integer():
            raise InputError(flag, f"must be an integer, got {text!r}")
        return int(value)
    return value


def cmd_validate(args) -> int:
    from flopcast import outdir
    from flopcast.analyze.validate import validate
    from flopcast.report.validate import summary_text, write_validation

    draws = _number(args.draws, "--draws", True)
    seed = _number(args.seed, "--seed", True)
    discrepancy = _number(args.discrepancy, "--discrepancy", False)
    outdir.check_out(args.out)
    v = validate(args.scenario, args.evidence, loo=args.loo, discrepancy=discrepancy, draws=draws, seed=seed,
                 sets=args.sets)
    target = Path(args.out) if args.out else outdir.default_folder("validate", v.scenario, v.seed)
    with outdir.staged(target) as stage:
        write_validation(v, stage)
    for w in v.warnings:
        print(f"flopcast: warning: {w}", file=sys.stderr)
    if args.json:
        import json

        obj = v.to_json()
        obj["folder"] = str(target)
        sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")
        return 0
    print(summary_text(v))
    print(f"wrote {target}/")
    return 0
