"""Run chunks of draws as dask tasks, on a scheduler you point at or a LocalCluster.

Each task computes a contiguous range of draws (the unit-cube design has random access, see
``simulate.sampling.Design``) and returns only small pieces: histograms, block sums and, in the
second pass, the few values near the wanted order statistics (``simulate.streaming``). No task
returns its draws, and the summaries equal the in-process engine's for the same seed.

Point it at a real cluster with ``--engine dask --scheduler tcp://HOST:8786`` (a running
``dask scheduler`` whose workers have flopcast installed, same version); without ``--scheduler``
a LocalCluster with one single-threaded worker process per core is started for the run.

Memory allocator settings of the LocalCluster's workers (``WORKER_MALLOC``): dask's nanny starts
every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (``distributed.nanny.pre-spawn-environ``) so
that idle workers hand memory back to the OS. Setting any glibc malloc tunable also freezes the
mmap threshold at its 128 KiB default (glibc stops raising it dynamically), so every array of a
chunk (2 MiB at 2^18 draws) is a fresh ``mmap``: page faults on every chunk made 3e7 draws run
2.1-2.3x slower than the thread engine. The workers here get ``MALLOC_MMAP_THRESHOLD_`` = 32 MiB
(glibc's own dynamic ceiling on 64-bit) and ``MALLOC_TRIM_THRESHOLD_`` = 128 MiB, which is what the
thread engine's process gets from glibc's dynamic rule: chunk arrays come from the heap and are
reused. Memory stays bounded because a worker holds a few chunks at a time (a task returns only
histograms and window values). A remote scheduler's workers keep their own settings; start them
with the same two environment variables for the same speed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

from flopcast.priors.errors import InputError

WORKER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(128 << 20)}


@contextmanager
def dask_mapper(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("engine dask", "needs dask[distributed]: pip install -e '.[dask]'") from None

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:  # unreachable, or not an address
            raise InputError(
                f"scheduler {scheduler}",
                f"cannot connect ({type(exc).__name__}: {exc}); give the "
                "address a dask scheduler prints, e.g. tcp://HOST:8786",
            ) from None
    else:
        import dask

        n = workers or max(1, min(4, os.cpu_count() or 1))

        environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", default={}), **WORKER_MALLOC}
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):  # read as the nannies start
            # distributed's own log lines (task cancelled, worker killed) would follow a Ctrl-C; the CLI
            # says "interrupted" in one line instead. ":0": a free port, so two runs never collide on 8787
            with _workers_ignore_ctrl_c():
                cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.CRITICAL,
                )
        client = Client(cluster)

    def mapper(fn, items):
        futures = [client.submit(fn, *item, pure=False) for item in items]
        for future in as_completed(futures):
            yield future.result()
            future.release()

    try:
        yield mapper
    except BaseException:  # interrupted or failed: close quietly, the CLI prints the one line
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def _workers_ignore_ctrl_c():
    """Start the LocalCluster's worker processes with SIGINT ignored. A terminal's Ctrl-C reaches the
    whole process group; a worker that took it would print its own KeyboardInterrupt traceback. The
    workers are spawned (a fresh interpreter), which keeps an ignored signal ignored (POSIX execve;
    Python then installs no KeyboardInterrupt handler); this process restores its handler at once, takes
    the Ctrl-C and closes the cluster."""

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
