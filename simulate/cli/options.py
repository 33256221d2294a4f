"""Options shared by the subcommands: declared once, parsed once, validated the same way everywhere.

``add(parser, "scenario", "sets", "seed", ...)`` declares options by name; ``parse(args)`` turns the
raw strings into an ``Options`` (draws, seed, workers ... checked) before any work starts, and
refuses an unusable ``--out`` at the same time.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from flopcast import outdir
from flopcast.plan import check_repeats
from flopcast.priors.errors import InputError
from flopcast.priors.numbers import parse_number, to_number
from flopcast.seeds import check_seed

MAX_DRAWS = 2**40  # beyond any machine: refused here; the engine bounds what fits in time and memory


# An example (or two) at the foot of every help page: commands that run as written.
EXAMPLES = {
    "": [
        "flopcast run plappert-2024 --seed 1",
        "flopcast stress plappert-2024 --output peak_fleet_h100 --headline 720k",
        "flopcast COMMAND --help          # each command's options and an example",
    ],
    "run": [
        "flopcast run plappert-2024 --seed 1",
        'flopcast run plappert-2024 --set sora_params="5B to 60B" --set dataset_multiplier=10 --draws 1M',
        "flopcast run plappert-2024 --gpu B200 --figures png --out my-run",
    ],
    "scenarios": ["flopcast scenarios", "flopcast scenarios --json"],
    "show": [
        "flopcast show plappert-2024 --sources",
        'flopcast show plappert-2024 --set sora_params="q0.1=5B, q0.5=12B, q0.9=80B"',
    ],
    "sensitivity": [
        "flopcast sensitivity plappert-2024 --output peak_fleet_h100 --log --seed 1",
        "flopcast sensitivity sora-2026 --output peak_fleet_gpus --log   # correlated: Shapley effects",
    ],
    "stress": [
        "flopcast stress plappert-2024 --output peak_fleet_h100 --headline 720k --seed 1",
        "flopcast stress plappert-2024 --output peak_fleet_h100 --headline 300M --tail is",
    ],
    "audit": ["flopcast audit plappert-2024 --seed 1", "flopcast audit plappert-2024 --flop-convention corrected"],
    "compare": [
        "flopcast compare plappert-2024 --gpu H100-SXM --gpu B200 --output peak_fleet_gpu",
        "flopcast compare plappert-2024 sora-2026 --map peak_fleet_h100=peak_fleet_gpus",
        "flopcast compare plappert-2024 plappert-2024 --set-b dataset_multiplier=10",
    ],
    "compare-outputs": ["flopcast compare-outputs inference-per-output --seed 1"],
    "waterfall": ["flopcast waterfall sora-2026"],
    "hardware": ["flopcast hardware", "flopcast hardware --sources --json"],
    "calibrate": [
        "flopcast calibrate video-diffusion --evidence video-timings --seed 1",
        "flopcast calibrate video-diffusion --evidence video-timings --draws 500 --chains 2 --discrepancy 0.3",
    ],
    "validate": [
        "flopcast validate video-diffusion --evidence video-timings --seed 1",
        "flopcast validate video-diffusion --evidence video-timings --loo --discrepancy 0.3",
    ],
    "voi": [
        'flopcast voi plappert-2024 --output peak_fleet_h100 --decision ">= 720k" --seed 1',
        "flopcast voi plappert-2024 --output peak_fleet_h100 --group demand=peak_factor,generations_per_upload",
    ],
    "models": ["flopcast models sora", "flopcast models --json"],
    "new": ["flopcast new my-estimate --model sora --out my-estimate.toml"],
}


class _HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrapped as usual; the examples epilog kept line by line."""

    def _fill_text(self, text, width, indent):
        if text.startswith("example"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        if self.epilog is None:
            lines = EXAMPLES.get(self.prog.partition(" ")[2])
            if lines:
                self.epilog = ("examples:\n" if len(lines) > 1 else "example:\n") + "\n".join(f"  {x}" for x in lines)

    def error(self, message: str):  # one line, no usage dump
        where = self.prog.partition(" ")[2] or "command line"  # "run", not "flopcast run": main prefixes "flopcast"
        raise InputError(where, f"{message} (see '{self.prog} --help')")


def positive_int(text: str | None, flag: str, maximum: int = MAX_DRAWS) -> int:

    try:
        value = to_number(text)
    except ValueError:
        raise InputError(flag, f"must be a positive integer, got {text!r}") from None
    if not math.isfinite(value) or not value.is_integer() or value <= 0:
        raise InputError(flag, f"must be a positive integer, got {text!r}")
    if value > maximum:
        raise InputError(flag, f"{text} is more than {maximum:,}")
    return int(value)


def number(text: str, flag: str) -> float:
    """A finite number as people write it (720k, 1.5M, 3e8: ``flopcast.priors.numbers``)."""

    return parse_number(text, flag)


def number_in(
    text: str,
    flag: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    integer: bool = False,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """A finite number in [low, high] (an end excluded with ``open_low``/``open_high``); whole with
    ``integer``. The error names the flag and the allowed range."""
    value = number(text, flag)
    below = value <= low if open_low else value < low
    above = value >= high if open_high else value > high
    if below or above or (integer and not value.is_integer()):
        lo, hi = ("(" if open_low else "[") + f"{low:g}", f"{high:g}" + (")" if open_high else "]")
        kind = "a whole number" if integer else "a number"
        raise InputError(flag, f"must be {kind} in {lo}, {hi}, got {text!r}")
    return int(value) if integer else value


class _Accelerator(argparse.Action):
    """``--gpu NAME`` is the override ``accelerator=NAME``: it joins the --set list, so every command
    that takes overrides takes an accelerator, applied where overrides are (flopcast.plan.bind)."""

    def __call__(self, parser, namespace, value, option_string=None):
        getattr(namespace, self.dest).append(f"accelerator={value}")


def _sets(p) -> None:
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fix an input (NAME=VALUE, e.g. sora_params=20B), give it a 90%% interval (NAME='A to B') "
        "or quantiles (NAME='q0.1=5B, q0.5=12B, q0.9=80B'); repeatable",
    )
    p.add_argument(
        "--gpu",
        dest="sets",
        action=_Accelerator,
        metavar="NAME",
        help="run on this accelerator of the library (see 'flopcast hardware'); units follow it",
    )


def _allow_long(p) -> None:
    p.add_argument(
        "--allow-long",
        action="store_true",
        help="accept a draw count estimated to take more than an hour here (refused otherwise)",
    )


_DECLARE = {
    "scenario": lambda p: p.add_argument(
        "scenario", help="bundled scenario name (see 'flopcast scenarios') or a .toml path"
    ),
    "sets": _sets,
    "seed": lambda p: p.add_argument("--seed", default=None, help="random seed (default: fresh, printed and recorded)"),
    "draws": lambda p: (
        p.add_argument("--draws", default=None, help="number of draws (e.g. 200000, 200k, 1M)"),
        _allow_long(p),
    ),
    "sampler": lambda p: p.add_argument(
        "--sampler",
        choices=["mc", "lhs", "sobol"],
        default="mc",
        help="unit-cube design: plain Monte Carlo (default), Latin hypercube, or scrambled Sobol points",
    ),
    "json": lambda p: p.add_argument("--json", action="store_true", help="print one JSON object on stdout"),
    "out": lambda p: p.add_argument(
        "--out", default=None, help="write here (must not exist or be empty) instead of a new folder in outputs/"
    ),
    "quiet": lambda p: p.add_argument("--quiet", action="store_true", help="no progress bar"),
    "flop_convention": lambda p: p.add_argument(
        "--flop-convention",
        choices=["as_published", "corrected"],
        default=None,
        help="take FLOP figures as published (default: the scenario's flop_convention) or convert MAC counts and "
        "sparse peaks to the FLOPs and dense peaks the equations expect",
    ),
}


def add(parser: argparse.ArgumentParser, *names: str) -> None:
    for name in names:
        _DECLARE[name](parser)


@dataclass(frozen=True)
class Options:
    draws: int | None
    seed: int | None
    json: bool
    out: str | None
    quiet: bool
    allow_long: bool = False  # --allow-long: runs estimated to take more than an hour are accepted


def parse(args: argparse.Namespace) -> Options:
    """The shared options, checked before any work: --out first (nothing is computed for a folder
    that cannot be written), then --draws and --seed."""

    out = getattr(args, "out", None)
    outdir.check_out(out)
    raw_draws = getattr(args, "draws", None)
    draws = positive_int(raw_draws, "--draws") if raw_draws not in (None, "auto") else None
    raw_seed = getattr(args, "seed", None)
    seed = check_seed(raw_seed) if raw_seed is not None else None

    check_repeats(getattr(args, "sets", None) or (), twice_ok=("accelerator",) if args.command == "compare" else ())
    return Options(
        draws,
        seed,
        bool(getattr(args, "json", False)),
        out,
        bool(getattr(args, "quiet", False)),
        bool(getattr(args, "allow_long", False)),
    )


def command(
    sub, name: str, handler, help: str, *options: str, description: str | None = None, skeleton: bool = True
) -> argparse.ArgumentParser:
    """Declare a subcommand: its parser, the shared options it takes, and its handler (through the
    command skeleton unless ``skeleton=False``). Every subcommand is declared this way."""
    parser = sub.add_parser(name, help=help, description=description)
    add(parser, *options)
    parser.set_defaults(handler=handler, skeleton=skeleton)
    return parser
