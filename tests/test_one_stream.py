"""One streaming path: every printed figure comes from ALL draws. A streamed run's 90% HDI of
log(values) and the percentile of every published figure equal the in-memory computation over the
same draws (they were read off the first 2^20 draws before). Stress, compare and audit declare what
they read and one executor computes it (analyze/reductions.py), so their every number is the same
whether the draws are held or streamed, the exceedance MCSE with a posterior's ESS included."""

from __future__ import annotations

import json

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


# --- one executor (analyze/reductions.py): stress, compare and audit read the same numbers off the same
# draws whether those are held in memory (one block) or streamed block by block. Seeded, exact equality
# of every number the results return (golden tier: the same order statistics and counts, to the bit).
STREAM_N = 200_000


@pytest.fixture
def small_prefix(monkeypatch):
    """A streamed analysis holds only its first 65,536 draws and evaluates the rest in blocks."""
    monkeypatch.setattr(engine, "KEEP_DRAWS", S.SUM_BLOCK)


def _numbers(obj):
    """Every number (and string) of a result's JSON, its generated sentences included."""
    return json.loads(json.dumps(obj, default=float))


# (scenario, output, headline, tail): above the median (>= tail), below it (<= tail), importance sampling
STRESS = [
    ("plappert-2024", "peak_fleet_h100", 7e5, "mc"),
    ("plappert-2024", "training_h100_months", 2e3, "mc"),
    ("llm-economics", None, None, "auto"),
]


@pytest.mark.parametrize("scenario, output, headline, tail", STRESS)
def test_stress_held_and_streamed_are_one_path(small_prefix, scenario, output, headline, tail):
    from flopcast.analyze.stress import stress

    plan = engine.plan_for(scenario)
    if output is None:  # the scenario's first published figure
        output, headline = plan.scenario.headlines[0].output, plan.scenario.headlines[0].value
    mem = stress(plan, output, headline, draws=STREAM_N, seed=4, stream=False, tail=tail)
    got = stress(plan, output, headline, draws=STREAM_N, seed=4, stream=True, tail=tail)
    assert got.draws == mem.draws == STREAM_N
    assert _numbers(got.to_json()) == _numbers(mem.to_json())
    assert got.conditional == mem.conditional
    np.testing.assert_array_equal(got.values, mem.values[: S.SUM_BLOCK])  # the figure: the held prefix


def test_stress_mcse_uses_the_posterior_ess_in_both_paths(tmp_path, small_prefix):
    from flopcast.analyze.stress import stress

    plan = _calibrated_plan(tmp_path)
    mem = stress(plan, "peak_fleet_h100", 720_000, draws=STREAM_N, seed=3, stream=False, tail="mc")
    got = stress(plan, "peak_fleet_h100", 720_000, draws=STREAM_N, seed=3, stream=True, tail="mc")
    assert _numbers(got.to_json()) == _numbers(mem.to_json())
    naive = np.sqrt(mem.p_exceed * (1 - mem.p_exceed) / STREAM_N)
    assert mem.p_exceed_mcse > 1.5 * naive


def _floor_scenarios(tmp_path):
    """A = floor(a), B = a with a ~ U(0, 3): B/A is infinite for the third of draws with a < 1, so the
    ratio's summary reads only the finite ratios (a masked quantity)."""
    paths = []
    for name, formula in (("floor-a", "floor(a)"), ("plain-a", "a")):
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'[scenario]\nname = "{name}"\n\n[priors]\na = {{ dist = "uniform", low = 0, high = 3 }}\n\n'
            f'[outputs]\ny = {{ formula = "{formula}", unit = "widgets" }}\n'
        )
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("pair", ["plappert-vs-sora", "floor"])
def test_compare_held_and_streamed_are_one_path(tmp_path, small_prefix, pair):
    from flopcast.analyze.compare import compare

    a, b = ("plappert-2024", "sora-2026") if pair == "plappert-vs-sora" else _floor_scenarios(tmp_path)
    mem = compare(a, b, draws=STREAM_N, seed=2, stream=False)
    got = compare(a, b, draws=STREAM_N, seed=2, stream=True)
    assert _numbers(got.to_json()) == _numbers(mem.to_json())
    for name, c in mem.outputs.items():
        assert got.outputs[name] == c, name  # every field, the means and MCSE included
    if pair == "floor":  # P(a < 1) = 1/3 of the ratios are infinite and left out
        ratio = mem.outputs["y"].ratio
        assert ratio.draws == pytest.approx(STREAM_N * 2 / 3, rel=0.01)
        assert mem.outputs["y"].p_b_greater == pytest.approx(1.0, abs=0.01)  # a > floor(a) unless a is whole


@pytest.mark.parametrize("scenario", ["plappert-2024", "llm-economics"])  # llm-economics: headlines with a set
def test_audit_held_and_streamed_are_one_path(monkeypatch, small_prefix, scenario):
    from flopcast.analyze.audit import audit

    plan = engine.plan_for(scenario)
    mem = audit(plan, draws=STREAM_N, seed=5)
    monkeypatch.setattr(engine, "STREAM_ABOVE", STREAM_N // 2)  # the band now streams
    got = audit(plan, draws=STREAM_N, seed=5)
    assert got.draws == STREAM_N
    assert [ln.to_json() for ln in got.lines] == [ln.to_json() for ln in mem.lines]


def test_a_streamed_source_holds_only_its_first_block(small_prefix):
    from flopcast.analyze.reductions import draws_of

    plan = engine.plan_for("plappert-2024")
    source = draws_of([plan], 5_000_000, 1, stream=True)
    ((x, y),) = source.held
    assert source.streamed and source.n == 5_000_000
    assert {v.size for v in (*x.values(), *y.values())} == {S.SUM_BLOCK}


# (chunk of the blocks): a masked quantity's mean and order statistics do not depend on the blocking
@pytest.mark.parametrize("chunk", [S.SUM_BLOCK, 3 * S.SUM_BLOCK])
def test_masked_quantity_is_the_same_however_blocked(chunk):
    from flopcast.analyze.reductions import Draws, Quantity, held, reduce

    rng = np.random.default_rng(5)
    y = rng.lognormal(0.0, 1.0, 700_000)
    frame = (({}, {"y": y}),)
    wanted = {
        "tail": Quantity.output("y", where=lambda f: f[0][1]["y"] > 2.0),
        "count": Quantity.output("y", below=(0.5, 1.0), order="count"),
    }
    one = reduce(held(frame, y.size, 0, "mc"), wanted)
    blocks = Draws(
        y.size, 0, "mc", (({}, {"y": y[: S.SUM_BLOCK]}),), S.SUM_BLOCK, lambda s, m: (({}, {"y": y[s : s + m]}),), chunk
    )
    many = reduce(blocks, wanted)
    assert many == one
    tail = y[y > 2.0]
    assert one["tail"].summary.median == pytest.approx(np.median(tail), rel=1e-15)
    assert one["tail"].summary.mean == pytest.approx(tail.mean(), rel=1e-12)
    assert one["count"].below == {0.5: int(np.count_nonzero(y < 0.5)), 1.0: int(np.count_nonzero(y < 1.0))}
    assert one["count"].summary is None and one["count"].draws == y.size


def test_stress_tail_direction_guessed_wrong_is_read_again(small_prefix):
    """The tail is read in the pass that finds the median, its direction guessed from the held draws'
    median; a headline between that median and the exact one makes the guess wrong: the tail is read
    again and the numbers equal the in-memory ones."""
    from flopcast.analyze.stress import stress

    plan = engine.plan_for("plappert-2024")
    y = engine.run(plan, draws=STREAM_N, seed=4, stream=False, summarize_outputs=False).outputs["peak_fleet_h100"]
    held, exact = (
        np.median(y[: S.SUM_BLOCK]),
        engine.run(plan, draws=STREAM_N, seed=4).summary["peak_fleet_h100"].median,
    )
    assert held != exact
    headline = 0.5 * (held + exact)  # the held median is on the other side of it
    mem = stress(plan, "peak_fleet_h100", headline, draws=STREAM_N, seed=4, stream=False, tail="mc")
    got = stress(plan, "peak_fleet_h100", headline, draws=STREAM_N, seed=4, stream=True, tail="mc")
    assert got.direction == (">=" if headline >= exact else "<=") != (">=" if headline >= held else "<=")
    assert _numbers(got.to_json()) == _numbers(mem.to_json())


def test_streamed_calibrated_run_reads_its_posterior_mcse_off_every_draw(tmp_path, small_prefix):
    """A calibrated scenario's quantile MCSE (ArviZ's, with the posterior's ESS) was read off a streamed
    run's kept prefix; now the streaming pass keeps the order statistics of the ESS's ranks: every
    summary, the MCSE included, equals the in-memory one to the bit."""
    plan = _calibrated_plan(tmp_path)
    mem = engine.run(plan, draws=STREAM_N, seed=6, stream=False).summary
    got = engine.run(plan, draws=STREAM_N, seed=6, stream=True).summary
    assert plan.mcse_ess(STREAM_N, (0.5,), "peak_fleet_h100") is not None  # the posterior sets the ESS
    for name, s in mem.items():
        for field in ("median", "p05", "p95", "hdi90", "mcse_p05", "mcse_p50", "mcse_p95", "draws"):
            assert getattr(got[name], field) == getattr(s, field), (name, field)


def test_compare_mcse_uses_the_posterior_ess(tmp_path):
    """compare's summaries of A and B read their MCSE as the run does (a calibrated scenario: its ESS)."""
    from flopcast.analyze.compare import compare

    plan = _calibrated_plan(tmp_path)
    cmp = compare(plan, "plappert-2024", outputs=["peak_fleet_h100"], draws=50_000, seed=2)
    columns = {*engine.sampled_columns(plan), *engine.sampled_columns(engine.plan_for("plappert-2024"))}
    run = engine.run(plan, draws=50_000, seed=2, columns=sorted(columns))  # compare's common random numbers
    a, s = cmp.outputs["peak_fleet_h100"].a, run.summary["peak_fleet_h100"]
    assert (a.median, a.mcse_p05, a.mcse_p50, a.mcse_p95) == (s.median, s.mcse_p05, s.mcse_p50, s.mcse_p95)
    b = cmp.outputs["peak_fleet_h100"].b
    assert a.mcse_p50 > 2 * b.mcse_p50  # the posterior's draws hold less information than independent ones
