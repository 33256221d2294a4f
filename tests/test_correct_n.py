"""Correct N (issue 12): above the streaming threshold, stress, compare and audit use every requested
draw (not a streamed run's kept prefix) and report that N. The streamed analyses read the same
draws as the in-memory ones, so their exceedance counts and medians are the same order statistics:
they must agree exactly, which is within any MCSE. A small KEEP_DRAWS makes the streamed path
evaluate most draws block by block, as it does at 5e7 draws."""

import pytest

from flopcast import engine
from flopcast.analyze.audit import audit
from flopcast.analyze.compare import compare
from flopcast.analyze.stress import stress

DRAWS = 300_000


@pytest.fixture
def small_prefix(monkeypatch):
    monkeypatch.setattr(engine, "KEEP_DRAWS", 65_536)


# (output, headline): one headline above the median (>= tail), one below (<= tail)
@pytest.mark.parametrize("output, headline", [("peak_fleet_h100", 7e5), ("training_h100_months", 2e3)])
def test_streamed_stress_equals_in_memory(small_prefix, output, headline):
    plan = engine.plan_for("plappert-2024")
    mem = stress(plan, output, headline, draws=DRAWS, seed=3, stream=False)
    got = stress(plan, output, headline, draws=DRAWS, seed=3, stream=True)
    assert got.draws == mem.draws == DRAWS
    for field in ("p_exceed", "p_exceed_mcse", "percentile", "median", "direction", "tail_draws"):
        assert getattr(got, field) == getattr(mem, field), field
    assert abs(got.p_exceed - mem.p_exceed) <= mem.p_exceed_mcse
    assert list(got.conditional) == list(mem.conditional)
    for name, c in mem.conditional.items():
        assert (got.conditional[name] is None) == (c is None)
        if c is not None:
            assert got.conditional[name].conditional_median == c.conditional_median, name


def test_streamed_compare_equals_in_memory(small_prefix):
    args = dict(sets_b=["dataset_multiplier=10"], draws=DRAWS, seed=2)
    mem = compare("plappert-2024", "plappert-2024", stream=False, **args)
    got = compare("plappert-2024", "plappert-2024", stream=True, **args)
    assert got.draws == DRAWS
    for name, c in mem.outputs.items():
        g = got.outputs[name]
        assert g.p_b_greater == c.p_b_greater, name
        for part in ("a", "b", "ratio"):
            for field in ("median", "p05", "p95", "draws"):
                assert getattr(getattr(g, part), field) == getattr(getattr(c, part), field), (name, part, field)


def test_audit_above_the_threshold_counts_every_draw(monkeypatch):
    plan = engine.plan_for("plappert-2024")
    mem = audit(plan, draws=DRAWS, seed=5)
    monkeypatch.setattr(engine, "STREAM_ABOVE", 100_000)
    monkeypatch.setattr(engine, "KEEP_DRAWS", 65_536)
    got = audit(plan, draws=DRAWS, seed=5)
    assert got.draws == DRAWS
    for a, b in zip(mem.lines, got.lines):
        assert (b.p_exceed, b.percentile) == (a.p_exceed, a.percentile), a.output
