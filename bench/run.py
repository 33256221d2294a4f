"""Benchmark of issue 13: flopcast against honest references on plappert-2024 (a numpy script as a
numpy expert writes it, the squigglepy peer, PyMC's prior predictive), the sampling floor, Sobol
cost, whole-process paired runs, start-up and the peak memory of 1e8 draws.

    python -m bench.run                  # full (about 10 minutes on 2 idle cores, 1e8 run included)
    python -m bench.run --quick          # smaller sizes, 2 repeats, no 1e8 attempt
    python -m bench.run --only process --process-sizes 1000000,10000000 --repeats 5

Sections (names for --only): flopcast, numpy, squiggle, floor, pymc, sobol, process, equations, startup, rss1e8.

No ratio against a reference is printed unless the reference's p05/p50/p95 of every output agree
with flopcast's within 4 combined Monte Carlo standard errors (``bench/measure.py``): otherwise
the row says DISAGREES and the target is not assessed.

In-process rows: median over --repeats runs in this process (each approach warmed up once on a
small size first, so imports are not counted). Whole-process rows are PAIRED: each repeat runs
flopcast, the numpy script and the squigglepy script back to back (order rotated), each under
``/usr/bin/time -v`` (wall, user + system CPU, peak RSS); a ratio is the median of the per-pair
ratios. Everything written goes to a temporary folder deleted at the end. Markdown on stdout,
progress on stderr.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from bench.measure import agreement, flopcast_summary, machine_line

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
SCENARIO = "plappert-2024"
SECTIONS = ("flopcast", "numpy", "squiggle", "floor", "pymc", "sobol", "process", "equations", "startup", "rss1e8")

TARGETS = {  # name: (description, threshold, direction)
    "wall_1e7": ("whole process, wall: flopcast run --no-report / numpy script at 1e7", 1.0, "<="),
    "cpu_1e7": ("whole process, CPU: flopcast run --no-report / numpy script at 1e7", 1.5, "<="),
    "rss_1e7": ("whole process, peak RSS: flopcast run --no-report / numpy script at 1e7", 1.0, "<="),
    "wall_1e6": ("whole process, wall: flopcast run --no-report / numpy script at 1e6", 2.0, "<="),
    "report_vs_1e6": ("whole process: default `flopcast run` (full report) / numpy script at 1e6", 4.0, "<="),
    "squiggle": ("whole process: squigglepy script / flopcast run, every size measured", 1.0, ">="),
    "squiggle_like": ("the same, flopcast without samples.nc (--samples none; the scripts keep no draws)", 1.0, ">="),
    "equations": ("whole process: squigglepy / flopcast on an equation scenario (--samples none)", 1.0, ">="),
    "help": ("`flopcast --help` (s)", 1.0, "<="),
    "scenarios": ("`flopcast scenarios` (s)", 1.0, "<="),
    "sobol_vs_run": ("Sobol S1/ST at N=2^14 / one 1e6 run", 5.0, "<="),
    "rss_1e8": ("peak RSS of a 1e8-draw run (GB)", 1.5, "<="),
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fmt_n(n: int) -> str:
    e = int(round(np.log10(n)))
    return f"1e{e}" if 10**e == n else f"{n:,}"


def fmt_s(s: float | None) -> str:
    return "-" if s is None else (f"{s:.3f}" if s < 10 else f"{s:.1f}")


class Bench:
    def __init__(self, args):
        self.args = args
        self.rows: list[dict] = []
        self.t: dict[tuple, float] = {}  # (key, draws) -> median seconds (in-process)
        self.summ: dict[tuple, dict] = {}  # (key, draws) -> {output: {p05.., mcse_..}}
        self.agree: dict[tuple, tuple[bool, str]] = {}  # (key, draws) -> agreement with flopcast
        self.targets: dict[str, tuple[float | None, str]] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="flopcast-bench-"))
        self.notes: list[str] = []
        self.machine = ""

    # -- helpers ------------------------------------------------------------------------------
    def time_it(self, key: str, draws: int, fn, label: str, note: str = "", repeats: int | None = None) -> float:
        times, out = [], None
        for i in range(repeats or self.args.repeats):
            out = None
            gc.collect()
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
            log(f"{label} draws={draws:,} run {i + 1}: {times[-1]:.3f} s")
        if out is not None:
            self.summ[(key, draws)] = out
        med = statistics.median(times)
        self.t[(key, draws)] = med
        self.rows.append(
            {
                "label": label,
                "draws": fmt_n(draws),
                "median": med,
                "runs": len(times),
                "spread": f"{min(times):.3g}-{max(times):.3g}",
                "ratio": "",
                "note": note,
                "key": (key, draws),
            }
        )
        return med

    def add_ratio(self, key: tuple, text: str) -> None:
        for row in self.rows:
            if row.get("key") == key:
                row["ratio"] = (row["ratio"] + "; " if row["ratio"] else "") + text

    def checked(self, ref_key: tuple, fc_summary: dict | None) -> bool:
        """Agreement of a reference with flopcast at the same size (recorded once, shown in the row)."""
        if ref_key not in self.agree:
            ref = self.summ.get(ref_key)
            if ref is None or fc_summary is None:
                self.agree[ref_key] = (False, "not checked: a summary is missing")
            else:
                self.agree[ref_key] = agreement(ref, fc_summary)
            self.add_ratio(ref_key, self.agree[ref_key][1])
        return self.agree[ref_key][0]

    def fc_summary(self, n: int) -> dict:
        if ("flopcast", n) not in self.summ:
            from flopcast import engine

            self.summ[("flopcast", n)] = flopcast_summary(engine.run(SCENARIO, draws=n, seed=1).summary)
        return self.summ[("flopcast", n)]

    def flopcast_cmd(self) -> list[str]:
        """The installed console script next to this interpreter."""
        script = Path(sys.executable).parent / "flopcast"
        return [str(script)] if script.exists() else [sys.executable, "-m", "flopcast"]

    # -- in-process sections ------------------------------------------------------------------
    def sec_flopcast(self):
        from flopcast import engine

        engine.run(SCENARIO, draws=10_000, seed=1)  # warm-up: imports, first TOML load
        note = f"engine default: {engine.default_workers()} worker threads"
        for n in self.args.sizes:
            self.time_it(
                "flopcast",
                n,
                lambda n=n: flopcast_summary(engine.run(SCENARIO, draws=n, seed=1).summary),
                "flopcast `engine.run` (sample + model + summary)",
                note,
            )
        n = max(self.args.sizes)
        self.time_it(
            "flopcast_w1",
            n,
            lambda: flopcast_summary(engine.run(SCENARIO, draws=n, seed=1, workers=1).summary),
            "flopcast `engine.run(..., workers=1)`",
            "one thread",
        )

    def sec_numpy(self):
        from bench.numpy_plappert import run as numpy_run

        numpy_run(10_000, 1)
        for n in self.args.sizes:
            self.time_it(
                "numpy",
                n,
                lambda n=n: numpy_run(n, 1),
                "numpy script (`bench/numpy_plappert.py`: chunks of 2^20, in place, one partition per output)",
            )

    def sec_squiggle(self):
        try:
            import squigglepy

            from bench.squiggle_plappert import run as sq_run
        except ImportError as exc:
            self.notes.append(f"squigglepy not importable ({exc}); section skipped")
            return
        sq_run(10_000, 1)
        for n in self.args.sizes:
            self.time_it(
                "squiggle",
                n,
                lambda n=n: sq_run(n, 1),
                f"squigglepy {squigglepy.__version__} (`sq.sample` once per prior, array equations)",
            )
        n = self.args.sq_function_draws
        med = self.time_it(
            "squiggle_fn",
            n,
            lambda: sq_run(n, 1, mode="function"),
            "squigglepy, `sq.sample(model_fn, n)` per-draw idiom",
            repeats=min(self.args.repeats, 3),
        )
        self.add_ratio(
            ("squiggle_fn", n), f"~{med * max(self.args.sizes) / n:.0f} s projected at {fmt_n(max(self.args.sizes))}"
        )

    def sec_floor(self):
        """Uniforms only, and numpy's own variates: lower bounds, no outputs (so no ratios)."""
        from bench.numpy_plappert import CHUNK, draw, load_priors

        uncertain, _ = load_priors()
        k = len(uncertain)

        def uniforms(n: int):
            rng, buf = np.random.default_rng(1), np.empty((min(CHUNK, n), k))
            for start in range(0, n, CHUNK):
                rng.random(out=buf[: min(CHUNK, n - start)])

        def variates(n: int):
            rng, buf = np.random.default_rng(1), np.empty(min(CHUNK, n))
            for start in range(0, n, CHUNK):
                for prior in uncertain.values():
                    draw(prior, rng, buf[: min(CHUNK, n - start)])

        for n in self.args.sizes:
            self.time_it("floor_u", n, lambda n=n: uniforms(n), f"floor: uniforms only ({k} columns, chunks of 2^20)")
            self.time_it(
                "floor_direct", n, lambda n=n: variates(n), "floor: numpy's variates only (standard_normal + beta)"
            )

    def sec_pymc(self):
        from bench.numpy_plappert import summarize
        from flopcast import engine

        n = self.args.pymc_draws
        t0 = time.perf_counter()
        try:
            import pymc as pm
            import pytensor.tensor as pt
        except ImportError as exc:
            self.notes.append(f"PyMC not importable ({exc}); section skipped")
            return
        import_s = time.perf_counter() - t0
        logging.getLogger("pymc").setLevel(logging.WARNING)
        from flopcast.models import sora

        def pymc_run(draws: int):
            plan = engine.plan_for(SCENARIO)
            with pm.Model():
                x = {}
                for name in plan.model.inputs:
                    if name in plan.dists:
                        x[name] = plan.dists[name].to_pymc(name)
                    else:  # fixed input or model default
                        x[name] = pt.as_tensor_variable(np.float64(plan.constants[name]))
                for name, expr in sora.evaluate(x).items():
                    pm.Deterministic(name, expr)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    idata = pm.sample_prior_predictive(draws=draws, random_seed=1)
            return {name: summarize(np.array(idata.prior[name].values.ravel())) for name in plan.model.outputs}

        t0 = time.perf_counter()
        pymc_run(100)
        first = time.perf_counter() - t0
        self.time_it(
            "pymc",
            n,
            lambda: pymc_run(n),
            f"PyMC {pm.__version__} `sample_prior_predictive` (to_pymc priors, sora.evaluate as Deterministic)",
            f"import pymc {import_s:.1f} s, first call incl. compile {first:.1f} s (not counted)",
        )
        if ("flopcast", n) not in self.t:
            self.time_it(
                "flopcast",
                n,
                lambda: flopcast_summary(engine.run(SCENARIO, draws=n, seed=1).summary),
                "flopcast `engine.run` (sample + model + summary)",
            )

    def sec_sobol(self):
        from flopcast import engine
        from flopcast.analyze import sensitivity

        n_run = 10**6
        if ("flopcast", n_run) not in self.t:
            engine.run(SCENARIO, draws=10_000, seed=1)
            self.time_it(
                "flopcast",
                n_run,
                lambda: flopcast_summary(engine.run(SCENARIO, draws=n_run, seed=1).summary),
                "flopcast `engine.run` (sample + model + summary)",
            )
        sensitivity.analyze(SCENARIO, "peak_fleet_h100", n=256, seed=1)  # warm-up: SALib import
        n = 2**14
        self.time_it(
            "sobol",
            n,
            lambda: sensitivity.analyze(SCENARIO, "peak_fleet_h100", n=n, seed=1) and None,
            "Sobol S1/ST, all 7 inputs (`sensitivity.analyze`, peak_fleet_h100)",
            f"N (k + 2) = {n * 9:,} model points",
        )

    log = staticmethod(log)

    # -- whole processes ----------------------------------------------------------------------
    from bench.sections import sec_equations, sec_process, sec_rss1e8, sec_startup  # noqa: E402  (methods, kept apart for size)

    # -- report -------------------------------------------------------------------------------
    def compute_ratios(self):
        for n in self.args.sizes:
            fc = self.summ.get(("flopcast", n))
            for ref, name in (("numpy", "numpy"), ("squiggle", "squigglepy")):
                if (ref, n) in self.t and ("flopcast", n) in self.t and self.checked((ref, n), fc):
                    self.add_ratio(("flopcast", n), f"{self.t[('flopcast', n)] / self.t[(ref, n)]:.2f}x {name}")
                    if ("flopcast_w1", n) in self.t:
                        self.add_ratio(
                            ("flopcast_w1", n), f"{self.t[('flopcast_w1', n)] / self.t[(ref, n)]:.2f}x {name}"
                        )
        n = self.args.pymc_draws
        if ("pymc", n) in self.t and self.checked(("pymc", n), self.summ.get(("flopcast", n))):
            r = self.t[("pymc", n)] / self.t[("flopcast", n)]
            self.add_ratio(("pymc", n), f"{r:.1f}x flopcast")
        if ("sobol", 2**14) in self.t and ("flopcast", 10**6) in self.t:
            r = self.t[("sobol", 2**14)] / self.t[("flopcast", 10**6)]
            self.add_ratio(("sobol", 2**14), f"{r:.1f}x one 1e6 run")
            self.targets["sobol_vs_run"] = (r, f"{r:.1f}x")
        for key, tkey in (("start_help", "help"), ("start_scenarios", "scenarios")):
            v = self.t.get((key, 0))
            self.targets[tkey] = (v, f"{v:.2f} s" if v is not None else "not run")

    def report(self) -> str:
        self.compute_ratios()
        a = self.args
        lines = [
            f"### flopcast benchmark (issue 13): `{SCENARIO}`, seed 1",
            "",
            f"Machine: {self.machine}",
            "",
            f"In-process rows: median of {a.repeats} runs (warmed up). Whole-process rows: {a.repeats} paired "
            "repeats under `/usr/bin/time -v`; ratios are medians of per-pair ratios and are printed only when "
            "the reference's p05/p50/p95 agree with flopcast's within 4 combined MCSE.",
            "",
            "| benchmark | draws | median s | runs | min-max s | ratio / check | note |",
            "|---|---:|---:|---:|---:|---|---|",
        ]
        for row in self.rows:
            lines.append(
                f"| {row['label']} | {row['draws']} | {fmt_s(row['median'])} | {row['runs']} | "
                f"{row['spread']} | {row['ratio']} | {row['note']} |"
            )
        lines += ["", "| target | measured | threshold | met |", "|---|---:|---:|:---:|"]
        for key, (desc, thr, op) in TARGETS.items():
            value, text = self.targets.get(key, (None, "not run"))
            met = "-" if value is None else ("yes" if (value <= thr if op == "<=" else value >= thr) else "**no**")
            lines.append(f"| {desc} | {text} | {op} {thr:g} | {met} |")
        if self.notes:
            lines += ["", "Notes:"] + [f"- {n}" for n in self.notes]
        return "\n".join(lines)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="flopcast benchmark (issue 13)")
    ap.add_argument("--quick", action="store_true", help="sizes 1e5/1e6, 2 repeats, process at 1e6, no 1e8")
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        help=f"run only these sections: {', '.join(SECTIONS)} (repeatable or comma-separated)",
    )
    ap.add_argument("--repeats", type=int, default=None, help="runs per measurement (default 5; --quick 2)")
    ap.add_argument(
        "--process-sizes",
        default=None,
        help="comma-separated draws for the paired whole-process runs (default 1e6,1e7; --quick 1e6)",
    )
    ap.add_argument("--skip-1e8", action="store_true", help="skip the 1e8-draw peak-RSS run")
    ap.add_argument("--timeout-1e8", type=float, default=900.0, help="seconds before the 1e8 run is killed")
    ap.add_argument(
        "--rss-cap-gb",
        type=float,
        default=None,
        help="address-space cap (GiB) for the 1e8 run (default: MemAvailable - 4 GiB)",
    )
    ap.add_argument(
        "--pymc-draws", type=int, default=None, help="PyMC prior-predictive draws (default 1e5; --quick 1e4)"
    )
    ap.add_argument("--process-timeout", type=float, default=600.0)
    args = ap.parse_args(argv)
    only = {s.strip() for item in args.only for s in item.split(",") if s.strip()}
    bad = only - set(SECTIONS)
    if bad:
        ap.error(f"unknown section(s) {', '.join(sorted(bad))}; choose from {', '.join(SECTIONS)}")
    args.sections = [s for s in SECTIONS if not only or s in only]
    q = args.quick
    args.repeats = args.repeats or (2 if q else 5)
    args.sizes = [10**5, 10**6] if q else [10**6, 10**7]
    try:
        args.process_sizes = (
            [int(float(s)) for s in args.process_sizes.split(",")]
            if args.process_sizes
            else ([10**6] if q else [10**6, 10**7])
        )
    except ValueError:
        ap.error("--process-sizes: comma-separated integers, e.g. 1000000,10000000")
    args.pymc_draws = args.pymc_draws or (10**4 if q else 10**5)
    args.sq_function_draws = 10**3 if q else 10**4
    args.startup_runs = 3 if q else 5
    args.rss_draws = 10**8
    if q and "rss1e8" not in only:
        args.skip_1e8 = True
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    os.chdir(REPO)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    bench = Bench(args)
    bench.machine = machine_line()
    log(f"sections: {', '.join(args.sections)}; repeats {args.repeats}; temp folder {bench.tmp}")
    t0 = time.perf_counter()
    try:
        for name in args.sections:
            log(f"--- {name}")
            try:
                getattr(bench, f"sec_{name}")()
            except Exception as exc:  # noqa: BLE001 - one failing section should not lose the others
                bench.notes.append(f"section {name} failed: {type(exc).__name__}: {exc}")
                log(f"section {name} failed: {exc!r}")
    finally:
        shutil.rmtree(bench.tmp, ignore_errors=True)
    print(bench.report())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n(total benchmark time {time.perf_counter() - t0:.0f} s; load average at the end {load:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
