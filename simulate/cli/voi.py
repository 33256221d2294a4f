"""``flopcast voi``: which input is worth researching (one skeleton command).

Building the parser imports nothing heavy; the handler imports the analysis.
"""

from __future__ import annotations

from flopcast.analyze.voi import DEFAULT_DRAWS, voi
from flopcast.cli.options import command
from flopcast.cli.skeleton import Outcome
from flopcast.report import registry
from flopcast.report.voi import lines


def register(sub) -> None:
    """Add ``voi`` to the CLI's subparsers."""

    p = command(
        sub,
        "voi",
        cmd_voi,
        "rank inputs by the value of learning them exactly (variance of log output; EVPPI for a decision)",
        "scenario",
        "sets",
        "seed",
        "draws",
        "json",
        "out",
        description="For every uncertain input and named group: the expected reduction in Var[log(output)] if it "
        "were learned exactly and, with --decision, the expected value of partial perfect information "
        "under 0-1 loss and the chance that learning it flips the answer; by nonparametric regression "
        "on the scenario's own draws (valid for correlated and posterior inputs).",
    )
    p.add_argument("--output", required=True, help="the output to study")
    p.add_argument(
        "--decision",
        default=None,
        metavar="'>= X'",
        help="a yes/no question about the output: an operator (>=, >, <=, <) and a threshold",
    )
    p.add_argument(
        "--group",
        dest="groups",
        action="append",
        default=[],
        metavar="NAME=a,b",
        help="also value learning several inputs together (repeatable)",
    )


def cmd_voi(args, opts):

    v = voi(
        args.scenario,
        args.output,
        decision=args.decision,
        groups=args.groups,
        draws=opts.draws or DEFAULT_DRAWS,
        seed=opts.seed,
        sets=args.sets,
    )
    return Outcome(
        "voi",
        v.scenario,
        v.seed,
        lambda stage: registry.write(v, stage),
        v.to_json(),
        lines(v),
        warnings=list(v.warnings),
    )
