"""Where flopcast's time goes (issues 7 and 13): cProfile of one ``engine.run`` and of one
``flopcast run`` (CLI path: run + dataset building + samples.nc/summary writing), grouped by stage.

    python -m bench.profile_run [--draws 10000000] [--cli] [--top 25]

cProfile sees only the main thread, so the engine runs with ``workers=1`` when it accepts that
argument. numpy ufuncs (ndtri, exp, the model's arithmetic) are not traced as calls: their time is
the ``tottime`` of the Python function that calls them. Writes only into a temporary folder.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = "plappert-2024"

# (label, filename fragment, function name): cumulative time of each, when present.
STAGES = [
    ("whole engine.run", "simulate/engine.py", "run"),
    ("  plan: load_scenario (TOML, prior fits)", "priors/scenario.py", "load_scenario"),
    ("    beta fit from ci90 (Newton)", "families/beta.py", "from_ci90"),
    ("    beta inverse table (fast_beta_inverse)", "families/_beta_inverse.py", "fast_beta_inverse"),
    ("  uniforms: Design.block", "simulate/sampling.py", "block"),
    ("  uniforms: unit_cube_chunks", "simulate/sampling.py", "unit_cube_chunks"),
    ("  uniforms: Generator.random", "~", "<method 'random' of 'numpy.random._generator.Generator' objects>"),
    ("  copula", "simulate/sampling.py", "apply_copula"),
    ("  ppf lognormal (ndtri + exp)", "families/lognormal.py", "ppf"),
    ("  ppf beta (Hermite table)", "families/beta.py", "sample_ppf"),
    ("  ppf pert (Hermite table + scale)", "families/pert.py", "sample_ppf"),
    ("  model: sora.evaluate", "models/sora.py", "evaluate"),
    ("  finite check", "simulate/engine.py", "_check_finite"),
    ("  summary: summarize (all outputs)", "simulate/summary.py", "summarize"),
    ("    order_statistics (partition + tail sorts)", "simulate/summary.py", "order_statistics"),
    ("    hdi", "simulate/summary.py", "hdi"),
    ("    quantile_mcse", "simulate/summary.py", "quantile_mcse"),
    ("  streaming summary", "simulate/streaming.py", "summarize_stream"),
    ("dataset: to_dataset", "simulate/results.py", "to_dataset"),
    ("write: save_samples (samples.nc)", "simulate/results.py", "save_samples"),
    ("write: write_run (all files)", "simulate/report/run.py", "write_run"),
    ("cli: cmd_run", "simulate/cli/app.py", "cmd_run"),
]


def stage_table(stats: pstats.Stats, total: float) -> str:
    raw = stats.stats  # {(file, line, func): (cc, nc, tt, ct, callers)}
    lines = [f"{'stage':48s} {'calls':>7s} {'cum s':>8s} {'% of total':>10s}"]
    for label, frag, func in STAGES:
        ct = nc = 0.0
        for (file, _line, name), (_cc, ncalls, _tt, cum, _callers) in raw.items():
            if name == func and (frag in file.replace("\\", "/") or frag == file):
                ct += cum
                nc += ncalls
        if nc:
            lines.append(f"{label:48s} {int(nc):7d} {ct:8.3f} {100 * ct / total:9.1f}%")
    # sort calls under any name (numpy 1.x / 2.x spell the builtin differently)
    sort_ct = sum(v[3] for k, v in raw.items() if "sort" in k[2] and ("multiarray" in k[2] or "ndarray" in k[2]))
    if sort_ct:
        lines.append(f"{'  (all ndarray sorts, any caller)':48s} {'':7s} {sort_ct:8.3f} {100 * sort_ct / total:9.1f}%")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10**7)
    ap.add_argument(
        "--cli", action="store_true", help="also profile `flopcast run --no-report` (writes samples.nc to a temp dir)"
    )
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--cli-only", action="store_true", help="profile only the CLI run (one thread: --workers 1)")
    args = ap.parse_args(argv)

    from flopcast import engine

    if args.cli_only:
        args.cli = True
    engine.run(SCENARIO, draws=10_000, seed=1)  # imports and first-call setup out of the profile
    kwargs = {"workers": 1} if "workers" in inspect.signature(engine.run).parameters else {}
    if not args.cli_only:
        profile_engine(args, engine, kwargs)
    if args.cli:
        profile_cli(args)
    return 0


def profile_engine(args, engine, kwargs) -> None:
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    engine.run(SCENARIO, draws=args.draws, seed=1, **kwargs)
    prof.disable()
    total = time.perf_counter() - t0
    _print_profile(
        prof,
        total,
        f"## engine.run({SCENARIO!r}, draws={args.draws:,}, seed=1{', workers=1' if kwargs else ''})",
        args.top,
    )


def profile_cli(args) -> None:
    from flopcast.cli import app as cli

    tmp = Path(tempfile.mkdtemp(prefix="flopcast-prof-"))
    try:
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        cli.main(
            [
                "run",
                SCENARIO,
                "--draws",
                str(args.draws),
                "--no-report",
                "--seed",
                "1",
                "--json",
                "--workers",
                "1",
                "--out",
                str(tmp / "run"),
            ]
        )
        prof.disable()
        total = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _print_profile(
        prof,
        total,
        f"\n## flopcast run {SCENARIO} --draws {args.draws} --no-report --json --workers 1 (in-process CLI)",
        args.top,
    )


def _print_profile(prof, total: float, title: str, top: int) -> None:
    """The stage table and the top functions by own time of one profiled call."""
    print(f"{title}: {total:.2f} s wall (profiled)\n")
    print(stage_table(pstats.Stats(prof), total))
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    print(f"\n### top {top} by own time\n")
    print("\n".join(ln for ln in buf.getvalue().splitlines() if ln.strip())[:12000])


if __name__ == "__main__":
    sys.exit(main())
