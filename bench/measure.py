"""Whole-process measurement and the agreement check of the benchmark (issue 13).

``measure`` runs one command the way ``/usr/bin/time -v`` reports it: wall time, CPU time
(user + system) and peak resident memory of the process tree. ``agreement`` refuses a comparison
unless a reference's p05/p50/p95 lie within ``K_MCSE`` combined Monte Carlo standard errors of
flopcast's: a ratio against a program that computes something else means nothing.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

GiB = 1024**3
K_MCSE = 4.0  # |reference - flopcast| <= K_MCSE * sqrt(mcse_ref^2 + mcse_flopcast^2)
QUANTILES = ("p05", "p50", "p95")

# Fallback when /usr/bin/time is absent: a helper reports its child's rusage the same way.
_RUSAGE_HELPER = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "sys.stderr.write('\\nUser time (seconds): %.2f\\nSystem time (seconds): %.2f\\n"
    "Maximum resident set size (kbytes): %d\\nExit status: %d\\n' % (r.ru_utime, r.ru_stime, r.ru_maxrss, rc)); "
    "sys.exit(rc)"
)


def measure(cmd: list[str], cwd: Path, timeout: float | None = None, as_limit: int | None = None) -> dict:
    """Run ``cmd`` in a fresh session; -> wall s, cpu s (user + sys), rss_kb, rc, timed_out, stdout, stderr."""
    time_bin = "/usr/bin/time"
    full = [time_bin, "-v", *cmd] if Path(time_bin).exists() else [sys.executable, "-c", _RUSAGE_HELPER, *cmd]

    def limit():
        if as_limit:
            resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        full,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=limit,
        text=True,
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)  # the session started above: the timer and its child
        out, err = proc.communicate()
    wall = time.perf_counter() - t0

    def field(pattern: str, cast=float):
        m = re.search(pattern, err or "")
        return cast(m.group(1)) if m else None

    user = field(r"User time \(seconds\): ([\d.]+)")
    system = field(r"System time \(seconds\): ([\d.]+)")
    status = field(r"Exit status: (\d+)", int)
    return {
        "wall": wall,
        "cpu": (user or 0.0) + (system or 0.0) if user is not None else None,
        "user": user,
        "sys": system,
        "rss_kb": field(r"Maximum resident set size \(kbytes\): (\d+)", int),
        "rc": status if status is not None else proc.returncode,
        "timed_out": timed_out,
        "stdout": out,
        "stderr": err,
    }


def flopcast_summary(summary: dict) -> dict[str, dict[str, float]]:
    """{output: {p05, p50, p95, mcse_p05, mcse_p50, mcse_p95}} from ``engine.run(...).summary``."""
    return {
        name: {
            "p05": s.p05,
            "p50": s.median,
            "p95": s.p95,
            "mcse_p05": s.mcse_p05,
            "mcse_p50": s.mcse_p50,
            "mcse_p95": s.mcse_p95,
        }
        for name, s in summary.items()
    }


def summary_json(path: Path) -> dict[str, dict[str, float]]:
    """The same from a run folder's summary.json."""
    outputs = json.loads(Path(path).read_text())["outputs"]
    return {
        name: {"p05": o["p05"], "p50": o["median"], "p95": o["p95"], **{f"mcse_{q}": o["mcse"][q] for q in QUANTILES}}
        for name, o in outputs.items()
    }


def agreement(ref: dict, fc: dict, k: float = K_MCSE) -> tuple[bool, str]:
    """(agree, note): every output flopcast has, every quantile within ``k`` combined MCSE
    (a constant output, MCSE 0 on both sides, must agree to 1e-9 relative)."""
    worst, where = 0.0, ""
    for name, f in fc.items():
        if name not in ref:
            return False, f"reference lacks output {name}"
        r = ref[name]
        for q in QUANTILES:
            se = math.hypot(r[f"mcse_{q}"], f[f"mcse_{q}"])
            diff = abs(r[q] - f[q])
            if se == 0:
                z = 0.0 if diff <= 1e-9 * max(abs(f[q]), 1e-300) else math.inf
            else:
                z = diff / se
            if not z <= worst:
                worst, where = z, f"{name} {q}"
    if worst > k:
        return False, f"DISAGREES: {where} is {worst:.1f} combined MCSE from flopcast's (limit {k:g})"
    return True, f"agrees (worst {where}: {worst:.1f} MCSE)"


def meminfo(name: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def machine_line() -> str:
    import numpy as np

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

    for dist in ("scipy", "squigglepy", "pymc", "SALib"):  # metadata only: importing pymc would skew its timing
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{os.cpu_count()} CPUs (nproc {nproc}), {cpu}, {meminfo('MemTotal') / GiB:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}; {', '.join(versions)}; load average at start {load:.2f}"
    )
