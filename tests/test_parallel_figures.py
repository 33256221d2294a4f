"""Figures rendered in a forked worker are the bytes rendering here gives (report/parallel.py)."""

import os

import pytest

from flopcast.report.parallel import render_all


@pytest.fixture(scope="module")
def run_and_places():
    from flopcast import engine
    from flopcast.analyze.headlines import headlines

    result = engine.run("plappert-2024", draws=4_000, seed=2)
    return result, headlines(result)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_forked_rendering_gives_the_same_bytes(run_and_places, fmt):
    from flopcast.report import figures
    from flopcast.report.run import distribution_figure

    result, places = run_and_places
    names = list(result.plan.model.outputs)

    def render(name):
        return figures.render_once(distribution_figure(result, name, places), fmt)

    figures.load()
    assert render_all(names, render, parallel=True) == render_all(names, render, parallel=False)


def test_a_worker_that_dies_leaves_its_share_to_this_process():
    parent = os.getpid()

    def job(x):
        if os.getpid() != parent:
            os._exit(3)  # the worker dies mid-job
        return x * x

    assert render_all(range(8), job) == [x * x for x in range(8)]


def test_an_error_in_a_job_reaches_the_caller():
    def job(x):
        if x == 6:  # in the worker's half
            raise ValueError("bad figure")
        return x

    with pytest.raises(ValueError, match="bad figure"):
        render_all(range(8), job)


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or not hasattr(os, "fork"), reason="one CPU or no fork: all in-process")
def test_the_second_half_runs_in_another_process():
    pids = render_all(range(8), lambda _: os.getpid())
    assert set(pids[:4]) == {os.getpid()} and os.getpid() not in pids[4:]
