"""Scale: threads, streaming summaries, dask tasks and --draws auto give the same numbers."""

import json

import numpy as np
import pytest

from flopcast import engine
from flopcast.cli.app import main
from flopcast.priors.errors import InputError

EXACT = ("median", "p05", "p95", "mcse_p05", "mcse_p50", "mcse_p95")


@pytest.fixture(scope="module")
def in_memory():
    return engine.run("plappert-2024", draws=300_000, seed=12, workers=1)


@pytest.mark.parametrize("workers, chunk", [(2, 2**18), (2, 3 * 2**16), (1, 2**20)])
def test_workers_and_chunks_do_not_change_numbers(in_memory, workers, chunk):
    other = engine.run("plappert-2024", draws=300_000, seed=12, workers=workers, chunk_size=chunk)
    assert other.summary == in_memory.summary


# (workers, chunk size): streamed summaries must agree with each other exactly
@pytest.mark.parametrize("workers, chunk", [(1, 2**16), (2, 2**18)])
def test_streamed_quantiles_are_exact(in_memory, workers, chunk):
    streamed = engine.run("plappert-2024", draws=300_000, seed=12, stream=True, workers=workers, chunk_size=chunk)
    for name, s in in_memory.summary.items():
        t = streamed.summary[name]
        for field in EXACT:  # order statistics: exact
            assert getattr(t, field) == getattr(s, field), (name, field)
        assert t.mean == pytest.approx(s.mean, rel=1e-12)
        # histogram HDI: holds >= 90% of the draws and is no wider than the exact one by more than 1%
        v = in_memory.outputs[name]
        if s.hdi90[1] > s.hdi90[0]:
            assert np.mean((v >= t.hdi90[0]) & (v <= t.hdi90[1])) >= 0.8999
            assert (t.hdi90[1] - t.hdi90[0]) <= 1.01 * (s.hdi90[1] - s.hdi90[0])
    assert streamed.kept == 300_000 and len(streamed.outputs["peak_fleet_h100"]) == 300_000


def test_dask_local_cluster_equals_in_process():
    from flopcast.dask_engine import dask_mapper

    local = engine.run("plappert-2024", draws=200_000, seed=4, stream=True)
    with dask_mapper(workers=2) as mapper:
        remote = engine.run("plappert-2024", draws=200_000, seed=4, mapper=mapper)
    assert remote.summary == local.summary


def test_lhs_cannot_stream():
    with pytest.raises(InputError, match="whole design in memory"):
        engine.run("plappert-2024", draws=1000, seed=1, sampler="lhs", stream=True)


@pytest.mark.parametrize("tol", [0.01])
def test_draws_auto_meets_its_tolerance(capsys, tmp_path, tol):
    assert (
        main(
            [
                "run",
                "plappert-2024",
                "--draws",
                "auto",
                "--tol",
                str(tol),
                "--seed",
                "3",
                "--json",
                "--no-report",
                "--out",
                str(tmp_path / "a"),
            ]
        )
        == 0
    )
    obj = json.loads(capsys.readouterr().out)
    rounds = obj["auto"]["rounds"]
    assert rounds[-1]["draws"] == obj["draws"] and rounds[-1]["max_relative_mcse"] <= tol
    for name in ("training_h100_months", "peak_fleet_h100", "break_even_video_minutes"):
        o = obj["outputs"][name]
        assert max(o["mcse"]["p05"] / o["p05"], o["mcse"]["p50"] / o["median"], o["mcse"]["p95"] / o["p95"]) <= tol


def test_stored_samples_are_a_prefix_of_a_large_run(tmp_path):
    from flopcast.report.run import write_run
    from flopcast.samples import load_samples

    big = engine.run("plappert-2024", draws=1_200_000, seed=6)
    write_run(big, tmp_path, report=False)
    ds = load_samples(tmp_path / "samples.nc")
    assert ds.sizes["draw"] == 1_000_000 and "first 1,000,000 of 1,200,000" in ds.attrs["note"]
    small = engine.run("plappert-2024", draws=1_000_000, seed=6, summarize_outputs=False)
    stored = ds["peak_fleet_h100"].values  # float32 where that changes no reported digit
    np.testing.assert_array_equal(stored, small.outputs["peak_fleet_h100"].astype(stored.dtype))
