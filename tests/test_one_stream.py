"""One streaming path: every printed figure comes from ALL draws. A streamed run's 90% HDI of
log(values) and the percentile of every published figure equal the in-memory computation over the
same draws (they were read off the first 2^20 draws before), and the streamed exceedance's MCSE uses a
posterior's ESS exactly as the in-memory one does."""

from __future__ import annotations

import numpy as np
import pytest

from flopcast import engine
from flopcast import streaming as S
from flopcast.summary import log_hdi90_ordered, order_statistics


def _reduce(values: np.ndarray, keep: int, thresholds=()):
    def evaluate(start, m):
        return {"y": values[start : start + m]}

    return S.reduce_blocks(
        evaluate,
        values.size,
        keep,
        {"y": values[:keep]},
        {},
        lambda fn, items: [fn(*i) for i in items],
        2 * S.SUM_BLOCK,
        S.SUM_BLOCK,
        below={"y": tuple(thresholds)},
        log_hdi=True,
    )["y"]


# (distribution, draws, pilot draws): seeded; exact equality with the in-memory values (golden tier)
CASES = [
    ("lognormal sigma 2", lambda rng, n: rng.lognormal(0.0, 2.0, n), 600_000, 2 * S.SUM_BLOCK),
    ("lognormal sigma 0.8", lambda rng, n: rng.lognormal(3.0, 0.8, n), 500_000, 4 * S.SUM_BLOCK),
    ("pareto", lambda rng, n: 1.0 + rng.pareto(1.2, n), 400_000, 2 * S.SUM_BLOCK),
]


@pytest.mark.parametrize("name, make, n, keep", CASES)
@pytest.mark.parametrize("one_pass", [True, False])
def test_streamed_log_hdi_and_counts_equal_in_memory(name, make, n, keep, one_pass, monkeypatch):
    values = make(np.random.default_rng(7), n)
    if not one_pass:
        monkeypatch.setattr(S, "WINDOW_BUDGET", 0)  # no window: the wanted bins come from a second pass
    x = tuple(np.quantile(values, [0.01, 0.3, 0.77]))
    got = _reduce(values, keep, x)
    assert got.log_hdi90 == log_hdi90_ordered(order_statistics(values))
    assert got.below == {float(t): int(np.count_nonzero(values < t)) for t in x}
    assert got.extent == (values.min(), values.max())


def test_narrow_band_has_no_log_hdi():
    """A band narrower than a decade (p95/p05 = exp(2 x 1.645 x 0.3) = 2.7) reads the linear HDI."""
    values = np.random.default_rng(3).lognormal(0.0, 0.3, 300_000)
    assert _reduce(values, 2 * S.SUM_BLOCK).log_hdi90 is None is log_hdi90_ordered(order_statistics(values))


def test_candidate_bins_hold_the_hdi():
    """log_hdi_bins is exact: both ends of the in-memory HDI lie in the bins it returns."""
    values = np.random.default_rng(11).lognormal(1.0, 1.5, 200_000)
    binning = S.Binning.from_pilot(values[:20_000])
    counts = np.bincount(binning.index(values), minlength=S.BINS + 2)
    bins = S.log_hdi_bins(binning, counts, values.min(), values.max(), values.size)
    lo, hi = log_hdi90_ordered(order_statistics(values))
    assert set(binning.index(np.array([lo, hi]))) <= set(bins)
    assert bins.size < S.BINS // 10  # a small share of the histogram


def _calibrated_plan(tmp_path):
    import xarray as xr

    from flopcast.priors.scenario import load_scenario

    rng = np.random.default_rng(0)
    z = np.empty((2, 1000))
    z[:, 0] = rng.normal(size=2)
    for t in range(1, 1000):  # an AR(1) chain (coefficient 0.8), as NUTS draws are autocorrelated
        z[:, t] = 0.8 * z[:, t - 1] + 0.6 * rng.normal(size=2)
    util = 0.2 + 0.25 / (1 + np.exp(-z))
    xr.Dataset({"inference_utilization": (("chain", "draw"), util)}).to_netcdf(
        tmp_path / "posterior.nc", group="posterior", engine="h5netcdf"
    )
    text = open(load_scenario("plappert-2024").path, encoding="utf-8").read()
    text += '\n[posterior]\nfile = "posterior.nc"\ninputs = ["inference_utilization"]\nnote = "AR(1) test"\n'
    (tmp_path / "calibrated.toml").write_text(text)
    return engine.plan_for(str(tmp_path / "calibrated.toml"))


def test_streamed_exceedance_mcse_uses_the_posterior_ess(tmp_path):
    from flopcast.analyze.stress import stress

    plan = _calibrated_plan(tmp_path)
    mem = stress(plan, "peak_fleet_h100", 720_000, draws=200_000, seed=3, stream=False, tail="mc")
    streamed = stress(plan, "peak_fleet_h100", 720_000, draws=200_000, seed=3, stream=True, tail="mc")
    assert streamed.p_exceed == mem.p_exceed
    assert streamed.p_exceed_mcse == pytest.approx(mem.p_exceed_mcse, rel=1e-12)
    naive = np.sqrt(mem.p_exceed * (1 - mem.p_exceed) / 200_000)  # 200,000 independent draws
    assert mem.p_exceed_mcse > 1.5 * naive  # resampled posterior draws hold less information


@pytest.mark.slow
def test_five_million_draws_printed_figures_use_every_draw():
    """Issue 20: above 4e6 draws the log-scale HDI and every published figure's percentile came from
    the first 2^20 draws; now they equal the in-memory computation over all 5e6 draws, to the bit."""
    from flopcast.analyze.headlines import headlines

    n = 5_000_000
    assert n > engine.STREAM_ABOVE
    streamed = engine.run("plappert-2024", draws=n, seed=1)
    assert streamed.kept < n  # it streamed
    got = headlines(streamed)
    memory = engine.run("plappert-2024", draws=n, seed=1, stream=False)
    want = headlines(memory)
    assert got.draws == want.draws == n
    assert got.log_hdi90 == want.log_hdi90 and "peak_fleet_h100" in got.log_hdi90
    for a, b in zip(got.items, want.items, strict=True):
        assert (a.published_percentile, a.rederived_percentile) == (b.published_percentile, b.rederived_percentile)
    for name, s in streamed.summary.items():  # the quantiles were exact already
        assert (s.p05, s.median, s.p95) == (
            memory.summary[name].p05,
            memory.summary[name].median,
            memory.summary[name].p95,
        )


@pytest.mark.parametrize("scenario", ["plappert-2024", "sora-2026"])
def test_streamed_hdi_of_the_values_is_the_in_memory_one(scenario):
    """Issue 23: the 90% HDI's lower end jumped 3-8% across the streaming threshold (the streamed one was
    the narrowest run of histogram bins). Now the bins that can hold its ends are kept (in the first
    pass's window, or read in a second pass) and the HDI is read off their values: the same draws give
    the same HDI, to the bit."""
    memory = engine.run(scenario, draws=1_500_000, seed=3, stream=False)
    streamed = engine.run(scenario, draws=1_500_000, seed=3, stream=True)
    assert streamed.kept < streamed.draws
    for name, s in memory.summary.items():
        assert streamed.summary[name].hdi90 == s.hdi90, name
