"""The subcommands: each parses its own few options, calls the Python API and returns an
``Outcome`` (what to write, what to print); ``cli.skeleton.execute`` does the rest."""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager, nullcontext

from flopcast import engine
from flopcast.analyze import audit as audit_analysis
from flopcast.analyze import compare as compare_analysis
from flopcast.analyze import compare_outputs as compare_outputs_analysis
from flopcast.analyze import sensitivity as sensitivity_analysis
from flopcast.analyze import stress as stress_analysis
from flopcast.analyze.waterfall import waterfall as compute
from flopcast.api import run_context
from flopcast.cli.options import number, positive_int
from flopcast.cli.skeleton import Outcome, emit_json, result_outcome
from flopcast.dask_engine import dask_mapper
from flopcast.executors import max_workers
from flopcast.fmt import table
from flopcast.priors.catalog import bundled_scenario_heads
from flopcast.priors.errors import InputError
from flopcast.report import registry, text
from flopcast.report.run import PRIOR_HEADER, priors_rows
from flopcast.report.style import eng
from flopcast.report.text import clip, safe, wrap
from flopcast.samples import SAVE_AT_MOST


def run(args, opts) -> Outcome:

    auto = args.draws == "auto"
    pool = "dask-remote" if args.scheduler else args.engine  # a remote cluster's workers are not ours to count
    workers = positive_int(args.workers, "--workers", maximum=max_workers(pool)) if args.workers is not None else None
    if args.scheduler and args.engine != "dask":
        raise InputError("--scheduler", "only applies with --engine dask")
    plan = engine.plan_for(args.scenario, args.sets, flop_convention=getattr(args, "flop_convention", None))
    if args.point:
        return _point(plan, args)
    tol = number(args.tol, "--tol") if auto else None
    max_draws = positive_int(args.max_draws, "--max-draws") if auto else None
    engine.check_budget(plan, max_draws if auto else opts.draws)  # before a dask cluster starts
    rounds = None
    if args.engine == "dask":
        mapping = dask_mapper(args.scheduler, workers)
    else:
        mapping = nullcontext(None)
    with mapping as mapper:
        options = dict(
            seed=opts.seed,
            sampler=args.sampler,
            chunk_size=args.chunk_size or engine.DEFAULT_CHUNK,
            workers=workers,
            mapper=mapper,
            keep_inputs=SAVE_AT_MOST,
        )  # inputs: only what is saved
        if auto:
            result, rounds = engine.run_auto(plan, tol=tol, max_draws=max_draws, **options)
        else:
            total = opts.draws or plan.scenario.default_draws or engine.DEFAULT_DRAWS
            with progress_bar(total, "draw", quiet=opts.json or opts.quiet) as bar:
                result = engine.run(plan, draws=opts.draws, progress=bar, **options)
    obj = result.to_json()
    if rounds is not None:
        obj["auto"] = {"tol": tol, "rounds": [{"draws": n, "max_relative_mcse": w} for n, w in rounds]}
    outcome = run_outcome(result, obj, rounds, args)
    note = plan.posterior_note(result.draws)
    outcome.warnings += [note] if note else []
    if rounds and rounds[-1][1] > tol:  # stopped by --max-draws, not by the tolerance
        outcome.warnings.append(
            f"--draws auto stopped at --max-draws {rounds[-1][0]:,} with a relative MCSE of "
            f"{100 * rounds[-1][1]:.2f}%, above --tol {100 * tol:.2f}%; raise --max-draws for "
            "the tolerance"
        )
    return outcome


def run_outcome(result, obj: dict, rounds, args) -> Outcome:
    """What ``run`` writes and prints: exactly what ``result.save()`` writes (the registry's writer
    with the run's report context: its published figures placed in its band, and its waterfall)."""

    context = run_context(result)
    return Outcome(
        "run",
        result.plan.scenario.name,
        result.seed,
        lambda stage: registry.write(
            result, stage, report=not args.no_report, samples=args.samples, figure_format=args.figures, **context
        ),
        obj,
        text.run_lines(result, rounds, headlines=context["headlines"]),
    )


def _point(plan, args) -> Outcome:

    pt = engine.point(plan)
    return Outcome(
        "point",
        plan.scenario.name,
        None,
        lambda stage: registry.write(pt, stage, report=not args.no_report),
        pt.to_json(),
        text.point_lines(pt),
    )


def scenarios(args) -> int:

    items = [h.to_json() for h in bundled_scenario_heads()]
    if args.json:
        emit_json({"scenarios": items})
        return 0
    width = max(len(i["name"]) for i in items) if items else 0
    for i in items:
        print(f"{i['name']:<{width}}  [{safe(i['model'])}]  {safe(i['description'])}")
    return 0


def show(args) -> int:

    plan = engine.plan_for(args.scenario, args.sets)
    rows = priors_rows(plan)
    equations = [o for o in plan.scenario.outputs if o.formula is not None]
    if args.json:
        emit_json(
            {
                "scenario": plan.scenario.name,
                "model": plan.model.name,
                "priors": [dict(zip(PRIOR_HEADER, r)) for r in rows],
                **(
                    {"outputs": [{"name": o.name, "formula": o.formula.text, "unit": o.unit} for o in equations]}
                    if equations
                    else {}
                ),
            }
        )
        return 0
    print("\n".join(wrap(f"{plan.scenario.name} [{plan.model.name}]: {plan.scenario.description}", "")))
    sources: dict[str, int] = {}
    short = []
    for name, r in zip(plan.model.inputs, rows):  # sources are paragraphs: footnotes under the table
        prior = plan.scenario.priors.get(name)
        dist = prior.dist.describe().split("(")[0] if prior is not None else "model default"
        q = (
            [prior.dist.quantile(p) for p in (0.05, 0.5, 0.95)]
            if prior is not None
            else [plan.model.inputs[name].default] * 3
        )
        short.append(
            [
                name,
                dist,
                *(eng(v) for v in q),
                r[5],
                f"[{sources.setdefault(r[6] or '(no source given)', len(sources) + 1)}]",
            ]
        )
    print(safe(table(["input", "distribution", "p05", "median", "p95", "unit", "source"], short, "llrrrll")))
    if not args.sources:
        print("sources (first line; --sources for the full text and every distribution's parameters):")
    else:
        print("distributions:")
        print(safe(table(["input", "distribution"], [[r[0], r[1]] for r in rows], "ll")))
        print("sources:")
    for source, i in sources.items():
        line = f"[{i}] " + " ".join(source.split())
        print("\n".join(wrap(line, "")) if args.sources else clip(safe(line)))
    fitted = [(n, d) for n, d in plan.dists.items() if hasattr(d, "achieved")]
    if fitted:
        print("quantile fits (requested -> achieved):")
        for name, d in fitted:
            print(clip(f"  {name}: " + ", ".join(f"q{p:g} {eng(w)} -> {eng(g)}" for p, w, g in d.achieved())))
    if equations:
        print("equations:")
        for o in equations:
            print(clip(safe(f"  {o.name} = {o.formula.text}" + (f"  [{o.unit}]" if o.unit else ""))))
    return 0


def sensitivity(args, opts) -> Outcome:

    n = positive_int(args.n, "--n", maximum=2**20) if args.n is not None else sensitivity_analysis.DEFAULT_SOBOL_N
    plan = engine.plan_for(args.scenario, args.sets)
    with busy(f"sensitivity of {args.output}", opts):
        sens = sensitivity_analysis.analyze(plan, args.output, n=n, seed=opts.seed, log=args.log)
    return Outcome(
        "sensitivity",
        plan.scenario.name,
        sens.seed,
        lambda stage: registry.write(sens, stage),
        sens.to_json(),
        text.sensitivity_lines(sens),
        warnings=list(sens.warnings),
    )


def stress(args, opts) -> Outcome:

    headline = stress_analysis.check_headline(number(args.headline, "--headline"))
    plan = engine.plan_for(args.scenario, args.sets)
    engine.check_budget(plan, opts.draws)
    with busy(f"stress test of {args.output}", opts):
        st = stress_analysis.stress(
            plan, args.output, headline, draws=opts.draws, seed=opts.seed, sampler=args.sampler, tail=args.tail
        )
    return Outcome(
        "stress",
        plan.scenario.name,
        st.seed,
        lambda stage: registry.write(st, stage),
        st.to_json(),
        text.stress_lines(st),
    )


def audit(args, opts) -> Outcome:

    plan = engine.plan_for(args.scenario, args.sets, flop_convention=getattr(args, "flop_convention", None))
    if not plan.scenario.headlines:
        raise InputError(plan.scenario.file, "lists no [[headlines]] to audit")
    engine.check_budget(plan, opts.draws)
    with busy("audit", opts):
        au = audit_analysis.audit(plan, draws=opts.draws, seed=opts.seed)
    return Outcome(
        "audit",
        plan.scenario.name,
        au.seed,
        lambda stage: registry.write(au, stage),
        au.to_json(),
        text.audit_lines(au),
    )


def compare(args, opts) -> Outcome:

    mapping = {}
    for pair in args.map:
        a, eq, b = pair.partition("=")
        if not eq or not a.strip() or not b.strip():
            raise InputError(f"--map {pair}", "give it as OUTPUT_A=OUTPUT_B")
        mapping[a.strip()] = b.strip()
    shared, gpus = compare_analysis.split_accelerators(args.sets)  # two --gpu: A on the first, B on the second
    if args.scenario_b is None and len(gpus) < 2:
        raise InputError(
            "compare: scenario_b",
            "missing: give a second scenario, or two --gpu to compare one scenario on two accelerators",
        )
    with busy("compare", opts):
        cmp = compare_analysis.compare(
            args.scenario_a,
            args.scenario_b or args.scenario_a,
            outputs=args.output,
            sets_a=[*shared, *gpus[:1], *args.sets_a],
            sets_b=[*shared, *gpus[-1:], *args.sets_b],
            draws=opts.draws,
            seed=opts.seed,
            sampler=args.sampler,
            mapping=mapping or None,
        )
    return Outcome(
        "compare",
        f"{cmp.a}-vs-{cmp.b}",
        cmp.seed,
        lambda stage: registry.write(cmp, stage),
        cmp.to_json(),
        text.compare_lines(cmp),
    )


def compare_outputs(args, opts) -> Outcome:

    return result_outcome(
        compare_outputs_analysis.compare_outputs(args.comparison, draws=opts.draws or 50_000, seed=opts.seed)
    )


def waterfall(args, opts) -> Outcome:

    wf = compute(args.scenario, args.sets)
    return Outcome(
        "waterfall", wf.scenario, None, lambda stage: registry.write(wf, stage), wf.to_json(), text.waterfall_lines(wf)
    )


def progress_bar(total: int, unit: str, quiet: bool, minimum: int = 2_000_000):
    """A tqdm bar on stderr for long work, only on a terminal; yields the update callable or None."""
    if quiet or total < minimum or not sys.stderr.isatty():
        return nullcontext(None)

    from tqdm import tqdm

    @contextmanager
    def bar():
        with tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr, leave=False) as t:
            yield t.update

    return bar()


def busy(label: str, opts, interval: float = 0.5):
    """An elapsed-time line on stderr while an analysis without its own progress runs: only on a
    terminal, not with --quiet or --json. (Per-evaluation bars need a ``progress`` keyword in the
    analysis; until then this says the command is working and for how long.)"""
    if opts.quiet or opts.json or not sys.stderr.isatty():
        return nullcontext(None)

    from tqdm import tqdm

    @contextmanager
    def ticking():
        stop = threading.Event()
        with tqdm(total=None, desc=label, bar_format="{desc}: {elapsed} elapsed", file=sys.stderr, leave=False) as t:

            def tick():
                while not stop.wait(interval):
                    t.refresh()

            thread = threading.Thread(target=tick, daemon=True)
            thread.start()
            try:
                yield t
            finally:
                stop.set()
                thread.join()

    return ticking()
