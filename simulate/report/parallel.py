"""Figures rendered on both cores: matplotlib holds the GIL, so threads do not help, but a forked
worker process does. The worker inherits the run in memory (fork: nothing is pickled on the way
in), renders its share of the figures and sends back bytes; this process writes every file (the one
writer). Without fork (Windows, macOS' spawn default), or if the worker fails, everything is rendered
here, with the same bytes (a test checks)."""

from __future__ import annotations

import os
import sys
from typing import Callable, Sequence

_JOB: Callable | None = None  # the job of the forked worker: set before the fork, inherited


def _worker_start() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is this process's to handle: it shuts the worker
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # down; no second traceback from the worker


def _call(item):
    return _JOB(item)


def render_all(items: Sequence, job: Callable, parallel: bool = True) -> list:
    """``[job(item) for item in items]``, the second half in a forked worker when there is a second
    CPU and fork is available. ``job`` returns what a file and the page need (bytes, text)."""
    global _JOB
    items = list(items)
    if not parallel or len(items) < 4 or (os.cpu_count() or 1) < 2 or sys.platform != "linux":
        return [job(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    half = len(items) // 2
    _JOB = job
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_start) as pool:
            theirs = pool.map(_call, items[half:])
            mine = [job(item) for item in items[:half]]
            try:
                rest = list(theirs)
            except (BrokenProcessPool, OSError):  # the worker died: render its share here
                rest = [job(item) for item in items[half:]]
    finally:
        _JOB = None
    return mine + rest
