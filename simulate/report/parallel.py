"""Figures rendered on both cores: matplotlib holds the GIL, so threads do not help, but a forked
worker process does. The worker inherits the run in memory (fork: nothing is pickled on the way
in), renders its share of the figures and sends back bytes; this process writes every file (the one
writer). Without fork (Windows, macOS' spawn default), or if the worker fails, everything is rendered
here, with the same bytes (a test checks)."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Sequence

_JOB: Callable | None = None  # the job of the forked worker: set before the fork, inherited
_PARENT: int | None = None  # this process's pid, set before the fork: the worker checks it is still there
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_start() -> None:
    """The worker dies with this process, however this process ends (SIGKILL included): the kernel
    sends it SIGKILL when its parent exits (prctl PR_SET_PDEATHSIG; a parent gone before the call
    is caught by the pid check). Signals are this process's to handle; the worker keeps no terminal
    output open, so a pipe (``| tee``) ends when this process does."""

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is this process's to handle: it shuts the worker
    for name in ("SIGTERM", "SIGHUP"):  # down; no second traceback from the worker
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    _die_with_parent()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # results travel through the pool's pipe, never through stdout
        os.dup2(devnull, fd)
    os.close(devnull)


def _die_with_parent() -> None:

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not glibc/Linux: the pid check below still holds at start
        pass
    if _PARENT is not None and os.getppid() != _PARENT:  # the parent died before prctl took effect
        os._exit(1)


def _call(item):
    return _JOB(item)


def render_all(items: Sequence, job: Callable, parallel: bool = True) -> list:
    """``[job(item) for item in items]``, the second half in a forked worker when there is a second
    CPU and fork is available. ``job`` returns what a file and the page need (bytes, text)."""
    global _JOB, _PARENT
    items = list(items)
    if not parallel or len(items) < 4 or (os.cpu_count() or 1) < 2 or sys.platform != "linux":
        return [job(item) for item in items]

    half = len(items) // 2
    _JOB, _PARENT = job, os.getpid()
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start)
    done = False
    try:
        theirs = pool.map(_call, items[half:])
        mine = [job(item) for item in items[:half]]
        try:
            rest = list(theirs)
        except (BrokenProcessPool, OSError):  # the worker died: render its share here
            rest = [job(item) for item in items[half:]]
        done = True
    finally:
        _JOB = None
        if not done:  # an error or a signal here: the worker's figures are not wanted, stop it now
            _stop(pool)
        pool.shutdown(wait=True, cancel_futures=not done)
    return mine + rest


def _stop(pool) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, ValueError, AttributeError):  # already gone
            pass
