"""Where chunks of draws run: a thread pool in this process (the dask engine supplies its own
mapper), and how many workers this machine can use."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait


def _blocks(draws: int, chunk: int, first: int = 0) -> list[tuple[int, int]]:
    return [(s, min(chunk, draws - s)) for s in range(first, draws, chunk)]


def _thread_map(fn, items, workers: int):
    if workers <= 1 or len(items) <= 1:
        return [fn(*item) for item in items]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda item: fn(*item), items))


def cores() -> int:

    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def default_workers() -> int:
    return min(4, cores())


def max_workers(engine: str = "threads") -> int:
    """Threads (or LocalCluster processes) beyond the cores only add overhead; a remote dask
    scheduler's workers are not counted here, so they are bounded loosely."""
    return 1024 if engine == "dask-remote" else cores()


def thread_mapper(workers: int):
    """``mapper(fn, items)`` yielding results as they finish, on a thread pool."""

    def mapper(fn, items):
        if workers <= 1 or len(items) <= 1:
            for item in items:
                yield fn(*item)
            return

        # a bounded window of tasks in flight, so finished results never pile up in memory
        pending: set = set()
        queue = iter(items)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for item in queue:
                pending.add(pool.submit(fn, *item))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(pool.submit(fn, *nxt))
                    yield f.result()

    return mapper
