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

from flopcast.priors.errors import InputError

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise InputError(self.prog, f"{message} (see '{self.prog} --help')")


def _positive_int(text: str, flag: str = "--draws") -> int:
    try:
        value = float(text)
    except ValueError:
        raise InputError(flag, f"must be a positive integer, got {text!r}") from None
    if not value.is_integer() or value <= 0 or value > 2**62:
        raise InputError(flag, f"must be a positive integer, got {text!r}")
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
    run.add_argument("--draws", type=str, default=None,
                     help="number of draws (default: the scenario's, else 200000), or 'auto': draw until the "
                          "MCSE of p05/p50/p95 of every headline output is below --tol x its value")
    run.add_argument("--tol", type=str, default="0.01", help="relative MCSE target for --draws auto (default 0.01)")
    run.add_argument("--max-draws", type=str, default="100000000", help="cap for --draws auto")
    run.add_argument("--workers", type=str, default=None, help="threads (or dask workers) for chunks of draws")
    run.add_argument("--engine", choices=["threads", "dask"], default="threads",
                     help="threads in this process, or dask tasks (a LocalCluster unless --scheduler)")
    run.add_argument("--scheduler", default=None, help="address of a running dask scheduler (tcp://HOST:8786)")
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

    sens = sub.add_parser("sensitivity", help="tornado, Sobol variance shares and rank correlations for one output")
    _common(sens)
    sens.add_argument("--output", required=True, help="the model output to analyse")
    sens.add_argument("--n", type=str, default=None, help="Sobol base sample size N (N (k + 2) model runs; default 8192)")
    sens.add_argument("--log", action="store_true", help="variance shares of log(output): readable for products")
    sens.set_defaults(handler=cmd_sensitivity)

    stress = sub.add_parser("stress", help="where a headline sits, what one must believe for it, goal seek")
    _common(stress)
    stress.add_argument("--output", required=True)
    stress.add_argument("--headline", required=True, type=str, help="the published figure, in the output's unit")
    stress.add_argument("--draws", type=str, default=None)
    stress.add_argument("--sampler", choices=["mc", "lhs", "sobol"], default="mc")
    stress.set_defaults(handler=cmd_stress)

    audit = sub.add_parser("audit", help="re-derive the scenario's published headlines and locate them in the band")
    _common(audit)
    audit.add_argument("--draws", type=str, default=None)
    audit.set_defaults(handler=cmd_audit)

    cmp = sub.add_parser("compare", help="two scenarios side by side with common random numbers")
    cmp.add_argument("scenario_a")
    cmp.add_argument("scenario_b")
    cmp.add_argument("--output", action="append", default=[], help="outputs to compare (default: all shared)")
    cmp.add_argument("--set-a", dest="sets_a", action="append", default=[], metavar="NAME=VALUE")
    cmp.add_argument("--set-b", dest="sets_b", action="append", default=[], metavar="NAME=VALUE")
    cmp.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE", help="applies to both")
    cmp.add_argument("--draws", type=str, default=None)
    cmp.add_argument("--seed", type=str, default=None)
    cmp.add_argument("--sampler", choices=["mc", "lhs", "sobol"], default="mc")
    cmp.add_argument("--json", action="store_true")
    cmp.add_argument("--out", default=None)
    cmp.set_defaults(handler=cmd_compare)

    co = sub.add_parser("compare-outputs", help="one output across scenarios on one log axis (e.g. FLOPs per output)")
    co.add_argument("comparison", nargs="?", default="inference-per-output",
                    help="bundled comparison name or path (default: inference-per-output)")
    co.add_argument("--draws", type=str, default="50000")
    co.add_argument("--seed", type=str, default=None)
    co.add_argument("--json", action="store_true")
    co.add_argument("--out", default=None)
    co.set_defaults(handler=cmd_compare_outputs)

    wf = sub.add_parser("waterfall", help="what each of the scenario's [waterfall] steps is worth")
    _common(wf)
    wf.set_defaults(handler=cmd_waterfall)

    from flopcast.cli.calibrate import register as register_calibrate

    register_calibrate(sub)
    return p


def _common(parser) -> None:
    parser.add_argument("scenario", help="bundled scenario name or path to a .toml")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--seed", type=str, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--out", default=None, help="write here (must not exist or be empty) instead of outputs/")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args) or 0
    except InputError as exc:
        print(f"flopcast: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # e.g. piped into `head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("flopcast: interrupted; nothing was written", file=sys.stderr)
        return 130


def _emit_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")


# -- scenarios / show ----------------------------------------------------------------------------

def cmd_scenarios(args) -> int:
    import tomllib

    from flopcast import priors  # only the package's location: the listing needs no numpy or scipy

    items = []
    for path in sorted((Path(priors.__file__).parent / "scenarios").glob("*.toml")):
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
    from flopcast.engine import plan_for
    from flopcast.report.fmt import table
    from flopcast.report.run import PRIOR_HEADER, priors_rows

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
    from contextlib import nullcontext

    from flopcast import engine
    from flopcast import outdir

    auto = args.draws == "auto"
    draws = _positive_int(args.draws) if args.draws is not None and not auto else None
    seed = _seed(args.seed) if args.seed is not None else None
    workers = _positive_int(args.workers, "--workers") if args.workers is not None else None
    if args.scheduler and args.engine != "dask":
        raise InputError("--scheduler", "only applies with --engine dask")
    outdir.check_out(args.out)
    plan = engine.plan_for(args.scenario, args.sets)
    if args.point:
        return _run_point(plan, args)

    rounds = None
    if args.engine == "dask":
        from flopcast.dask_engine import dask_mapper

        mapping = dask_mapper(args.scheduler, workers)
    else:
        mapping = nullcontext(None)
    with mapping as mapper:
        options = dict(seed=seed, sampler=args.sampler, chunk_size=args.chunk_size or engine.DEFAULT_CHUNK,
                       workers=workers, mapper=mapper)
        if auto:
            tol = _number(args.tol, "--tol")
            result, rounds = engine.run_auto(plan, tol=tol, max_draws=_positive_int(args.max_draws, "--max-draws"),
                                             **options)
        else:
            progress = _progress_bar(draws or plan.scenario.default_draws or engine.DEFAULT_DRAWS, quiet=args.json)
            try:
                result = engine.run(plan, draws=draws, progress=progress.update if progress else None, **options)
            finally:
                if progress:
                    progress.close()
    folder = _write(result, args)
    if args.json:
        from flopcast.report.run import run_json

        obj = run_json(result)
        obj["folder"] = str(folder)
        if rounds is not None:
            obj["auto"] = {"tol": float(args.tol), "rounds": [{"draws": n, "max_relative_mcse": w} for n, w in rounds]}
        _emit_json(obj)
        return 0
    from flopcast.report.run import summary_text

    sc = plan.scenario
    print(f"{sc.name} [{plan.model.name}]  draws={result.draws:,}  seed={result.seed}  sampler={result.sampler}")
    if rounds is not None:
        print("draws auto: " + ", ".join(f"{n:,} draws -> max rel. MCSE {100 * w:.2f}%" for n, w in rounds))
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
    from flopcast import outdir
    from flopcast.report.run import write_run

    target = Path(args.out) if args.out else outdir.default_folder("run", result.plan.scenario.name, result.seed)
    with outdir.staged(target) as stage:
        write_run(result, stage, report=not args.no_report)
    return target


def _run_point(plan, args) -> int:
    from flopcast import engine
    from flopcast import outdir
    from flopcast.report.fmt import markdown, num, table

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


# -- analyses ------------------------------------------------------------------------------------

def _number(text: str, flag: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(flag, f"must be a number, got {text!r}") from None
    return value


def _options(args) -> tuple[int | None, int | None]:
    """What the analysis commands share: refuse a non-empty --out first, parse --draws and --seed."""
    from flopcast import outdir

    outdir.check_out(args.out)
    draws = _positive_int(args.draws) if getattr(args, "draws", None) is not None else None
    seed = _seed(args.seed) if args.seed is not None else None
    return draws, seed


def _emit_with_folder(obj: dict, target: Path) -> int:
    obj["folder"] = str(target)
    _emit_json(obj)
    return 0


def _analysis_folder(args, kind: str, scenario: str, seed: int | None) -> Path:
    from flopcast import outdir

    return Path(args.out) if args.out else outdir.default_folder(kind, scenario, seed)


def cmd_sensitivity(args) -> int:
    from flopcast.report import analyses as analysis_reports
    from flopcast import engine
    from flopcast import outdir
    from flopcast.analyze import sensitivity
    from flopcast.report.fmt import num, table

    _, seed = _options(args)
    n = _positive_int(args.n, "--n") if args.n is not None else sensitivity.DEFAULT_SOBOL_N
    plan = engine.plan_for(args.scenario, args.sets)
    sens = sensitivity.analyze(plan, args.output, n=n, seed=seed, log=args.log)
    target = _analysis_folder(args, "sensitivity", plan.scenario.name, sens.seed)
    with outdir.staged(target) as stage:
        analysis_reports.write_sensitivity(sens, stage)
    for w in sens.warnings:
        print(f"flopcast: warning: {w}", file=sys.stderr)
    if args.json:
        return _emit_with_folder(sens.as_json(), target)
    what = f"log({sens.output})" if sens.log else sens.output
    print(f"{plan.scenario.name}: sensitivity of {sens.output} [{sens.unit}]; baseline {num(sens.baseline)} "
          f"(inputs at medians); Sobol indices of {what}, N={sens.n}, seed={sens.seed}")
    print(table(sensitivity.HEADER, sensitivity.table_rows(sens), "lrrrrrrrrr"))
    print(f"wrote {target}/")
    return 0


def cmd_stress(args) -> int:
    from flopcast.report import analyses as analysis_reports
    from flopcast import engine
    from flopcast import outdir
    from flopcast.analyze import stress

    draws, seed = _options(args)
    headline = stress.check_headline(_number(args.headline, "--headline"))
    plan = engine.plan_for(args.scenario, args.sets)
    st = stress.stress(plan, args.output, headline, draws=draws, seed=seed, sampler=args.sampler)
    target = _analysis_folder(args, "stress", plan.scenario.name, st.seed)
    with outdir.staged(target) as stage:
        analysis_reports.write_stress(st, stage)
    if args.json:
        return _emit_with_folder(st.as_json(), target)
    print(f"{plan.scenario.name}: stress test of {st.output} against {args.headline} ({st.draws:,} draws, seed {st.seed})")
    for line in st.sentences:
        print(f"  {line}")
    print(f"wrote {target}/")
    return 0


def cmd_audit(args) -> int:
    from flopcast.report import analyses as analysis_reports
    from flopcast.analyze import audit
    from flopcast import engine
    from flopcast import outdir

    draws, seed = _options(args)
    plan = engine.plan_for(args.scenario, args.sets)
    if not plan.scenario.headlines:
        raise InputError(plan.scenario.file, "lists no [[headlines]] to audit")
    lines, used_draws, used_seed = audit.audit(plan, draws=draws, seed=seed)
    text = audit.sentences(lines)
    target = _analysis_folder(args, "audit", plan.scenario.name, used_seed)
    with outdir.staged(target) as stage:
        analysis_reports.write_audit(plan.scenario.name, lines, text, used_draws, used_seed, stage)
    if args.json:
        return _emit_with_folder({"scenario": plan.scenario.name, "draws": used_draws, "seed": used_seed,
                                  "headlines": [ln.as_json() for ln in lines], "summary": text}, target)
    print(f"{plan.scenario.name}: audit of {len(lines)} published figures ({used_draws:,} draws, seed {used_seed})")
    for line in text:
        print(line if line.startswith("  ") else f"- {line}")
    print(f"wrote {target}/")
    return 0


def cmd_compare(args) -> int:
    from flopcast.report import analyses as analysis_reports
    from flopcast.analyze import compare
    from flopcast import outdir

    draws, seed = _options(args)
    cmp = compare.compare(args.scenario_a, args.scenario_b, outputs=args.output,
                          sets_a=[*args.sets, *args.sets_a], sets_b=[*args.sets, *args.sets_b],
                          draws=draws, seed=seed, sampler=args.sampler)
    target = _analysis_folder(args, "compare", f"{cmp.a}-vs-{cmp.b}", cmp.seed)
    with outdir.staged(target) as stage:
        analysis_reports.write_compare(cmp, stage)
    if args.json:
        return _emit_with_folder(cmp.as_json(), target)
    from flopcast.report.fmt import num, table

    print(f"{cmp.a} (A) vs {cmp.b} (B): {cmp.draws:,} draws, seed {cmp.seed}, common random numbers")
    rows = [[n, c.unit, num(c.a.median), num(c.b.median), num(c.ratio.median), num(c.ratio.p05), num(c.ratio.p95),
             f"{c.p_b_greater:.3f}"] for n, c in cmp.outputs.items()]
    print(table(["output", "unit", "A median", "B median", "B/A median", "B/A p05", "B/A p95", "P(B>A)"], rows,
                "llrrrrrr"))
    print(f"wrote {target}/")
    return 0


def cmd_compare_outputs(args) -> int:
    from flopcast.analyze import compare_outputs as C
    from flopcast import outdir
    from flopcast.report.analyses import write_compare_outputs
    from flopcast.report.fmt import num, table

    outdir.check_out(args.out)
    draws = _positive_int(args.draws)
    seed = _seed(args.seed) if args.seed is not None else None
    head, entries, used_seed = C.compare_outputs(args.comparison, draws=draws, seed=seed)
    name = head.get("name", Path(args.comparison).stem)
    target = _analysis_folder(args, "compare-outputs", name, used_seed)
    with outdir.staged(target) as stage:
        write_compare_outputs(head, entries, draws, used_seed, stage)
    if args.json:
        _emit_json({"comparison": name, "draws": draws, "seed": used_seed, "folder": str(target), "entries": [
            {"label": e.label, "scenario": e.scenario, "output": e.output, "unit": e.unit, "point": e.point,
             "median": e.summary.median, "p05": e.summary.p05, "p95": e.summary.p95} for e in entries]})
        return 0
    print(f"{head.get('title', name)} ({draws:,} draws per entry, seed {used_seed})")
    print(table(["entry", "unit", "point", "median", "p05", "p95"],
                [[e.label, e.unit, num(e.point), num(e.summary.median), num(e.summary.p05), num(e.summary.p95)]
                 for e in entries], "llrrrr"))
    print(f"wrote {target}/")
    return 0


def cmd_waterfall(args) -> int:
    from flopcast.report import analyses as analysis_reports
    from flopcast import outdir
    from flopcast.analyze import waterfall
    from flopcast.report.fmt import num, table

    outdir.check_out(args.out)
    output, unit, bars = waterfall.waterfall(args.scenario, args.sets)
    name = Path(args.scenario).stem
    target = _analysis_folder(args, "waterfall", name, None)
    with outdir.staged(target) as stage:
        analysis_reports.write_waterfall(name, output, unit, bars, stage)
    if args.json:
        _emit_json({"scenario": name, "output": output, "unit": unit, "folder": str(target),
                    "bars": [{"label": b.label, "value": b.value, "factor": b.factor} for b in bars]})
        return 0
    print(table(["step", f"{output} [{unit}]", "factor"], [[b.label, num(b.value), f"x{b.factor:.3f}"] for b in bars],
                "lrr"))
    print(f"wrote {target}/")
    return 0


def _progress_bar(total: int, quiet: bool):
    if quiet or total < 2_000_000 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="draw", unit_scale=True, file=sys.stderr, leave=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
