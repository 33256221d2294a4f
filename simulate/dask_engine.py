"""Run chunks of draws as dask tasks, on a scheduler you point at or a LocalCluster.

Each task computes a contiguous range of draws (the unit-cube design has random access, see
``simulate.sampling.Design``) and returns only small pieces: histograms, block sums and, in the
second pass, the few values near the wanted order statistics (``simulate.streaming``). No task
returns its draws, and the summaries equal the in-process engine's for the same seed.

Point it at a real cluster with ``--engine dask --scheduler tcp://HOST:8786`` (a running
``dask scheduler`` whose workers have flopcast installed, same version); without ``--scheduler``
a LocalCluster with one single-threaded worker process per core is started for the run.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flopcast.priors.errors import InputError


@contextmanager
def dask_mapper(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("--engine dask", "needs dask[distributed]: pip install -e '.[dask]'") from None
    import os

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler {scheduler}", f"cannot connect: {exc}") from None
    else:
        n = workers or max(1, min(4, os.cpu_count() or 1))
        import logging

        # distributed's own log lines (task cancelled, worker killed) would follow a Ctrl-C; the CLI
        # says "interrupted" in one line instead
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.CRITICAL)
        client = Client(cluster)

    def mapper(fn, items):
        futures = [client.submit(fn, *item, pure=False) for item in items]
        for future in as_completed(futures):
            yield future.result()
            future.release()

    try:
        yield mapper
    except BaseException:  # interrupted or failed: close quietly, the CLI prints the one line
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
