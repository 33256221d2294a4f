"""Benchmark of GitHub issue 7: flopcast against hand-written numpy, the sampling floor, squigglepy and
PyMC on plappert-2024; Sobol cost; whole-process and start-up times; peak memory of 1e8 draws.

    python -m bench.run                  # full: about 5-6 minutes on 2 idle cores, 1e8 run included
    python -m bench.run --quick          # smaller sizes, 2 repeats, no 1e8 attempt
    python -m bench.run --only flopcast --only numpy
    python -m bench.run --skip-1e8 --timeout-1e8 300

Sections (names for --only): flopcast, numpy, floor, squiggle, pymc, sobol, process, startup, rss1e8.
In-process timings run in this one process (each approach warmed up once on a small size first, so
imports and first-call setup are not counted); every time is the median over --repeats runs.
Whole-process timings, start-up and the 1e8 run are subprocesses (``/usr/bin/time -v`` for peak RSS
when present). Everything written goes to a temporary folder that is deleted at the end.
Prints Markdown (tables to paste into the README) on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
SCENARIO = "plappert-2024"
SECTIONS = ("flopcast", "numpy", "floor", "squiggle", "pymc", "sobol", "process", "startup", "rss1e8")
GiB = 1024**3

TARGETS = {  # name: (description, threshold, direction)
    "inproc_vs_numpy": ("in-process flopcast / hand-written numpy at {big}", 1.5, "<="),
    "inproc_vs_floor": ("in-process flopcast / sampling floor (uniforms + inverse CDFs) at {big}", 2.0, "<="),
    "process_vs_numpy": ("whole process: flopcast run / numpy script at {proc}", 2.0, "<="),
    "squiggle_vs_process": ("whole process: squigglepy script / flopcast run at {proc}", 3.0, ">="),
    "pymc_vs_flopcast": ("PyMC prior predictive / flopcast at {pymc}", 20.0, ">="),
    "help": ("`flopcast --help` (s)", 1.0, "<="),
    "scenarios": ("`flopcast scenarios` (s)", 1.0, "<="),
    "sobol_vs_run": ("Sobol S1/ST at N=2^14 / one 1e6 run", 5.0, "<="),
    "rss_1e8": ("peak RSS of a 1e8-draw run (GB)", 1.5, "<="),
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fmt_n(n: int) -> str:
    e = int(round(np.log10(n)))
    return f"1e{e}" if 10**e == n else (f"2^{int(np.log2(n))}" if 2 ** int(np.log2(n)) == n else f"{n:,}")


def fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s:.3f}" if s < 10 else f"{s:.1f}"


class Bench:
    def __init__(self, args):
        self.args = args
        self.rows: list[dict] = []  # one Markdown row each
        self.t: dict[tuple, float] = {}  # (key, draws) -> median seconds
        self.targets: dict[str, tuple[float | None, str]] = {}  # name -> (value, note)
        self.tmp = Path(tempfile.mkdtemp(prefix="flopcast-bench-"))
        self.notes: list[str] = []

    # -- helpers ------------------------------------------------------------------------------
    def time_it(self, key: str, draws: int, fn, repeats: int, label: str, note: str = "") -> float:
        times = []
        for i in range(repeats):
            gc.collect()
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
            del out
            log(f"{label} draws={draws:,} run {i + 1}/{repeats}: {times[-1]:.3f} s")
        gc.collect()
        med = statistics.median(times)
        self.t[(key, draws)] = med
        self.rows.append({"label": label, "draws": fmt_n(draws), "median": med, "runs": repeats,
                          "spread": f"{min(times):.3g}-{max(times):.3g}", "ratio": "", "note": note, "key": (key, draws)})
        return med

    def set_ratio(self, key: tuple, text: str) -> None:
        for row in self.rows:
            if row.get("key") == key:
                row["ratio"] = (row["ratio"] + "; " if row["ratio"] else "") + text

    def ratio(self, a: tuple, b: tuple) -> float | None:
        if a in self.t and b in self.t and self.t[b] > 0:
            return self.t[a] / self.t[b]
        return None

    def flopcast_cmd(self) -> list[str]:
        """The installed console script itself (next to this interpreter), not a pyenv shim."""
        script = Path(sys.executable).parent / "flopcast"
        if script.exists():
            return [str(script)]
        found = shutil.which("flopcast")
        return [found] if found else [sys.executable, "-m", "flopcast"]

    def measure(self, cmd: list[str], timeout: float | None = None, as_limit: int | None = None) -> dict:
        """Run ``cmd`` in a fresh session (cwd: the temp folder); wall time, peak RSS (kB), exit status."""
        time_bin = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
        if time_bin:
            full = [time_bin, "-v", *cmd]
        else:  # fallback: a helper process reports its children's peak RSS
            helper = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
                      "sys.stderr.write('\\nMaximum resident set size (kbytes): %d\\n' % "
                      "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)")
            full = [sys.executable, "-c", helper, *cmd]

        def limit():
            if as_limit:
                resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))

        t0 = time.perf_counter()
        proc = subprocess.Popen(full, cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, preexec_fn=limit, text=True)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)  # the session we started: time -v and its child
            out, err = proc.communicate()
        wall = time.perf_counter() - t0
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err or "")
        status = re.search(r"Exit status: (\d+)", err or "")
        rc = int(status.group(1)) if status else proc.returncode
        return {"wall": wall, "rss_kb": int(m.group(1)) if m else None, "rc": rc, "timed_out": timed_out,
                "stdout": out, "stderr": err}

    # -- sections -----------------------------------------------------------------------------
    def sec_flopcast(self):
        from flopcast import engine

        engine.run(SCENARIO, draws=10_000, seed=1)  # warm-up: imports, first TOML load
        import inspect

        threaded = "workers" in inspect.signature(engine.run).parameters
        note = f"engine default: {engine.default_workers()} worker threads" if threaded else ""
        for n in self.args.sizes:
            self.time_it("flopcast", n, lambda n=n: engine.run(SCENARIO, draws=n, seed=1), self.args.repeats,
                         "flopcast `engine.run` (sample + model + summary)", note)
        if threaded:  # single-threaded, like every other row
            n = max(self.args.sizes)
            self.time_it("flopcast_w1", n, lambda: engine.run(SCENARIO, draws=n, seed=1, workers=1),
                         self.args.repeats, "flopcast `engine.run(..., workers=1)`", "one thread")

    def sec_numpy(self):
        from bench.numpy_plappert import run as numpy_run

        numpy_run(10_000, 1)
        for n in self.args.sizes:
            self.time_it("numpy", n, lambda n=n: numpy_run(n, 1), self.args.repeats,
                         "hand-written numpy (`bench/numpy_plappert.py`, rng.standard_normal + rng.beta)")
        n = self.args.ppf_draws
        self.time_it("numpy_ppf", n, lambda: numpy_run(n, 1, sampler="ppf"), self.args.repeats,
                     "hand-written numpy, exact inverse CDFs (ndtri, betaincinv)",
                     "flopcast's unit-cube design without PINV")

    def sec_floor(self):
        from flopcast import engine
        from flopcast.engine import DEFAULT_CHUNK

        plan = engine.plan_for(SCENARIO)
        dists = [plan.dists[name] for name in plan.uncertain]
        k = len(dists)

        def floor(n: int, ppf: bool):
            rng = np.random.default_rng(1)
            for start in range(0, n, DEFAULT_CHUNK):
                u = rng.random((min(DEFAULT_CHUNK, n - start), k))
                u += 2.0**-54
                if ppf:
                    for j, d in enumerate(dists):
                        d.sample_ppf(u[:, j])

        from bench.numpy_plappert import load_priors, sample

        uncertain, _ = load_priors()

        def direct(n: int):
            return sample(uncertain, n, np.random.default_rng(1))

        floor(10_000, True)
        for n in self.args.sizes:
            self.time_it("floor_u", n, lambda n=n: floor(n, False), self.args.repeats,
                         f"sampling floor: uniforms only (rng.random, {k} columns, engine's chunks)")
            self.time_it("floor_ppf", n, lambda n=n: floor(n, True), self.args.repeats,
                         "sampling floor: uniforms + flopcast inverse CDFs (`sample_ppf`, PINV for beta/PERT)")
            self.time_it("floor_direct", n, lambda n=n: direct(n), self.args.repeats,
                         "numpy's own variates only (standard_normal + beta)")

    def sec_squiggle(self):
        try:
            from bench.squiggle_plappert import run as sq_run
        except ImportError as exc:
            self.notes.append(f"squigglepy not importable ({exc}); section skipped")
            return
        import squigglepy

        sq_run(10_000, 1)
        for n in self.args.sizes:
            if n == max(self.args.sizes) and ("squiggle", min(self.args.sizes)) in self.t:
                projected = self.t[("squiggle", min(self.args.sizes))] * n / min(self.args.sizes) * self.args.repeats
                if projected > self.args.squiggle_budget:
                    self.notes.append(f"squigglepy at {fmt_n(n)} skipped: projected {projected:.0f} s > budget")
                    continue
            self.time_it("squiggle", n, lambda n=n: sq_run(n, 1), self.args.repeats,
                         f"squigglepy {squigglepy.__version__} (sq.sample per prior, array equations)")
        n = self.args.sq_function_draws
        med = self.time_it("squiggle_fn", n, lambda: sq_run(n, 1, mode="function"), min(self.args.repeats, 3),
                           "squigglepy, `sq.sample(model_fn, n)` per-draw idiom")
        big = max(self.args.sizes)
        self.set_ratio(("squiggle_fn", n), f"~{med * big / n:.0f} s projected at {fmt_n(big)}")

    def sec_pymc(self):
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
        from flopcast import models.sora as sora

        def pymc_run(draws: int):
            plan = engine.plan_for(SCENARIO)
            with pm.Model():
                x = {}
                for name in plan.model.inputs:
                    if name in plan.dists:
                        x[name] = plan.dists[name].to_pymc(name)
                    elif name in plan.scenario.priors:
                        x[name] = plan.scenario.priors[name].dist.to_pymc(name)
                    else:  # model default (no prior object)
                        x[name] = pt.as_tensor_variable(np.float64(plan.constants[name]))
                for name, expr in sora.evaluate(x).items():
                    pm.Deterministic(name, expr)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    idata = pm.sample_prior_predictive(draws=draws, random_seed=1)
            out = {}
            for name in plan.model.outputs:
                v = idata.prior[name].values.ravel()
                out[name] = (v.mean(), *np.quantile(v, (0.05, 0.5, 0.95)))
            return out

        t0 = time.perf_counter()
        pymc_run(100)
        first = time.perf_counter() - t0
        self.time_it("pymc", n, lambda: pymc_run(n), self.args.repeats,
                     f"PyMC {pm.__version__} `sample_prior_predictive` (to_pymc priors, sora.evaluate as Deterministic)",
                     f"import pymc {import_s:.1f} s, first call incl. compile {first:.1f} s (not counted)")
        if ("flopcast", n) not in self.t:
            engine.run(SCENARIO, draws=10_000, seed=1)
            self.time_it("flopcast", n, lambda: engine.run(SCENARIO, draws=n, seed=1), self.args.repeats,
                         "flopcast `engine.run` (sample + model + summary)")

    def sec_sobol(self):
        from flopcast import engine
        from flopcast.analyze import sensitivity

        n_run = 10**6
        if ("flopcast", n_run) not in self.t:
            engine.run(SCENARIO, draws=10_000, seed=1)
            self.time_it("flopcast", n_run, lambda: engine.run(SCENARIO, draws=n_run, seed=1), self.args.repeats,
                         "flopcast `engine.run` (sample + model + summary)")
        sensitivity.analyze(SCENARIO, "peak_fleet_h100", n=256, seed=1)  # warm-up: SALib import
        n = 2**14
        self.time_it("sobol", n, lambda: sensitivity.analyze(SCENARIO, "peak_fleet_h100", n=n, seed=1),
                     self.args.repeats, "Sobol S1/ST, all 7 inputs (`sensitivity.analyze`, peak_fleet_h100)",
                     f"N (k + 2) = {n * 9:,} model points; incl. tornado and 20k-draw Spearman")

    def sec_process(self):
        n = self.args.process_draws
        fc = self.flopcast_cmd()
        cmds = {
            "proc_flopcast": (None, f"whole process: `flopcast run {SCENARIO} --draws {n} --no-report --seed 1 --out <fresh tmp>`"),
            "proc_numpy": ([sys.executable, str(BENCH / "numpy_plappert.py"), "--draws", str(n)],
                           f"whole process: `python bench/numpy_plappert.py --draws {n}`"),
            "proc_squiggle": ([sys.executable, str(BENCH / "squiggle_plappert.py"), "--draws", str(n)],
                              f"whole process: `python bench/squiggle_plappert.py --draws {n}`"),
        }
        for key, (cmd, label) in cmds.items():
            walls, rss, rcs = [], [], []
            for i in range(self.args.repeats):
                if key == "proc_flopcast":
                    out = self.tmp / f"run-{i}"
                    cmd = [*fc, "run", SCENARIO, "--draws", str(n), "--no-report", "--seed", "1", "--out", str(out)]
                gc.collect()
                r = self.measure(cmd, timeout=self.args.process_timeout)
                walls.append(r["wall"])
                rss.append(r["rss_kb"] or 0)
                rcs.append(r["rc"])
                log(f"{key} run {i + 1}: {r['wall']:.2f} s, rc={r['rc']}, maxrss={(r['rss_kb'] or 0) / 1e6:.2f} GB")
                if key == "proc_flopcast":
                    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) if out.exists() else 0
                    shutil.rmtree(out, ignore_errors=True)
                if r["rc"] != 0 or r["timed_out"]:
                    self.notes.append(f"{key}: exit {r['rc']} timed_out={r['timed_out']}: {r['stderr'][-300:]}")
                    break
            med = statistics.median(walls)
            self.t[(key, n)] = med
            note = f"peak RSS {max(rss) / 1e6:.2f} GB"
            if key == "proc_flopcast":
                note += f"; writes samples.nc etc. ({size / 1e9:.2f} GB)"
            self.rows.append({"label": label, "draws": fmt_n(n), "median": med, "runs": len(walls),
                              "spread": f"{min(walls):.3g}-{max(walls):.3g}", "ratio": "", "note": note, "key": (key, n)})

    def sec_startup(self):
        fc = self.flopcast_cmd()
        runs = self.args.startup_runs
        cmds = [
            ("start_python", [sys.executable, "-c", "pass"], "start-up: `python -c pass` (interpreter alone)"),
            ("start_help", [*fc, "--help"], "start-up: `flopcast --help`"),
            ("start_scenarios", [*fc, "scenarios"], "start-up: `flopcast scenarios`"),
        ]
        on_path = shutil.which("flopcast")
        if on_path and Path(on_path).resolve() != Path(fc[0]).resolve():
            cmds.append(("start_help_path", [on_path, "--help"], f"start-up: `flopcast --help` via PATH ({on_path})"))
        for key, cmd, label in cmds:
            self.measure(cmd)  # warm the page cache / .pyc
            walls = []
            for _ in range(runs):
                r = self.measure(cmd, timeout=120)
                walls.append(r["wall"])
            med = statistics.median(walls)
            log(f"{key}: median {med:.3f} s of {runs}")
            self.t[(key, 0)] = med
            self.rows.append({"label": label, "draws": "-", "median": med, "runs": runs,
                              "spread": f"{min(walls):.3g}-{max(walls):.3g}", "ratio": "", "note": "", "key": (key, 0)})

    def sec_rss1e8(self):
        n = self.args.rss_draws
        label = f"peak RSS: `flopcast run {SCENARIO} --draws {n} --no-report --seed 1 --json --out <tmp>`"
        if self.args.skip_1e8:
            self.notes.append(f"{fmt_n(n)}-draw run skipped (--skip-1e8)")
            self.targets["rss_1e8"] = (None, "skipped (--skip-1e8)")
            return
        avail = _meminfo("MemAvailable")
        cap = int(self.args.rss_cap_gb * GiB) if self.args.rss_cap_gb else int(max(avail - 4 * GiB, 0))
        if cap < 4 * GiB:
            self.notes.append(f"{fmt_n(n)} run skipped: only {avail / GiB:.1f} GiB available")
            self.targets["rss_1e8"] = (None, "skipped (memory)")
            return
        free = shutil.disk_usage(self.tmp).free
        need = n * 17 * 8 * 1.1  # samples.nc holds 7 inputs + 10 outputs as float64
        if free < need + 5 * GiB:
            self.notes.append(f"{fmt_n(n)} run skipped: {free / GiB:.0f} GiB free disk, samples.nc needs ~{need / GiB:.0f} GiB")
            self.targets["rss_1e8"] = (None, "skipped (disk)")
            return
        out = self.tmp / "run-1e8"
        cmd = [*self.flopcast_cmd(), "run", SCENARIO, "--draws", str(n), "--no-report", "--seed", "1", "--json",
               "--out", str(out)]
        log(f"{fmt_n(n)} run: address-space cap {cap / GiB:.1f} GiB, timeout {self.args.timeout_1e8:.0f} s")
        r = self.measure(cmd, timeout=self.args.timeout_1e8, as_limit=cap)
        shutil.rmtree(out, ignore_errors=True)
        rss_gb = r["rss_kb"] / 1e6 if r["rss_kb"] else None
        if r["timed_out"]:
            what = f"killed after the {self.args.timeout_1e8:.0f} s timeout (no RSS reading)"
        elif r["rc"] != 0:
            tail = (r["stderr"] or "").strip().splitlines()
            reason = next((ln for ln in reversed(tail) if "Error" in ln or "error" in ln), tail[-1] if tail else "")
            what = f"failed, exit {r['rc']}: {reason.strip()[:160]}"
        else:
            what = "completed"
        what += f" (RLIMIT_AS cap {cap / GiB:.1f} GiB)"
        log(f"{fmt_n(n)} run: {what}, wall {r['wall']:.1f} s, maxrss {rss_gb}")
        try:
            from flopcast import engine

            above = getattr(engine, "STREAM_ABOVE", None)
            if above is not None:
                what += f"; the engine streams summaries above {above:,} draws"
        except Exception:  # noqa: BLE001 - informational only
            pass
        self.rows.append({"label": label, "draws": fmt_n(n), "median": r["wall"], "runs": 1, "spread": "-",
                          "ratio": f"peak RSS {rss_gb:.2f} GB" if rss_gb else "", "note": what, "key": ("rss1e8", n)})
        ok = r["rc"] == 0 and not r["timed_out"]
        self.targets["rss_1e8"] = (rss_gb if ok else None,
                                   f"{rss_gb:.2f} GB" if ok else f"not measured: {what}" + (f"; RSS when it stopped {rss_gb:.2f} GB" if rss_gb else ""))

    # -- report -------------------------------------------------------------------------------
    def compute_ratios(self):
        big = max(self.args.sizes)
        for n in self.args.sizes:
            for other, name in (("numpy", "numpy"), ("floor_ppf", "floor u+ICDF"), ("floor_u", "floor u"),
                                ("squiggle", "squigglepy")):
                r = self.ratio(("flopcast", n), (other, n))
                if r is not None:
                    self.set_ratio(("flopcast", n), f"{r:.2f}x {name}")
        n = self.args.ppf_draws
        r = self.ratio(("numpy_ppf", n), ("flopcast", n))
        if r is not None:
            self.set_ratio(("numpy_ppf", n), f"{r:.1f}x flopcast")
        n = self.args.pymc_draws
        r = self.ratio(("pymc", n), ("flopcast", n))
        if r is not None:
            self.set_ratio(("pymc", n), f"{r:.1f}x flopcast")
        big = max(self.args.sizes)
        if ("pymc", n) in self.t and ("flopcast", big) in self.t:
            per = (self.t[("pymc", n)] / n) / (self.t[("flopcast", big)] / big)
            self.set_ratio(("pymc", n), f"per draw {per:.0f}x flopcast at {fmt_n(big)}")
        self.targets["pymc_vs_flopcast"] = (r, f"{r:.1f}x" if r else "not run")
        r = self.ratio(("sobol", 2**14), ("flopcast", 10**6))
        if r is not None:
            self.set_ratio(("sobol", 2**14), f"{r:.1f}x one 1e6 run")
        self.targets["sobol_vs_run"] = (r, f"{r:.1f}x" if r else "not run")
        for n in self.args.sizes:
            for other, name in (("numpy", "numpy"), ("floor_ppf", "floor u+ICDF")):
                r = self.ratio(("flopcast_w1", n), (other, n))
                if r is not None:
                    self.set_ratio(("flopcast_w1", n), f"{r:.2f}x {name}")
        for key, name in (("inproc_vs_numpy", "numpy"), ("inproc_vs_floor", "floor_ppf")):
            r = self.ratio(("flopcast", big), (name, big))
            r1 = self.ratio(("flopcast_w1", big), (name, big))
            text = (f"{r:.2f}x" if r else "not run") + (f" ({r1:.2f}x with workers=1)" if r1 else "")
            self.targets[key] = (r, text)
        p = self.args.process_draws
        r1 = self.ratio(("proc_flopcast", p), ("proc_numpy", p))
        r2 = self.ratio(("proc_squiggle", p), ("proc_flopcast", p))
        if r1 is not None:
            self.set_ratio(("proc_flopcast", p), f"{r1:.2f}x numpy script")
        if r2 is not None:
            self.set_ratio(("proc_squiggle", p), f"{r2:.2f}x flopcast (i.e. flopcast {1 / r2:.2f}x its time)")
        self.targets["process_vs_numpy"] = (r1, f"{r1:.2f}x" if r1 else "not run")
        self.targets["squiggle_vs_process"] = (r2, f"{r2:.2f}x" if r2 else "not run")
        for key, tkey in (("start_help", "help"), ("start_scenarios", "scenarios")):
            v = self.t.get((key, 0))
            self.targets[tkey] = (v, f"{v:.2f} s" if v is not None else "not run")

    def report(self) -> str:
        self.compute_ratios()
        a = self.args
        lines = [f"### flopcast benchmark (issue 7): `{SCENARIO}`, seed 1", "", f"Machine: {getattr(self, 'machine', None) or machine_line()}", "",
                 f"In-process rows: median of {a.repeats} runs in one Python process (each warmed up once on a small "
                 f"size first); whole-process rows: median of {a.repeats} runs (start-up: {a.startup_runs}).", "",
                 "| benchmark | draws | median s | runs | min-max s | ratio | note |",
                 "|---|---:|---:|---:|---:|---|---|"]
        for row in self.rows:
            lines.append(f"| {row['label']} | {row['draws']} | {fmt_s(row['median'])} | {row['runs']} | "
                         f"{row['spread']} | {row['ratio']} | {row['note']} |")
        lines += ["", "| target | measured | threshold | met |", "|---|---:|---:|:---:|"]
        fill = {"big": fmt_n(max(a.sizes)), "proc": fmt_n(a.process_draws), "pymc": fmt_n(a.pymc_draws)}
        for key, (desc, thr, op) in TARGETS.items():
            value, text = self.targets.get(key, (None, "not run"))
            met = "-" if value is None else ("yes" if (value <= thr if op == "<=" else value >= thr) else "**no**")
            lines.append(f"| {desc.format(**fill)} | {text} | {op} {thr:g} | {met} |")
        if self.notes:
            lines += ["", "Notes:"] + [f"- {n}" for n in self.notes]
        return "\n".join(lines)


def _meminfo(field: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    from importlib import metadata

    for dist in ("scipy", "squigglepy", "pymc", "SALib"):  # metadata only: importing pymc here would skew its timing
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
            f"{_meminfo('MemTotal') / GiB:.1f} GiB RAM, {platform.system()} {platform.release()}; "
            f"{', '.join(versions)}; load average at start {load:.2f}"
            + ("; PYTHONDONTWRITEBYTECODE=1 (no .pyc for the repo's modules)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""))


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="flopcast benchmark (GitHub issue 7)")
    ap.add_argument("--quick", action="store_true", help="sizes 1e5/1e6, 2 repeats, process at 1e6, no 1e8")
    ap.add_argument("--only", action="append", default=[], help=f"run only these sections: {', '.join(SECTIONS)} "
                    "(repeatable or comma-separated)")
    ap.add_argument("--repeats", type=int, default=None, help="runs per measurement (default 3; --quick 2)")
    ap.add_argument("--skip-1e8", action="store_true", help="skip the 1e8-draw peak-RSS run")
    ap.add_argument("--timeout-1e8", type=float, default=900.0, help="seconds before the 1e8 run is killed")
    ap.add_argument("--rss-cap-gb", type=float, default=None,
                    help="address-space cap (GiB) for the 1e8 run (default: MemAvailable - 4 GiB)")
    ap.add_argument("--pymc-draws", type=int, default=None, help="PyMC prior-predictive draws (default 1e5; --quick 1e4)")
    ap.add_argument("--squiggle-budget", type=float, default=240.0,
                    help="skip squigglepy at the largest size if its projected total exceeds this many seconds")
    args = ap.parse_args(argv)
    only = {s.strip() for item in args.only for s in item.split(",") if s.strip()}
    bad = only - set(SECTIONS)
    if bad:
        ap.error(f"unknown section(s) {', '.join(sorted(bad))}; choose from {', '.join(SECTIONS)}")
    args.sections = [s for s in SECTIONS if not only or s in only]
    q = args.quick
    args.repeats = args.repeats or (2 if q else 3)
    args.sizes = [10**5, 10**6] if q else [10**6, 10**7]
    args.process_draws = 10**6 if q else 10**7
    args.ppf_draws = 10**5 if q else 10**6
    args.pymc_draws = args.pymc_draws or (10**4 if q else 10**5)
    args.sq_function_draws = 10**3 if q else 10**4
    args.startup_runs = 3 if q else 5
    args.rss_draws = 10**8
    args.process_timeout = 600.0
    if q and "rss1e8" in args.sections and "rss1e8" not in only:
        args.skip_1e8 = True
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    os.chdir(REPO)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    bench = Bench(args)
    bench.machine = machine_line()  # load average as the benchmark starts
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
