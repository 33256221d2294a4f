"""``flopcast``: a thin command-line layer over the Python API (one subcommand per concern).

Heavy libraries are imported inside the handlers so ``flopcast --help`` and ``flopcast scenarios``
start fast. Bad input ends in one line on stderr, ``flopcast: error: <where>: <reason>``, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from priors.errors import InputError

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise InputError(self.prog, f"{message} (see '{self.prog} --help')")


def _positive_int(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise InputError("--draws", f"must be a positive integer, got {text!r}") from None
    if not value.is_integer() or value <= 0 or value > 2**62:
        raise InputError("--draws", f"must be a positive integer, got {text!r}")
    return int(value)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError("--seed", f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise InputError("--seed", f"must be a non-negative integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="flopcast", description="Honest uncertainty bands for AI-compute estimates.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="sample a scenario's priors; credible intervals, figures and a report")
    run.add_argument("scenario", help="bundled scenario name (see 'flopcast scenarios') or path to a .toml")
    run.add_argument("--draws", type=str, default=None, help="number of draws (default: the scenario's, else 200000)")
    run.add_argument("--seed", type=str, default=None, help="random seed (default: fresh, printed and recorded)")
    run.add_argument("--sampler", choices=["mc", "lhs", "sobol"], default="mc")
    run.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                     help="fix an input (NAME=VALUE) or give it a lognormal 90%% interval (NAME='A to B')")
    run.add_argument("--point", action="store_true", help="evaluate once at every prior's point value")
    run.add_argument("--out", default=None, help="write here (must not exist or be empty) instead of outputs/")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.add_argument("--no-report", action="store_true", help="skip figures and the HTML/Markdown report")
    run.add_argument("--chunk-size", type=int, default=None, help=argparse.SUPPRESS)
    run.set_defaults(handler=cmd_run)

    scen = sub.add_parser("scenarios", help="list bundled scenarios")
    scen.add_argument("--json", action="store_true")
    scen.set_defaults(handler=cmd_scenarios)

    show = sub.add_parser("show", help="a scenario's priors: distribution, 5/50/95%%, unit, source")
    show.add_argument("scenario")
    show.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args) or 0
    except InputError as exc:
        print(f"flopcast: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("flopcast: interrupted; nothing was written", file=sys.stderr)
        return 130


def _emit_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")


# -- scenarios / show ----------------------------------------------------------------------------

def cmd_scenarios(args) -> int:
    import tomllib

    from priors.scenario import bundled_scenarios

    items = []
    for path in bundled_scenarios():
        head = tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {})
        items.append({"name": path.stem, "model": head.get("model", ""), "description": head.get("description", "")})
    if args.json:
        _emit_json({"scenarios": items})
        return 0
    width = max(len(i["name"]) for i in items) if items else 0
    for i in items:
        print(f"{i['name']:<{width}}  [{i['model']}]  {i['description']}")
    return 0


def cmd_show(args) -> int:
    from simulate.engine import plan_for
    from simulate.fmt import table
    from simulate.report import PRIOR_HEADER, priors_rows

    plan = plan_for(args.scenario, args.sets)
    rows = priors_rows(plan)
    if args.json:
        _emit_json({"scenario": plan.scenario.name, "model": plan.model.name,
                    "priors": [dict(zip(PRIOR_HEADER, r)) for r in rows]})
        return 0
    sc = plan.scenario
    print(f"{sc.name} [{plan.model.name}]: {sc.description}")
    print(table(PRIOR_HEADER, rows, "llrrrll"))
    return 0


# -- run -----------------------------------------------------------------------------------------

def cmd_run(args) -> int:
    from simulate import engine, outdir

    draws = _positive_int(args.draws) if args.draws is not None else None
    seed = _seed(args.seed) if args.seed is not None else None
    outdir.check_out(args.out)
    plan = engine.plan_for(args.scenario, args.sets)
    if args.point:
        return _run_point(plan, args)

    progress = _progress_bar(draws or plan.scenario.default_draws or engine.DEFAULT_DRAWS, quiet=args.json)
    try:
        result = engine.run(plan, draws=draws, seed=seed, sampler=args.sampler,
                            chunk_size=args.chunk_size or engine.DEFAULT_CHUNK,
                            progress=progress.update if progress else None)
    finally:
        if progress:
            progress.close()
    folder = _write(result, args)
    if args.json:
        from simulate.report import run_json

        obj = run_json(result)
        obj["folder"] = str(folder)
        _emit_json(obj)
        return 0
    from simulate.report import summary_text

    sc = plan.scenario
    print(f"{sc.name} [{plan.model.name}]  draws={result.draws:,}  seed={result.seed}  sampler={result.sampler}")
    if sc.overrides:
        print("overrides: " + "; ".join(sc.overrides))
    print(summary_text(result))
    worst = max(result.summary.items(), key=lambda kv: kv[1].max_relative_mcse)
    if worst[1].max_relative_mcse > 0.01:
        print(f"note: Monte Carlo error of {worst[0]}'s quantiles is {100 * worst[1].max_relative_mcse:.1f}% "
              f"of their value; use more --draws for tighter figures")
    print(f"wrote {folder}/")
    return 0


def _write(result, args) -> Path:
    from simulate import outdir
    from simulate.report import write_run

    target = Path(args.out) if args.out else outdir.default_folder("run", result.plan.scenario.name, result.seed)
    with outdir.staged(target) as stage:
        write_run(result, stage, report=not args.no_report)
    return target


def _run_point(plan, args) -> int:
    from simulate import engine, outdir
    from simulate.fmt import markdown, num, table

    values = engine.evaluate_point(plan)
    obj = {
        "scenario": plan.scenario.name,
        "model": plan.model.name,
        "point": True,
        "overrides": list(plan.scenario.overrides),
        "outputs": {n: {"unit": plan.unit(n), "value": v} for n, v in values.items()},
        "inputs": {n: {"unit": plan.unit(n), "value": v} for n, v in plan.points.items()},
    }
    target = Path(args.out) if args.out else outdir.default_folder("point", plan.scenario.name, None)
    rows = [[n, plan.unit(n), num(v)] for n, v in values.items()]
    with outdir.staged(target) as stage:
        (stage / "point.json").write_text(json.dumps(obj, indent=2) + "\n")
        if not args.no_report:
            (stage / "point.md").write_text(
                f"# {plan.scenario.name}: point values\n\n" + markdown(["output", "unit", "value"], rows, "llr") + "\n")
    if args.json:
        obj["folder"] = str(target)
        _emit_json(obj)
        return 0
    print(f"{plan.scenario.name} [{plan.model.name}] at the priors' point values (no sampling)")
    if plan.scenario.overrides:
        print("overrides: " + "; ".join(plan.scenario.overrides))
    print(table(["output", "unit", "value"], rows, "llr"))
    print(f"wrote {target}/")
    return 0


def _progress_bar(total: int, quiet: bool):
    if quiet or total < 2_000_000 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="draw", unit_scale=True, file=sys.stderr, leave=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
