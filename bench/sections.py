"""Whole-process sections of ``bench.run`` (methods of its ``Bench``; kept apart for size):
paired runs of flopcast and the reference scripts, start-up, and the 1e8-draw memory run."""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from pathlib import Path

from bench.measure import GiB, agreement, measure, meminfo, summary_json

SCENARIO = "plappert-2024"
BENCH = Path(__file__).resolve().parent


def _fmt_n(n: int) -> str:
    from bench.run import fmt_n

    return fmt_n(n)


def _commands(self, n: int, rep: int) -> dict[str, tuple[list[str], Path | None]]:
    fc = self.flopcast_cmd()
    out = self.tmp / f"run-{n}-{rep}"
    cmds = {
        "flopcast": ([*fc, "run", SCENARIO, "--draws", str(n), "--no-report", "--seed", "1", "--out", str(out)], out),
        "numpy": ([sys.executable, str(BENCH / "numpy_plappert.py"), "--draws", str(n), "--seed", "1", "--json"], None),
        "squiggle": (
            [sys.executable, str(BENCH / "squiggle_plappert.py"), "--draws", str(n), "--seed", "1", "--json"],
            None,
        ),
        # like for like with the scripts, which keep no draws: the same run without samples.nc
        "flopcast_nosamples": (
            [
                *fc,
                "run",
                SCENARIO,
                "--draws",
                str(n),
                "--no-report",
                "--samples",
                "none",
                "--seed",
                "1",
                "--out",
                str(out) + "-ns",
            ],
            Path(str(out) + "-ns"),
        ),
    }
    if n == 10**6:  # the default run with its full report, against the numpy script at 1e6
        rout = self.tmp / f"report-{rep}"
        cmds["flopcast_report"] = ([*fc, "run", SCENARIO, "--seed", "1", "--out", str(rout)], rout)
    return cmds


def _measure_summary(self, key: str, n: int, cmd: list[str], folder: Path | None) -> dict | None:
    """One whole-process run and the summary it computed (its folder's summary.json, removed after, or
    its --json stdout); None, with a note, when it failed."""
    r = measure(cmd, self.tmp, timeout=self.args.process_timeout)
    if r["rc"] != 0 or r["timed_out"]:
        self.notes.append(f"{key} at {_fmt_n(n)}: exit {r['rc']} timed_out={r['timed_out']}: {r['stderr'][-300:]}")
        return None
    if folder is not None:
        r["summary"] = summary_json(folder / "summary.json")
        shutil.rmtree(folder, ignore_errors=True)
    else:
        r["summary"] = json.loads(r["stdout"])["outputs"]
    return r


def sec_process(self):
    """Paired whole-process runs: every repeat runs each command once, order rotated."""
    import importlib.util

    have_sq = importlib.util.find_spec("squigglepy") is not None
    for n in self.args.process_sizes:
        runs: dict[str, list[dict]] = {}
        for rep in range(self.args.repeats):
            cmds = _commands(self, n, rep)
            if not have_sq:
                cmds.pop("squiggle")
            order = list(cmds)
            order = order[rep % len(order) :] + order[: rep % len(order)]
            for key in order:
                r = _measure_summary(self, key, n, *cmds[key])
                if r is None:
                    continue
                runs.setdefault(key, []).append(r)
                self.log(
                    f"{key} {_fmt_n(n)} rep {rep + 1}: {r['wall']:.2f} s wall, {r['cpu']:.2f} CPU-s, "
                    f"{(r['rss_kb'] or 0) / 1e6:.2f} GB"
                )
        _process_rows(self, n, runs)


def _process_rows(self, n: int, runs: dict[str, list[dict]]) -> None:
    labels = {
        "flopcast": f"whole process: `flopcast run {SCENARIO} --draws {n} --no-report --seed 1 --out <tmp>`",
        "numpy": f"whole process: `python bench/numpy_plappert.py --draws {n}`",
        "squiggle": f"whole process: `python bench/squiggle_plappert.py --draws {n}`",
        "flopcast_report": f"whole process: default `flopcast run {SCENARIO} --seed 1 --out <tmp>` (200k draws, full report)",
        "flopcast_nosamples": f"whole process: `flopcast run {SCENARIO} --draws {n} --no-report --samples none` (no samples.nc)",
    }
    fc = runs.get("flopcast")
    fc_summary = fc[0]["summary"] if fc else None
    checks = {}
    for key in ("numpy", "squiggle"):
        if key in runs and fc_summary is not None:
            checks[key] = agreement(runs[key][0]["summary"], fc_summary)

    def med(key, field):
        return statistics.median(r[field] for r in runs[key])

    def paired(a: str, b: str, field: str) -> float:
        """Median over repeats of a[i] / b[i] (the i-th runs were back to back)."""
        return statistics.median(x[field] / y[field] for x, y in zip(runs[a], runs[b]))

    for key, rs in runs.items():
        walls = [r["wall"] for r in rs]
        ratio, note = "", f"CPU {med(key, 'cpu'):.2f} s, peak RSS {max(r['rss_kb'] for r in rs) / 1e6:.2f} GB"
        if key in checks:
            ok, text = checks[key]
            ratio = text
            if ok and fc:
                ratio += (
                    f"; flopcast / this: wall {paired('flopcast', key, 'wall'):.2f}x, "
                    f"CPU {paired('flopcast', key, 'cpu'):.2f}x, RSS {paired('flopcast', key, 'rss_kb'):.2f}x"
                )
        if key == "flopcast_nosamples" and fc and "squiggle" in runs and checks.get("squiggle", (False,))[0]:
            ratio = (
                f"squigglepy / this: {paired('squiggle', key, 'wall'):.2f}x wall; "
                f"this / numpy script: {paired(key, 'numpy', 'wall'):.2f}x wall"
                if "numpy" in runs
                else ""
            )
        if key == "flopcast_report" and "numpy" in runs and checks.get("numpy", (False,))[0]:
            ok, text = agreement(runs["numpy"][0]["summary"], rs[0]["summary"])
            ratio = text + (f"; / numpy script at {_fmt_n(n)}: {paired(key, 'numpy', 'wall'):.2f}x wall" if ok else "")
        self.rows.append(
            {
                "label": labels[key],
                "draws": _fmt_n(n),
                "median": statistics.median(walls),
                "runs": len(rs),
                "spread": f"{min(walls):.3g}-{max(walls):.3g}",
                "ratio": ratio,
                "note": note,
                "key": ("proc_" + key, n),
            }
        )
    if fc and checks.get("numpy", (False,))[0]:
        w, c, m = (paired("flopcast", "numpy", f) for f in ("wall", "cpu", "rss_kb"))
        if n == 10**7:
            self.targets["wall_1e7"] = (w, f"{w:.2f}x")
            self.targets["cpu_1e7"] = (c, f"{c:.2f}x")
            self.targets["rss_1e7"] = (
                m,
                f"{m:.2f}x ({med('flopcast', 'rss_kb') / 1e6:.2f} vs {med('numpy', 'rss_kb') / 1e6:.2f} GB)",
            )
        if n == 10**6:
            self.targets["wall_1e6"] = (w, f"{w:.2f}x")
            if (
                "flopcast_report" in runs
                and agreement(runs["numpy"][0]["summary"], runs["flopcast_report"][0]["summary"])[0]
            ):
                r = paired("flopcast_report", "numpy", "wall")
                self.targets["report_vs_1e6"] = (r, f"{r:.2f}x")
    if fc and checks.get("squiggle", (False,))[0]:
        r = paired("squiggle", "flopcast", "wall")
        prev = self.targets.get("squiggle")
        text = f"{r:.2f}x at {_fmt_n(n)}"
        if prev is None or prev[0] is None or r < prev[0]:
            self.targets["squiggle"] = (r, text + (f"; {prev[1]}" if prev else ""))
        else:
            self.targets["squiggle"] = (prev[0], f"{prev[1]}; {text}")
    if "flopcast_nosamples" in runs and "squiggle" in runs and checks.get("squiggle", (False,))[0]:
        r = paired("squiggle", "flopcast_nosamples", "wall")
        prev = self.targets.get("squiggle_like")
        text = f"{r:.2f}x at {_fmt_n(n)}"
        self.targets["squiggle_like"] = (min(r, prev[0]) if prev else r, f"{prev[1]}; {text}" if prev else text)
    for key, (ok, text) in checks.items():
        if not ok:
            self.notes.append(f"{key} at {_fmt_n(n)}: {text}; no ratio printed")


def sec_startup(self):
    fc = self.flopcast_cmd()
    runs = self.args.startup_runs
    cmds = [
        ("start_python", [sys.executable, "-c", "pass"], "start-up: `python -c pass` (interpreter alone)"),
        ("start_help", [*fc, "--help"], "start-up: `flopcast --help`"),
        ("start_scenarios", [*fc, "scenarios"], "start-up: `flopcast scenarios`"),
        (
            "start_run_small",
            [*fc, "run", SCENARIO, "--draws", "1000", "--no-report", "--seed", "1", "--out", "RUN"],
            "start-up: `flopcast run plappert-2024 --draws 1000 --no-report`",
        ),
    ]
    for key, cmd, label in cmds:
        walls = []
        for i in range(runs + 1):  # the first run warms the page cache and is not counted
            out = self.tmp / f"{key}-{i}"
            r = measure([str(out) if c == "RUN" else c for c in cmd], self.tmp, timeout=120)
            shutil.rmtree(out, ignore_errors=True)
            if i:
                walls.append(r["wall"])
        med = statistics.median(walls)
        self.log(f"{key}: median {med:.3f} s of {runs}")
        self.t[(key, 0)] = med
        self.rows.append(
            {
                "label": label,
                "draws": "-",
                "median": med,
                "runs": runs,
                "spread": f"{min(walls):.3g}-{max(walls):.3g}",
                "ratio": "",
                "note": "",
                "key": (key, 0),
            }
        )


def sec_rss1e8(self):
    n = self.args.rss_draws
    label = f"peak RSS: `flopcast run {SCENARIO} --draws {n} --no-report --seed 1 --out <tmp>`"
    if self.args.skip_1e8:
        self.targets["rss_1e8"] = (None, "skipped (--skip-1e8)")
        return
    avail = meminfo("MemAvailable")
    cap = int(self.args.rss_cap_gb * GiB) if self.args.rss_cap_gb else int(max(avail - 4 * GiB, 0))
    if cap < 4 * GiB:
        self.targets["rss_1e8"] = (None, f"skipped: only {avail / GiB:.1f} GiB available")
        return
    out = self.tmp / "run-1e8"
    cmd = [*self.flopcast_cmd(), "run", SCENARIO, "--draws", str(n), "--no-report", "--seed", "1", "--out", str(out)]
    self.log(f"{_fmt_n(n)} run: address-space cap {cap / GiB:.1f} GiB, timeout {self.args.timeout_1e8:.0f} s")
    r = measure(cmd, self.tmp, timeout=self.args.timeout_1e8, as_limit=cap)
    shutil.rmtree(out, ignore_errors=True)
    rss_gb = r["rss_kb"] / 1e6 if r["rss_kb"] else None
    ok = r["rc"] == 0 and not r["timed_out"]
    what = "completed" if ok else ("timed out" if r["timed_out"] else f"failed, exit {r['rc']}")
    self.rows.append(
        {
            "label": label,
            "draws": _fmt_n(n),
            "median": r["wall"],
            "runs": 1,
            "spread": "-",
            "ratio": f"peak RSS {rss_gb:.2f} GB" if rss_gb else "",
            "note": f"{what}; CPU {r['cpu'] or 0:.1f} s (RLIMIT_AS cap {cap / GiB:.1f} GiB)",
            "key": ("rss1e8", n),
        }
    )
    self.targets["rss_1e8"] = (rss_gb if ok else None, f"{rss_gb:.2f} GB" if ok and rss_gb else f"not measured: {what}")


def sec_equations(self):
    """Your own estimate: an equation scenario (bench/three.toml) against the squigglepy script doing
    the same job, whole processes paired at each size (order rotated), flopcast keeping no draws
    (--samples none) like the script."""
    import importlib.util

    if importlib.util.find_spec("squigglepy") is None:
        self.notes.append("squigglepy not importable; section equations skipped")
        return
    fc = self.flopcast_cmd()
    for n in self.args.process_sizes:
        runs: dict[str, list[dict]] = {}
        for rep in range(self.args.repeats):
            out = self.tmp / f"three-{n}-{rep}"
            cmds = {
                "flopcast": (
                    [
                        *fc,
                        "run",
                        str(BENCH / "three.toml"),
                        "--draws",
                        str(n),
                        "--no-report",
                        "--samples",
                        "none",
                        "--seed",
                        "1",
                        "--out",
                        str(out),
                    ],
                    out,
                ),
                "squiggle": (
                    [sys.executable, str(BENCH / "squiggle_three.py"), "--draws", str(n), "--seed", "1", "--json"],
                    None,
                ),
            }
            order = list(cmds)[rep % 2 :] + list(cmds)[: rep % 2]
            for key in order:
                r = _measure_summary(self, f"equations {key}", n, *cmds[key])
                if r is None:
                    continue
                runs.setdefault(key, []).append(r)
                self.log(f"equations {key} {_fmt_n(n)} rep {rep + 1}: {r['wall']:.2f} s wall")
        if len(runs) < 2 or len(runs["flopcast"]) != len(runs["squiggle"]):
            continue
        ok, text = agreement(runs["squiggle"][0]["summary"], runs["flopcast"][0]["summary"])
        ratio = statistics.median(s["wall"] / f["wall"] for s, f in zip(runs["squiggle"], runs["flopcast"]))
        for key, label in (
            ("flopcast", f"whole process: `flopcast run bench/three.toml --draws {n} --no-report --samples none`"),
            ("squiggle", f"whole process: `python bench/squiggle_three.py --draws {n}`"),
        ):
            walls = [r["wall"] for r in runs[key]]
            self.rows.append(
                {
                    "label": label,
                    "draws": _fmt_n(n),
                    "median": statistics.median(walls),
                    "runs": len(walls),
                    "spread": f"{min(walls):.3g}-{max(walls):.3g}",
                    "ratio": (
                        f"{text}; squigglepy / flopcast {ratio:.2f}x wall"
                        if key == "flopcast" and ok
                        else text
                        if key == "flopcast"
                        else ""
                    ),
                    "note": "",
                    "key": ("eq_" + key, n),
                }
            )
        if ok:
            prev = self.targets.get("equations")
            label = f"{ratio:.2f}x at {_fmt_n(n)}"
            self.targets["equations"] = (
                min(ratio, prev[0]) if prev else ratio,
                f"{prev[1]}; {label}" if prev else label,
            )
        else:
            self.notes.append(f"equations at {_fmt_n(n)}: {text}; no ratio printed")
